"""Importing messy but good files: the values that come out are checked by hand.

Hostile and broken files are in ``test_import_hostile.py``.
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box

from layers import importer, workspace
from layers.catalog import REPO_DIR, load_catalog, resolve_layer
from layers.errors import DataFileError
from layers.io import read_raster, read_vector
from siting.cli import main as cli_main
from siting.grid import ALBERS_CRS

#: A 1° × 1° box near Hohhot/Ulanqab, well inside the region.
BOX = box(111, 41, 112, 42)
#: Self-intersecting "bowtie": two triangles of 0.25 deg² each meeting at (111.5, 41.5).
BOWTIE = Polygon([(111, 41), (112, 42), (112, 41), (111, 42), (111, 41)])


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """An empty workspace folder (the environment must not choose another)."""
    monkeypatch.delenv(workspace.WORKSPACE_ENV, raising=False)
    monkeypatch.delenv(importer.MAX_UPLOAD_ENV, raising=False)
    monkeypatch.delenv(importer.MAX_UNZIPPED_ENV, raising=False)
    return tmp_path / "ws"


def region_share(geometry_wgs84) -> float:
    """Share of the bundled province inside a lon/lat geometry, computed exactly."""
    province = read_vector(resolve_layer("province").path).to_crs(ALBERS_CRS)
    shape = gpd.GeoSeries([geometry_wgs84], crs="EPSG:4326").to_crs(ALBERS_CRS).iloc[0]
    region = province.geometry.union_all()
    return region.intersection(shape).area / region.area


def write_raster(path, data, *, crs="EPSG:4326", transform, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype=data.dtype, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(data, 1)
    return path


# --- tricky good files --------------------------------------------------------------
def test_gbk_shapefile_without_cpg_is_detected_and_stored_as_utf8(tmp_path, ws):
    names = ["锡林郭勒盟生态红线", "阿拉善左旗·贺兰山"]
    gdf = gpd.GeoDataFrame({"名称": names, "面积": [12.5, 3.0]},
                           geometry=[BOX, box(112, 41, 113, 42)], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "红线.shp", encoding="GBK")
    (tmp_path / "红线.cpg").unlink()
    assert (tmp_path / "红线.dbf").read_bytes()[29] == 0  # no code page mark either

    summary = importer.import_file(tmp_path / "红线.shp", "redline", workspace_dir=ws)

    assert summary.encoding == "gbk"
    assert summary.columns == ["名称", "面积"]
    assert [row["名称"] for row in summary.preview] == names
    assert any("no .cpg" in note for note in summary.notes)
    stored = pyogrio.read_dataframe(summary.path)  # GeoPackage text is UTF-8
    assert stored["名称"].tolist() == names
    assert stored["面积"].tolist() == [12.5, 3.0]


def test_encoding_override_wins(tmp_path, ws):
    gdf = gpd.GeoDataFrame({"name": ["乌海"]}, geometry=[BOX], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "a.shp", encoding="GBK")
    (tmp_path / "a.cpg").unlink()
    summary = importer.import_file(tmp_path / "a.shp", "desert", encoding="gb18030",
                                   workspace_dir=ws)
    assert summary.encoding == "gb18030"
    assert summary.preview == [{"name": "乌海"}]


def test_utf8_shapefile_without_cpg_is_detected(tmp_path, ws):
    gdf = gpd.GeoDataFrame({"name": ["库布其"]}, geometry=[BOX], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "u.shp", encoding="UTF-8")
    (tmp_path / "u.cpg").unlink()
    summary = importer.import_file(tmp_path / "u.shp", "desert", workspace_dir=ws)
    assert summary.encoding == "utf-8"
    assert summary.preview == [{"name": "库布其"}]


def test_gauss_kruger_zone_layer_with_prefixed_coordinates(tmp_path, ws):
    """EPSG:4527 = CGCS2000 3° zone 39 (CM 117°E), eastings 39 5xx xxx."""
    lonlat = [(117.2, 43.2), (117.8, 43.2), (117.8, 43.8), (117.2, 43.8)]
    to_zone = Transformer.from_crs("EPSG:4326", "EPSG:4527", always_xy=True)
    poly = Polygon([to_zone.transform(x, y) for x, y in lonlat])
    assert 39_500_000 < poly.bounds[0] < 39_600_000
    gpd.GeoDataFrame({"parcel": ["P1"]}, geometry=[poly], crs="EPSG:4527").to_file(
        tmp_path / "gk39.gpkg")

    summary = importer.import_file(tmp_path / "gk39.gpkg", "parcels", workspace_dir=ws)

    assert summary.crs == "EPSG:4527"
    assert summary.stored_crs == "EPSG:4326"
    assert summary.bounds_wgs84 == pytest.approx([117.2, 43.2, 117.8, 43.8], abs=1e-6)
    assert summary.coverage == pytest.approx(region_share(Polygon(lonlat)), abs=1e-3)
    stored = read_vector(summary.path)
    assert stored.crs.to_epsg() == 4326
    back = stored.to_crs("EPSG:4527").geometry.iloc[0]
    assert back.area == pytest.approx(poly.area, rel=1e-9)


def test_wrong_prj_fixed_with_crs_option(tmp_path, ws):
    """Prefixed zone-37 eastings under an unprefixed .prj: --crs EPSG:4525 fixes it."""
    to_zone = Transformer.from_crs("EPSG:4326", "EPSG:4525", always_xy=True)
    poly = Polygon([to_zone.transform(x, y) for x, y in BOX.exterior.coords])
    gpd.GeoDataFrame({"a": [1]}, geometry=[poly], crs="EPSG:4546").to_file(tmp_path / "w.shp")
    summary = importer.import_file(tmp_path / "w.shp", "parcels", crs="EPSG:4525",
                                   workspace_dir=ws)
    assert summary.crs == "EPSG:4525"
    assert summary.bounds_wgs84 == pytest.approx([111, 41, 112, 42], abs=1e-6)
    assert any("replaced by --crs EPSG:4525" in note for note in summary.notes)


def test_bowtie_polygon_is_repaired_and_counted(tmp_path, ws):
    gdf = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[BOWTIE, box(112, 41, 113, 42), None],
                           crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "bowtie.geojson")

    summary = importer.import_file(tmp_path / "bowtie.geojson", "custom_exclusion",
                                   workspace_dir=ws)

    assert summary.fixed_geometries == 1
    assert summary.dropped_empty == 1
    assert summary.features == 2
    stored = read_vector(summary.path)
    assert stored.geometry.is_valid.all()
    assert stored.geometry.iloc[0].area == pytest.approx(0.5)  # two triangles of 0.25 deg²
    assert stored.geometry.iloc[0].geom_type == "MultiPolygon"
    assert summary.coverage == pytest.approx(region_share(box(111, 41, 113, 42)), abs=1e-3)


def test_cgcs2000_raster_with_nodata_edges(tmp_path, ws):
    """10 × 10 cells of 0.2° from 111°E 43°N; a one-cell nodata frame (36 cells)."""
    data = np.full((10, 10), -9999, dtype="float32")
    data[1:-1, 1:-1] = 5.0 + np.arange(64, dtype="float32").reshape(8, 8) / 10
    path = write_raster(tmp_path / "wind_cgcs2000.tif", data, crs="EPSG:4490",
                        transform=Affine(0.2, 0, 111, 0, -0.2, 43), nodata=-9999)

    summary = importer.import_file(path, "wind_speed_100m", workspace_dir=ws)

    assert summary.kind == "raster"
    assert (summary.width, summary.height) == (10, 10)
    assert summary.crs == "EPSG:4490"
    assert summary.nodata_share == pytest.approx(0.36)
    assert summary.value_range == pytest.approx([5.0, 11.3], abs=1e-5)
    assert summary.bounds_wgs84 == pytest.approx([111, 41, 113, 43], abs=1e-6)
    valid_box = box(111.2, 41.2, 112.8, 42.8)
    assert summary.coverage == pytest.approx(region_share(valid_box), abs=5e-4)
    stored = read_raster(summary.path)
    assert np.isnan(stored.array[0]).all() and np.isnan(stored.array[:, -1]).all()
    np.testing.assert_allclose(stored.array[1:-1, 1:-1], data[1:-1, 1:-1])
    with rasterio.open(summary.path) as src:
        assert src.tags(1)["units"] == "m/s"
        assert src.crs.to_epsg() == 4490


def test_raster_covering_the_whole_region_has_coverage_one(tmp_path, ws):
    data = np.full((20, 32), 1600.0, dtype="float32")
    path = write_raster(tmp_path / "ghi.tif", data, transform=Affine(1, 0, 96, 0, -1, 55))
    summary = importer.import_file(path, "ghi", workspace_dir=ws)
    assert summary.coverage == 1.0
    assert summary.value_range == [1600.0, 1600.0]
    assert summary.notes == []


@pytest.mark.parametrize(("role", "values", "expected", "unit_note"), [
    ("ghi", (4.0, 5.0), (1460.0, 1825.0), "kWh/m² per day"),
    ("ghi", (180.0, 200.0), (1576.8, 1752.0), "W/m²"),
    ("ghi", (5040.0, 6300.0), (1400.0, 1750.0), "MJ/m² per year"),
    ("pvout", (4.0, 4.5), (1460.0, 1642.5), "kWh/kWp per day"),
])
def test_resource_units_are_recognised_and_converted(tmp_path, ws, role, values, expected,
                                                     unit_note):
    data = np.array([[values[0], values[1]], [values[0], values[1]]], dtype="float32")
    path = write_raster(tmp_path / f"{role}.tif", data,
                        transform=Affine(0.5, 0, 111, 0, -0.5, 42))
    summary = importer.import_file(path, role, workspace_dir=ws)
    assert summary.value_range == pytest.approx(list(expected), rel=1e-5)
    assert any(unit_note in note for note in summary.notes)
    stored = read_raster(summary.path)
    assert np.nanmax(stored.array) == pytest.approx(expected[1], rel=1e-5)


def test_shapefile_without_prj_takes_the_crs_option(tmp_path, ws):
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[BOX], crs="EPSG:4490")
    pyogrio.write_dataframe(gdf, tmp_path / "noprj.shp")
    (tmp_path / "noprj.prj").unlink()
    summary = importer.import_file(tmp_path / "noprj.shp", "redline", crs="EPSG:4490",
                                   workspace_dir=ws)
    assert summary.crs == "EPSG:4490"
    assert summary.bounds_wgs84 == pytest.approx([111, 41, 112, 42], abs=1e-6)


def test_raster_without_crs_takes_the_crs_option(tmp_path, ws):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=Affine(0.5, 0, 111, 0, -0.5, 42)) as dst:
        dst.write(np.full((2, 2), 2.1, "float32"), 1)
    summary = importer.import_file(path, "weibull_k", crs="EPSG:4490", workspace_dir=ws)
    assert summary.crs == "EPSG:4490"
    assert summary.value_range == pytest.approx([2.1, 2.1])


def test_kmz_with_chinese_names(tmp_path, ws):
    gdf = gpd.GeoDataFrame(
        {"Name": ["乌兰布和沙漠", "库布其沙漠"], "类型": ["沙漠", "沙漠"]},
        geometry=[box(106.5, 39.8, 107.2, 40.6), box(108.0, 40.0, 110.0, 40.6)],
        crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "doc.kml", driver="KML")
    with zipfile.ZipFile(tmp_path / "沙漠.kmz", "w") as kmz:
        kmz.write(tmp_path / "doc.kml", "doc.kml")
        kmz.writestr("files/legend.png", b"\x89PNG")

    summary = importer.import_file(tmp_path / "沙漠.kmz", "desert", workspace_dir=ws)

    assert (summary.format, summary.source) == ("kml", "沙漠.kmz/doc.kml")
    assert summary.features == 2
    assert summary.encoding == "utf-8"
    assert [row["Name"] for row in summary.preview] == ["乌兰布和沙漠", "库布其沙漠"]
    assert [row["类型"] for row in summary.preview] == ["沙漠", "沙漠"]
    assert summary.bounds_wgs84 == pytest.approx([106.5, 39.8, 110.0, 40.6], abs=1e-6)
    assert read_vector(summary.path)["Name"].tolist() == ["乌兰布和沙漠", "库布其沙漠"]


def test_kml_folders_are_combined(tmp_path, ws):
    path = tmp_path / "zones.kml"
    for folder, shape in (("保护区", BOX), ("水源地", box(112, 41, 113, 42))):
        pyogrio.write_dataframe(gpd.GeoDataFrame({"Name": [f"{folder}一"]}, geometry=[shape],
                                                 crs="EPSG:4326"), path, layer=folder,
                                driver="LIBKML", append=True)
    summary = importer.import_file(path, "custom_exclusion", workspace_dir=ws)
    assert summary.features == 2
    assert [(r["Name"], r["kml_folder"]) for r in summary.preview] == [
        ("保护区一", "保护区"), ("水源地一", "水源地")]
    assert any("KML folders combined" in note for note in summary.notes)


def test_csv_with_chinese_coordinate_headers(tmp_path, ws):
    text = ("编号,名称,经度,纬度,电压等级\n"
            "001,包头北变,109.84,40.65,500\n"
            "002,鄂尔多斯变,\"109°58'48\"\"\",39.6,220\n"
            "003,缺坐标,,,110\n"
            "004,集宁变,113.1,41.03,220\n")
    path = tmp_path / "变电站.csv"
    path.write_bytes(text.encode("gbk"))

    summary = importer.import_file(path, "substations", workspace_dir=ws)

    assert summary.encoding == "gbk"
    assert summary.features == 3
    assert summary.dropped_empty == 1
    assert summary.bounds_wgs84 == pytest.approx([109.84, 39.6, 113.1, 41.03])
    stored = read_vector(summary.path)
    assert stored["编号"].tolist() == ["001", "002", "004"]  # identifiers stay text
    assert stored["电压等级"].tolist() == [500, 220, 220]
    assert stored.geometry.iloc[1].x == pytest.approx(109 + 58 / 60 + 48 / 3600)
    assert any("WGS84" in note for note in summary.notes)


def test_utf8_bom_csv_with_english_headers(tmp_path, ws):
    path = tmp_path / "towns.csv"
    path.write_bytes("\ufeffName;Longitude (deg);Latitude (deg)\nHohhot;111.67;40.82\n"
                     .encode("utf-8"))
    summary = importer.import_file(path, "settlements", workspace_dir=ws)
    assert summary.encoding == "utf-8"
    assert summary.preview == [{"Name": "Hohhot", "Longitude (deg)": "111.67",
                                "Latitude (deg)": "40.82"}]


def test_zipped_shapefile_in_a_folder_with_archiver_litter(tmp_path, ws):
    gdf = gpd.GeoDataFrame({"kind": ["mine"]}, geometry=[box(116.0, 43.9, 116.5, 44.2)],
                           crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "shengli.shp")
    with zipfile.ZipFile(tmp_path / "mine.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            archive.write(tmp_path / f"shengli{ext}", f"data/shengli{ext}")
        archive.writestr("__MACOSX/data/._shengli.shp", b"resource fork")
        archive.writestr("readme.txt", b"Shengli coalfield")
    summary = importer.import_file(tmp_path / "mine.zip", "mine", workspace_dir=ws)
    assert summary.source == "mine.zip/data/shengli.shp"
    assert summary.features == 1
    assert summary.preview == [{"kind": "mine"}]


def test_geopackage_layer_option(tmp_path, ws):
    path = tmp_path / "two.gpkg"
    for name, shape in (("a", BOX), ("b", box(115, 43, 116, 44))):
        pyogrio.write_dataframe(gpd.GeoDataFrame({"layer": [name]}, geometry=[shape],
                                                 crs="EPSG:4326"), path, layer=name)
    summary = importer.import_file(path, "redline", layer="b", workspace_dir=ws)
    assert summary.preview == [{"layer": "b"}]
    assert summary.bounds_wgs84 == pytest.approx([115, 43, 116, 44])


def test_loose_shapefile_upload_as_bytes(tmp_path, ws):
    gdf = gpd.GeoDataFrame({"kv": [500]}, geometry=[Point(111.6, 40.8)], crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, tmp_path / "sub.shp")
    files = {f"sub{ext}": (tmp_path / f"sub{ext}").read_bytes()
             for ext in (".shp", ".shx", ".dbf", ".prj")}
    summary = importer.import_upload(files, "substations", workspace_dir=ws)
    assert summary.source == "sub.shp"
    assert summary.preview == [{"kv": "500"}]


# --- landing in the workspace -----------------------------------------------------------
def test_layer_lands_atomically_and_replaces_a_bundled_layer(tmp_path, ws):
    path = tmp_path / "red.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"n": [1]}, geometry=[BOX], crs="EPSG:4326"),
                            path)
    first = importer.import_file(path, "redline", workspace_dir=ws)
    second = importer.import_file(path, "redline", workspace_dir=ws, replace=True)
    assert (first.replaced, second.replaced) == (False, True)
    layers_dir = ws / "layers"
    assert sorted(p.name for p in layers_dir.iterdir()) == ["redline.gpkg", "redline.json"]
    assert workspace.temp_leftovers(ws) == []
    meta = json.loads((layers_dir / "redline.json").read_text(encoding="utf-8"))
    assert meta["provenance"]["type"] == "user" and meta["source"] == "red.geojson"
    assert [row["id"] for row in workspace.imported_layers(ws)] == ["redline"]

    update = second.scenario_update()
    assert update == {"layers": {"redline": str(layers_dir / "redline.gpkg")}}
    info = resolve_layer("redline", load_catalog(), overrides=update["layers"])
    assert len(read_vector(info.path)) == 1


def test_a_name_switching_kind_leaves_one_file(tmp_path, ws):
    raster = write_raster(tmp_path / "k.tif", np.full((2, 2), 2.0, "float32"),
                          transform=Affine(0.5, 0, 111, 0, -0.5, 42))
    vector = tmp_path / "v.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"n": [1]}, geometry=[BOX], crs="EPSG:4326"),
                            vector)
    importer.import_file(raster, "weibull_k", name="我的图层", workspace_dir=ws)
    summary = importer.import_file(vector, "custom_exclusion", name="我的图层", workspace_dir=ws,
                                   replace=True)
    assert summary.id == "我的图层"
    assert sorted(p.name for p in (ws / "layers").iterdir()) == ["我的图层.gpkg", "我的图层.json"]
    assert summary.scenario_update() == {"layers": {"custom_exclusion": summary.path}}


def test_workspace_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(workspace.WORKSPACE_ENV, str(tmp_path / "env_ws"))
    path = tmp_path / "p.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"n": [1]}, geometry=[BOX], crs="EPSG:4326"),
                            path)
    summary = importer.import_file(path, "parcels")
    assert summary.path == str(tmp_path / "env_ws" / "layers" / "parcels.gpkg")
    assert summary.scenario_update() == {"parcels_file": summary.path}
    assert workspace.workspace_dir("/x/y") == workspace.workspace_dir("/x/y/")


def test_progress_reaches_one(tmp_path, ws):
    path = tmp_path / "p.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"n": [1]}, geometry=[BOX], crs="EPSG:4326"),
                            path)
    seen = []
    importer.import_file(path, "parcels", workspace_dir=ws,
                         progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0


# --- command line -----------------------------------------------------------------------
REQUIRED_KEYS = {"id", "kind", "features", "width", "height", "crs", "bounds_wgs84",
                 "coverage", "fixed_geometries", "dropped_empty", "encoding", "columns",
                 "preview"}


def test_cli_json_summary(tmp_path, ws, capsys):
    path = tmp_path / "bowtie.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"名称": ["<b>红线</b>"]}, geometry=[BOWTIE],
                                             crs="EPSG:4326"), path)
    code = cli_main(["import", str(path), "--role", "redline", "--name", "红线 v2",
                          "--workspace", str(ws), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert REQUIRED_KEYS <= set(out)
    assert out["id"] == "红线_v2" and out["fixed_geometries"] == 1
    assert out["preview"] == [{"名称": "<b>红线</b>"}]  # raw; escape_html when shown in HTML


def test_cli_text_summary_says_how_to_use_the_layer(tmp_path, ws, capsys):
    path = write_raster(tmp_path / "gwa.tif", np.full((4, 4), 7.2, "float32"),
                        transform=Affine(0.25, 0, 111, 0, -0.25, 42))
    assert cli_main(["import", str(path), "--role", "wind_speed_100m",
                          "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "imported gwa.tif as 'wind_speed_100m'" in out
    assert f"--layer wind_speed_100m={ws / 'layers' / 'wind_speed_100m.tif'}" in out


def _cli_has(command: str) -> bool:
    from siting.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return command in sub.choices


def test_cli_subprocess_import(tmp_path):
    if not _cli_has("import"):
        pytest.skip("`python -m siting import` is not registered yet in "
                    "siting.cli.build_parser()")
    bad = tmp_path / "empty.tif"
    bad.write_bytes(b"")
    ws = tmp_path / "ws"
    result = subprocess.run([sys.executable, "-m", "siting", "import", str(bad), "--role",
                             "ghi", "--workspace", str(ws)], cwd=REPO_DIR, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "empty.tif is empty" in result.stderr and "Traceback" not in result.stderr
    assert not ws.exists()
    good = write_raster(tmp_path / "ghi.tif", np.full((2, 2), 1650.0, "float32"),
                        transform=Affine(0.5, 0, 111, 0, -0.5, 42))
    result = subprocess.run([sys.executable, "-m", "siting", "import", str(good), "--role",
                             "ghi", "--workspace", str(ws), "--json"], cwd=REPO_DIR,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value_range"] == [1650.0, 1650.0]


# --- helpers, by hand -----------------------------------------------------------------------
@pytest.mark.parametrize(("zone", "expected"), [
    (25, ("3°", 4513)), (37, ("3°", 4525)), (39, ("3°", 4527)), (45, ("3°", 4533)),
    (13, ("6°", 4491)), (19, ("6°", 4497)), (23, ("6°", 4501)), (24, None), (12, None)])
def test_gk_zone_epsg(zone, expected):
    assert importer.gk_zone_epsg(zone) == expected


def test_crs_hints():
    from pyproj import CRS

    # 6° zone 19 eastings under the unprefixed 6° CRS (EPSG:4508, CM 111°E)
    hint = importer.crs_mismatch_hint(CRS("EPSG:4508"), (19_400_000, 4.5e6, 19_600_000, 4.6e6))
    assert "zone prefix 19 (6° zone)" in hint and "EPSG:4497" in hint
    # unprefixed eastings under the prefixed zone-37 CRS → the CM 111°E CRS without prefix
    hint = importer.crs_mismatch_hint(CRS("EPSG:4525"), (400_000, 4.5e6, 600_000, 4.6e6))
    assert "no zone prefix" in hint and "EPSG:4546" in hint
    hint = importer.crs_mismatch_hint(CRS("EPSG:4326"), (37_400_000, 4.5e6, 37_600_000, 4.6e6))
    assert "EPSG:4525" in hint
    assert importer.crs_mismatch_hint(CRS("EPSG:4326"), (110, 40, 111, 41)) is None


def test_dbf_text_bytes_reads_only_names_and_text_fields():
    header = bytearray(32)
    header[4:8] = (2).to_bytes(4, "little")
    fields = [(b"NAME", b"C", 6), (b"AREA", b"N", 4)]
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(n for _, _, n in fields)
    header[8:10] = header_len.to_bytes(2, "little")
    header[10:12] = record_len.to_bytes(2, "little")
    descriptors = b"".join(name.ljust(11, b"\x00") + kind + bytes(4) + bytes([n]) + bytes(15)
                           for name, kind, n in fields)
    records = (b" " + "红线".encode("gbk").ljust(6) + b"12.5"
               + b" " + b"abc".ljust(6) + b"\xff\xfe3.")  # binary junk in a numeric field
    data = bytes(header) + descriptors + b"\x0d" + records
    text = importer.dbf_text_bytes(data)
    assert text == b"NAME\nAREA\n" + "红线".encode("gbk").ljust(6) + b"\n" + b"abc   "
    assert importer.detect_text_encoding(text) == "gbk"


@pytest.mark.parametrize(("raw", "expected"), [
    (b"plain ascii", "ascii"), ("中文".encode(), "utf-8"), ("中文".encode("gbk"), "gbk"),
    ("𠀀".encode("gb18030"), "gb18030"), (b"\xff\xff\xff", None)])
def test_detect_text_encoding(raw, expected):
    assert importer.detect_text_encoding(raw) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("111.5", 111.5), ("111°30'", 111.5), ("111°30′36″E", 111.51), ("41度30分", 41.5),
    ("-12°30'", -12.5), ("12°30'S", -12.5), ("", None), ("abc", None)])
def test_parse_coordinate(text, expected):
    value = importer.parse_coordinate(text)
    assert np.isnan(value) if expected is None else value == pytest.approx(expected)


@pytest.mark.parametrize(("columns", "expected"), [
    (["name", "lon", "lat"], ("lon", "lat")),
    (["名称", "经度", "纬度"], ("经度", "纬度")),
    (["东经（°）", "北纬（°）"], ("东经（°）", "北纬（°）")),
    (["X", "Y", "Longitude"], ("Longitude", "Y")),
    (["lng", "latitude"], ("lng", "latitude")),
    (["a", "b"], None)])
def test_find_coordinate_columns(columns, expected):
    assert importer.find_coordinate_columns(columns) == expected


def test_every_import_role_matches_the_catalog_kind():
    catalog = load_catalog()
    for role, spec in importer.IMPORT_ROLES.items():
        if role in catalog:
            assert catalog[role].kind == spec.kind, role
    assert {"wind_speed_100m", "weibull_k", "ghi", "redline", "desert", "mine", "border",
            "substations", "lines", "settlements"} <= set(importer.IMPORT_ROLES)


# --- role columns: substation capacity -------------------------------------------------
def _substations_csv(path, header: str, values) -> object:
    rows = "".join(f"S{i},{110 + i * 0.1},{40.5},{v}\n" for i, v in enumerate(values))
    path.write_text(f"name,lon,lat,{header}\n{rows}", encoding="utf-8")
    return path


@pytest.mark.parametrize(("header", "values", "expected"), [
    ("cap_mw", ["300", "2000"], [300.0, 2000.0]),
    ("Capacity (MW)", ["300", ""], [300.0, None]),  # a blank cell stays blank
    ("容量", ["450", "1200"], [450.0, 1200.0]),
    ("容量（万千瓦）", ["30", "200"], [300.0, 2000.0]),  # 1 万千瓦 = 10 MW
    ("capacity_kw", ["300000", "2000000"], [300.0, 2000.0]),
])
def test_substations_keep_their_capacity_as_cap_mw(tmp_path, ws, header, values, expected):
    path = _substations_csv(tmp_path / "subs.csv", header, values)
    summary = importer.import_file(path, "substations", workspace_dir=ws)
    stored = read_vector(summary.path)
    assert "cap_mw" in summary.columns
    assert header == "cap_mw" or header not in summary.columns  # renamed, not copied
    got = [None if np.isnan(v) else v for v in stored["cap_mw"].astype(float)]
    assert got == expected
    # the run path (check_layer_file) sees the same column
    checked = importer.check_layer_file(path, "substations")
    assert list(checked.gdf["cap_mw"].fillna(-1)) == [-1 if v is None else v for v in expected]


def test_substations_without_capacity_import_unchanged(tmp_path, ws):
    path = _substations_csv(tmp_path / "subs.csv", "voltage_kv", ["220", "500"])
    summary = importer.import_file(path, "substations", workspace_dir=ws)
    assert "cap_mw" not in summary.columns and "voltage_kv" in summary.columns


@pytest.mark.parametrize(("values", "match"), [
    (["300", "about 500"], r"'capacity'.*not numbers, e\.g\. 'about 500'"),
    (["300", "-5"], r"values -5 to 300 MW, outside 0-20000 MW"),
    (["300", "300000"], r"outside 0-20000 MW.*divide kW by 1,000"),  # kW under a bare name
])
def test_bad_substation_capacity_is_refused_with_the_fix(tmp_path, ws, values, match):
    path = _substations_csv(tmp_path / "subs.csv", "capacity", values)
    with pytest.raises(DataFileError, match=match) as caught:
        importer.import_file(path, "substations", workspace_dir=ws)
    assert "MW" in caught.value.zh
    assert not (ws / "layers").exists() or not any((ws / "layers").iterdir())


# --- the library-error edge --------------------------------------------------------------
def test_reading_turns_library_errors_into_a_file_error():
    import pyogrio.errors

    with pytest.raises(DataFileError, match=r"a\.gpkg could not be read as a GeoPackage: boom"):
        with importer.reading("a.gpkg", "a GeoPackage"):
            raise pyogrio.errors.DataSourceError("boom")
    with pytest.raises(DataFileError, match=r"b\.csv could not be read"):
        with importer.reading("b.csv", "a CSV table"):
            b"\xff".decode("utf-8")


@pytest.mark.parametrize("bug", [ValueError("bad index"), TypeError("None + 1"),
                                 KeyError("col"), RuntimeError("our own")])
def test_reading_lets_our_own_bugs_through(bug):
    with pytest.raises(type(bug)):
        with importer.reading("a.gpkg", "a GeoPackage"):
            raise bug
