"""Exports: GeoPackage, Shapefile zip (UTF-8 and GBK), GeoJSON, CSV, KMZ, the CLI.

Fast tests use a hand-made result of six 20 km parcels whose values can be
checked by eye; the slow tests run the whole pipeline through the CLI once.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from pyproj import CRS, Transformer
from shapely.geometry import box

from layers.catalog import REPO_DIR
from siting import fields as fl
from siting import outputs
from siting import scenario as sc
from siting.bases import summarise_bases
from siting.errors import CRSError, SitingError
from siting.grid import ALBERS_CRS
from siting.outputs import crs as out_crs
from siting.outputs import formats, kmz, text, vectors
from siting.pipeline import RESULT_COLUMNS, Result, summarise
from siting.scoring import resolve_weights
from siting.shortlist import league_totals

CELL_M = 20_000.0
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
WHY_WITH_SQUARE = "可用地不足 (2 km²): 生态红线 100%"


def make_result(*, centre=(108.0, 40.0), tech="solar") -> Result:
    """Six 20 km parcels in a 3 × 2 block; four shortlisted: three form base B001."""
    x0, y0 = Transformer.from_crs("EPSG:4326", ALBERS_CRS, always_xy=True).transform(*centre)
    cells = [(i, j) for j in range(2) for i in range(3)]
    n = len(cells)
    geoms = [box(x0 + i * CELL_M, y0 + j * CELL_M, x0 + (i + 1) * CELL_M, y0 + (j + 1) * CELL_M)
             for i, j in cells]
    score = np.array([95.0, 90.0, 85.0, 60.0, 30.0, 0.0])
    table = {c: np.zeros(n) for c in RESULT_COLUMNS}
    table.update({
        "parcel_id": [f"P{k + 1:06d}" for k in range(n)],
        "league": ["鄂尔多斯市"] * 3 + ["阿拉善盟"] * 3,
        "banner": ["乌审旗", "鄂托克旗", "杭锦旗", "阿拉善左旗", "阿拉善右旗", "额济纳旗"],
        "tech": [tech] * n, "score": score, "rank": np.arange(1, n + 1),
        "area_km2": np.full(n, 400.0), "avail_km2": np.array([400, 380, 360, 300, 200, 0.0]),
        "wind_cls": np.full(n, 3), "solar_cls": ["A"] * n, "land_type": ["desert"] * 4 +
        ["mine", "other"], "cap_mw": np.array([1000, 900, 800, 700, 300, 0.0]),
        "energy_gwh": np.array([1700, 1500, 1350, 1200, 500, 0.0]),
        "flh": np.full(n, 1700.0), "lcoe": np.array([0.24, 0.25, 0.26, 0.27, 0.3, np.nan]),
        "base_id": ["B001", "B001", "B001", None, None, None],
        "why": [""] * 5 + [WHY_WITH_SQUARE],
        "ghi_kwh": np.linspace(1600, 1850, n), "desert_frac": np.array([1, 1, 1, 0.8, 0, 0.0]),
    })
    parcels = gpd.GeoDataFrame(pd.DataFrame(table)[RESULT_COLUMNS], geometry=geoms,
                               crs=ALBERS_CRS)
    parcels["cap_pv_mw"] = parcels["cap_mw"]
    shortlist = parcels.iloc[:4].copy()
    scenario = sc.from_dict({"name": "测试情景 test", "tech": tech})
    result = Result(scenario=scenario, parcels=parcels, shortlist=shortlist,
                    bases=summarise_bases(shortlist),
                    leagues=league_totals(shortlist, all_leagues=["鄂尔多斯市", "阿拉善盟"],
                                          target_gw=scenario.targets.target_gw),
                    weights=resolve_weights(scenario.weights),
                    provenance={"ghi": {"type": "real", "source": "pvlib", "licence": "BSD",
                                        "method": "clear sky × ratio", "name_zh": "年水平面总辐射",
                                        "name_en": "GHI"},
                                "redline": {"type": "synthetic", "source": "generated",
                                            "licence": "CC0", "method": "seed 2030",
                                            "name_zh": "生态保护红线",
                                            "name_en": "Ecological red line"}})
    result.summary = summarise(result)
    return result


def boundaries() -> dict:
    """The bundled leagues and province boundaries: what the CLI passes to the briefing."""
    from siting.inputs import briefing_boundaries

    return briefing_boundaries(sc.preset("default"))


@pytest.fixture(scope="module")
def result():
    return make_result()


def to_bytes(result, fmt, **options) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of one output, as the app's download offers it."""
    data = outputs.render(result, fmt, **options)
    return formats.FILENAMES[fmt], data, formats.MIME_TYPES[fmt]


def unzip(data: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        zf.extractall(folder)
    return names


# --- the field table -----------------------------------------------------------------

def test_every_result_and_base_column_has_a_field():
    bases = summarise_bases(make_result().shortlist)
    missing = [c for c in [*RESULT_COLUMNS, *bases.columns, "cap_wind_mw", "lon", "lat"]
               if c != "geometry" and c not in fl.FIELDS_BY_NAME]
    assert missing == []


def test_shapefile_names_fit_dbase_and_are_unique():
    names = [f.shp for f in fl.FIELDS]
    assert all(len(n) <= fl.MAX_FIELD_NAME for n in names)
    assert fl.field("desert_frac").shp == "desert_frc"
    assert len(set(names)) == len(names)


def test_field_labels_carry_units():
    assert fl.label("cap_mw") == "装机容量 (MW)"
    assert fl.label("cap_mw", "en", with_unit=False) == "Capacity"
    with pytest.raises(KeyError, match="not in siting.fields.FIELDS"):
        fl.field("nonsense")


def test_a_long_field_name_needs_a_short_one():
    with pytest.raises(ValueError, match="at most 10 characters"):
        fl.Field("eleven_char", "x", "x", "", "x")


# --- options ------------------------------------------------------------------------------

def test_parse_formats_keeps_order_and_rejects_unknown():
    assert formats.parse_formats("shp, gpkg,shp") == ("shp", "gpkg")
    with pytest.raises(SitingError, match="unknown format xlsx; choose from gpkg,shp"):
        formats.parse_formats("gpkg,xlsx")


@pytest.mark.parametrize("given, expected", [("UTF8", "utf-8"), ("utf-8", "utf-8"),
                                             ("GBK", "gbk"), ("cp936", "gbk")])
def test_encoding_names(given, expected):
    assert formats.check_encoding(given) == expected


def test_unknown_encoding_is_an_error():
    with pytest.raises(SitingError, match="'latin-1' is not supported.*utf-8 or gbk"):
        formats.check_encoding("latin-1")


@pytest.mark.parametrize("lon, epsg", [(75.0, 4513), (105.0, 4523), (108.0, 4524),
                                       (109.4, 4524), (111.0, 4525), (117.0, 4527),
                                       (135.0, 4533)])
def test_gk3_zone_is_round_lon_over_3(lon, epsg):
    # EPSG = 4513 + zone - 25, zone = round(lon / 3) (domain.md)
    assert out_crs.gk3_crs(lon).to_epsg() == epsg


def test_gk3_outside_china_is_an_error():
    with pytest.raises(CRSError, match="outside the CGCS2000 3° Gauss-Krüger zones"):
        out_crs.gk3_crs(20.0)


def test_auto_gk_uses_the_shortlist_centre():
    assert out_crs.resolve_crs("auto-gk", make_result(centre=(108.0, 40.0))).to_epsg() == 4524
    assert out_crs.resolve_crs("AUTO-GK", make_result(centre=(117.2, 44.0))).to_epsg() == 4527


def test_bad_crs_says_what_to_use():
    with pytest.raises(CRSError, match="'EPSG:99999' is not a coordinate reference system"):
        out_crs.resolve_crs("EPSG:99999")
    with pytest.raises(SitingError, match="auto-gk needs a result"):
        out_crs.resolve_crs("auto-gk")


def test_unknown_format_in_to_bytes():
    with pytest.raises(SitingError, match="unknown export format 'xlsx'"):
        to_bytes(make_result(), "xlsx")


def test_safe_filename():
    assert text.safe_filename("默认情景 default / v1") == "default_v1"
    assert text.safe_filename("沙漠") == "siting"
    assert SAFE_NAME.match(text.safe_filename("../../etc/passwd"))


# --- GeoPackage -------------------------------------------------------------------------

def test_gpkg_round_trip(result, tmp_path):
    name, data, mime = to_bytes(result, "gpkg")
    assert (name, mime) == ("shortlist.gpkg", "application/geopackage+sqlite3")
    path = tmp_path / name
    path.write_bytes(data)
    layers = dict(pyogrio.list_layers(path).tolist())
    assert set(layers) == {"parcels", "shortlist", "bases", "provenance", "fields"}
    short = gpd.read_file(path, layer="shortlist")
    assert len(short) == 4 and short.crs.to_epsg() == 4490
    assert short["league"].tolist()[0] == "鄂尔多斯市" and short["banner"][0] == "乌审旗"
    assert len(gpd.read_file(path, layer="parcels")) == 6
    bases = gpd.read_file(path, layer="bases")
    assert bases["base_id"].tolist() == ["B001"]
    assert bases["cap_mw"].iloc[0] == pytest.approx(2700.0)
    prov = pyogrio.read_dataframe(path, layer="provenance").set_index("item")
    assert prov.loc["redline", "type"] == "synthetic"
    assert "测试情景" in prov.loc["scenario", "method"]
    assert "审图号" in prov.loc["disclaimer", "method"]


def test_gpkg_in_a_gauss_kruger_zone(result, tmp_path):
    path = vectors.write_gpkg(result, tmp_path / "gk.gpkg", crs="EPSG:4524")
    short = gpd.read_file(path, layer="shortlist")
    assert short.crs.to_epsg() == 4524
    # zone 36 coordinates carry the zone number in front of the 500 km false easting
    assert 36_300_000 < short.geometry.centroid.x.min() < 36_700_000


# --- Shapefile zip ------------------------------------------------------------------------

def test_shapefile_zip_contents_are_complete_and_safely_named(result, tmp_path):
    name, data, mime = to_bytes(result, "shp")
    assert (name, mime) == ("shortlist_shp.zip", "application/zip")
    names = unzip(data, tmp_path)
    for layer in ("shortlist", "bases"):
        assert {f"{layer}{s}" for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")} <= set(names)
    assert {"fields.csv", "provenance.txt", "scenario.yaml"} <= set(names)
    assert all(SAFE_NAME.match(n) for n in names)
    assert (tmp_path / "shortlist.cpg").read_text() == "UTF-8"


def test_shapefile_round_trip_utf8(result, tmp_path):
    unzip(to_bytes(result, "shp")[1], tmp_path)
    short = gpd.read_file(tmp_path / "shortlist.shp")
    assert len(short) == len(result.shortlist)
    assert short["league"].tolist() == result.shortlist["league"].tolist()
    assert short["banner"].tolist() == ["乌审旗", "鄂托克旗", "杭锦旗", "阿拉善左旗"]
    assert all(len(c) <= 10 for c in short.columns)
    assert "desert_frc" in short.columns and "desert_frac" not in short.columns
    np.testing.assert_allclose(short["score"], result.shortlist["score"])
    assert short.crs.to_epsg() == 4490
    assert CRS.from_wkt((tmp_path / "shortlist.prj").read_text()).to_epsg() == 4490
    bases = gpd.read_file(tmp_path / "bases.shp")
    assert bases["league"].tolist() == ["鄂尔多斯市"]
    assert bases["land_type"].tolist() == ["desert"]


def test_shapefile_gbk(tmp_path):
    result = make_result()
    result.shortlist = result.parcels  # include the parcel whose "why" has km²
    unzip(to_bytes(result, "shp", encoding="gbk")[1], tmp_path)
    assert (tmp_path / "shortlist.cpg").read_text() == "936"
    dbf = (tmp_path / "shortlist.dbf").read_bytes()
    assert dbf[29] == 0x4D  # DBF language driver: Chinese GBK (PRC)
    assert "鄂尔多斯市".encode("gbk") in dbf
    assert "鄂尔多斯市".encode() not in dbf
    short = gpd.read_file(tmp_path / "shortlist.shp", encoding="gbk")
    assert short["league"].iloc[0] == "鄂尔多斯市" and short["banner"].iloc[-1] == "额济纳旗"
    # GBK has no "²": it becomes "2" rather than a silent gap
    assert short["why"].iloc[-1] == "可用地不足 (2 km2): 生态红线 100%"


def test_shapefile_crs_as_asked(result, tmp_path):
    for crs, epsg in (("EPSG:4526", 4526), ("auto-gk", 4524)):
        folder = tmp_path / str(epsg)
        unzip(to_bytes(result, "shp", crs=crs)[1], folder)
        assert CRS.from_wkt((folder / "shortlist.prj").read_text()).to_epsg() == epsg
        assert gpd.read_file(folder / "bases.shp").crs.to_epsg() == epsg


def test_fields_csv_describes_every_dbf_field(result, tmp_path):
    unzip(to_bytes(result, "shp")[1], tmp_path)
    table = pd.read_csv(tmp_path / "fields.csv", encoding="utf-8-sig")
    assert list(table.columns) == ["field", "column", "layer", "name_zh", "name_en", "unit",
                                   "description"]
    for layer in ("shortlist", "bases"):
        dbf_fields = pyogrio.read_info(tmp_path / f"{layer}.shp")["fields"]
        described = set(table.loc[table["layer"] == layer, "field"])
        assert set(dbf_fields) <= described
    row = table[table["column"] == "cap_mw"].iloc[0]
    assert (row["name_zh"], row["unit"]) == ("装机容量", "MW")


def test_provenance_and_scenario_travel_in_the_zip(result, tmp_path):
    unzip(to_bytes(result, "shp", crs="EPSG:4524", encoding="gbk")[1], tmp_path)
    text = (tmp_path / "provenance.txt").read_text(encoding="utf-8")
    assert "[synthetic] redline 生态保护红线" in text and "[real] ghi" in text
    assert "EPSG:4524" in text and "GBK" in text and "审图号" in text
    assert sc.load_yaml(tmp_path / "scenario.yaml") == result.scenario


def test_empty_shortlist_still_exports(tmp_path):
    result = make_result()
    result.shortlist = result.shortlist.iloc[:0]
    result.bases = summarise_bases(result.shortlist)
    unzip(to_bytes(result, "shp")[1], tmp_path)
    assert len(gpd.read_file(tmp_path / "shortlist.shp")) == 0


# --- GeoJSON, CSV, KMZ ----------------------------------------------------------------------

def test_geojson_round_trip_and_metadata(result, tmp_path):
    name, data, mime = to_bytes(result, "geojson")
    assert (name, mime) == ("shortlist.geojson", "application/geo+json")
    path = tmp_path / name
    path.write_bytes(data)
    short = gpd.read_file(path)
    assert len(short) == 4 and short.crs.to_epsg() == 4326
    assert short["league"].tolist()[0] == "鄂尔多斯市"
    minx, miny, maxx, maxy = short.total_bounds
    assert 107.9 < minx < maxx < 108.9 and 39.9 < miny < maxy < 40.5
    doc = json.loads(data.decode("utf-8"))
    meta = doc["metadata"]
    assert meta["scenario"]["name"] == "测试情景 test"
    assert meta["synthetic_layers"] == ["redline"]
    assert meta["provenance"]["ghi"]["type"] == "real"
    assert meta["fields"]["cap_mw"] == {"zh": "装机容量", "en": "Capacity", "unit": "MW"}
    assert "审图号" in meta["disclaimer_zh"]
    assert "crs" not in doc  # RFC 7946: WGS84 implied


def test_csv_is_excel_friendly_with_lon_lat(result):
    name, data, mime = to_bytes(result, "csv")
    assert (name, mime) == ("shortlist.csv", "text/csv")
    assert data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(table) == len(result.shortlist)
    assert list(table.columns[:5]) == ["parcel_id", "league", "banner", "lon", "lat"]
    assert table["league"].iloc[0] == "鄂尔多斯市"
    # parcel 1 is the 20 km square whose south-west corner is at 108°E 40°N
    lon, lat = Transformer.from_crs(ALBERS_CRS, "EPSG:4326", always_xy=True).transform(
        *result.shortlist.geometry.iloc[0].centroid.coords[0])
    assert table["lon"].iloc[0] == pytest.approx(lon, abs=1e-6)
    assert table["lat"].iloc[0] == pytest.approx(lat, abs=1e-6)
    assert 108.0 < table["lon"].iloc[0] < 108.3 and 40.0 < table["lat"].iloc[0] < 40.2
    np.testing.assert_allclose(table["score"], result.shortlist["score"])


def test_kmz_has_one_placemark_per_parcel_and_base(result):
    name, data, mime = to_bytes(result, "kmz")
    assert (name, mime) == ("shortlist.kmz", "application/vnd.google-earth.kmz")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist()[0] == "doc.kml"  # Google Earth opens the first .kml
        assert {"scenario.yaml", "provenance.txt"} <= set(zf.namelist())
        root = ET.fromstring(zf.read("doc.kml"))
    ns = {"k": kmz.KML_NS}
    placemarks = root.findall(".//k:Placemark", ns)
    assert len(placemarks) == len(result.shortlist) + len(result.bases)
    names = [p.findtext("k:name", namespaces=ns) for p in placemarks]
    assert names[0] == "B001 鄂尔多斯市 2.7 GW"
    assert "P000001 乌审旗" in names
    styles = {s.get("id") for s in root.iter(f"{{{kmz.KML_NS}}}Style")}
    used = {p.findtext("k:styleUrl", namespaces=ns).lstrip("#") for p in placemarks}
    assert used <= styles
    assert used == {"b9", "p9", "p8", "p6"}  # base 90.4 (capacity-weighted); 95, 90, 85, 60
    description = root.find("k:Document/k:description", ns).text
    assert "生态保护红线 synthetic" in description and "审图号" in description
    parcel_description = placemarks[1].findtext("k:description", namespaces=ns)
    assert "装机容量 (MW)" in parcel_description and "沙漠戈壁" in parcel_description
    coords = placemarks[1].find(".//k:coordinates", ns).text.split()
    lon, lat = map(float, coords[0].split(","))
    assert 108.0 <= lon < 108.3 and 40.0 <= lat < 40.2


def test_kml_colours_are_aabbggrr():
    assert kmz._kml_colour((1.0, 0.5, 0.0, 1.0), 0xB0) == "b00080ff"


def test_write_run_writes_every_format_and_the_sidecars(result, tmp_path):
    paths = outputs.write_run(result, tmp_path, formats=formats.EXPORT_FORMATS, crs="auto-gk",
                             encoding="gbk")
    assert [p.name for p in paths] == ["shortlist.gpkg", "shortlist_shp.zip",
                                       "shortlist.geojson", "shortlist.csv", "shortlist.kmz",
                                       "summary.json", "supply_curve.csv", "provenance.txt",
                                       "scenario.yaml"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
    assert "EPSG:4524" in (tmp_path / "provenance.txt").read_text(encoding="utf-8")


def test_cli_rejects_a_bad_format_before_running(tmp_path, capsys):
    from siting.cli import main

    assert main(["run", "--format", "gpkg,xlsx", "--out", str(tmp_path)]) == 2
    assert "unknown format xlsx" in capsys.readouterr().err
    assert main(["run", "--snapshot", "gif", "--out", str(tmp_path)]) == 2
    assert "choose from png,pdf,pptx,html" in capsys.readouterr().err
    assert main(["run", "--crs", "EPSG:99999", "--out", str(tmp_path)]) == 2
    assert "not a coordinate reference system" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- the whole pipeline through the CLI (slow) ------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "siting", *args], cwd=REPO_DIR,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_run")
    done = run_cli("run", "--tech", "solar", "--quiet", "--out", str(out),
                   "--format", "gpkg,shp,geojson,csv,kmz", "--snapshot", "png,pdf,pptx",
                   "--crs", "auto-gk", "--encoding", "gbk")
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
@pytest.mark.full_region
def test_cli_writes_every_file(cli_run):
    expected = {"shortlist.gpkg", "shortlist_shp.zip", "shortlist.geojson", "shortlist.csv",
                "shortlist.kmz", "briefing.png", "briefing.pdf", "briefing.pptx",
                "scenario.yaml", "summary.json", "supply_curve.csv", "provenance.txt"}
    assert expected <= {p.name for p in cli_run.iterdir()}


@pytest.mark.slow
@pytest.mark.full_region
def test_cli_formats_agree_on_rows(cli_run, tmp_path):
    summary = json.loads((cli_run / "summary.json").read_text(encoding="utf-8"))
    n, n_bases = summary["n_shortlist"], summary["n_bases"]
    gpkg = gpd.read_file(cli_run / "shortlist.gpkg", layer="shortlist")
    assert len(gpkg) == n
    assert len(gpd.read_file(cli_run / "shortlist.gpkg", layer="bases")) == n_bases
    assert len(gpd.read_file(cli_run / "shortlist.geojson")) == n
    table = pd.read_csv(cli_run / "shortlist.csv", encoding="utf-8-sig")
    assert len(table) == n
    assert table["parcel_id"].tolist() == gpkg["parcel_id"].tolist()
    unzip((cli_run / "shortlist_shp.zip").read_bytes(), tmp_path)
    shp = gpd.read_file(tmp_path / "shortlist.shp", encoding="gbk")
    assert len(shp) == n and shp["league"].tolist() == gpkg["league"].tolist()
    with zipfile.ZipFile(cli_run / "shortlist.kmz") as zf:
        kml = zf.read("doc.kml").decode("utf-8")
    assert kml.count("<Placemark>") == n + n_bases


@pytest.mark.slow
@pytest.mark.full_region
def test_cli_auto_gk_picks_the_zone_of_the_shortlist_centre(cli_run, tmp_path):
    table = pd.read_csv(cli_run / "shortlist.csv", encoding="utf-8-sig")
    # the exporter uses the centre of the centroids' bounding box
    centre = (table["lon"].min() + table["lon"].max()) / 2
    epsg = 4513 + round(centre / 3) - 25
    unzip((cli_run / "shortlist_shp.zip").read_bytes(), tmp_path)
    assert CRS.from_wkt((tmp_path / "shortlist.prj").read_text()).to_epsg() == epsg
    assert gpd.read_file(cli_run / "shortlist.gpkg", layer="shortlist").crs.to_epsg() == epsg


@pytest.mark.slow
@pytest.mark.full_region
def test_rerun_from_exported_scenario_gives_the_same_shortlist(cli_run, tmp_path):
    done = run_cli("run", "--quiet", "--scenario", str(cli_run / "scenario.yaml"),
                   "--format", "csv", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    first = pd.read_csv(cli_run / "shortlist.csv", encoding="utf-8-sig")
    again = pd.read_csv(tmp_path / "shortlist.csv", encoding="utf-8-sig")
    assert again["parcel_id"].tolist() == first["parcel_id"].tolist()
    np.testing.assert_array_equal(again["score"], first["score"])
    assert again["base_id"].fillna("").tolist() == first["base_id"].fillna("").tolist()


# --- the one format list; outputs stay off the data layer ------------------------------------

def test_formats_is_the_one_list_the_cli_offers():
    from siting.cli import build_parser

    assert formats.EXPORT_FORMATS == ("gpkg", "shp", "geojson", "csv", "kmz")
    assert formats.SNAPSHOT_FORMATS == ("png", "pdf", "pptx", "html")
    assert len(set(formats.FILENAMES.values())) == len(formats.ALL)  # no two share a file
    assert formats.BY_ID["csv"].kind == "table" and formats.BY_ID["pdf"].kind == "snapshot"
    run = next(a for a in build_parser()._actions
               if a.__class__.__name__ == "_SubParsersAction").choices["run"]
    helps = {a.dest: a.help for a in run._actions}
    assert "gpkg,shp,geojson,csv,kmz" in helps["format"]
    assert "png,pdf,pptx,html" in helps["snapshot"]


def test_outputs_import_no_data_layer():
    import ast

    folder = REPO_DIR / "siting" / "outputs"
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "layers" or n.startswith("layers.") for n in names), path
