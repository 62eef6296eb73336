"""Bad and hostile files: each import fails with a message that names the file,
the problem and the fix, exit code 2, no traceback, and an untouched workspace
(no folder, no temporary leftovers)."""
from __future__ import annotations

import io
import json
import re
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from shapely.geometry import Polygon

from layers import importer, safezip, workspace
from layers.errors import DataFileError, LayerError, UnsafeFileError
from siting.cli import main as cli_main

SQUARE = Polygon([(111, 41), (112, 41), (112, 42), (111, 42)])  # Hohhot-Ulanqab area
#: 0.1° cells from 111°E, 42°N: inside the region.
INSIDE = Affine(0.1, 0, 111, 0, -0.1, 42)
RNG_SEED = 6


# --- corpus builders: each writes its file(s) into a folder and returns the path ----------
def _write_raster(path, data, *, crs="EPSG:4326", transform=INSIDE,
                  nodata=None):
    profile = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                   dtype=data.dtype, nodata=nodata)
    if crs is not None:
        profile["crs"] = crs
    if transform is not None:
        profile["transform"] = transform
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data, 1)
    return path


def _square_gdf(crs="EPSG:4326"):
    return gpd.GeoDataFrame({"name": ["红线"]}, geometry=[SQUARE], crs="EPSG:4326").to_crs(crs)


def _zip(path, members):
    """``members``: (name or ZipInfo, bytes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def _shapefile_bytes(folder: Path, stem="red"):
    """{ext: bytes} of a small valid Shapefile."""
    pyogrio.write_dataframe(_square_gdf(), folder / f"{stem}.shp")
    return {ext: (folder / f"{stem}{ext}").read_bytes()
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")}


def b_empty(d):
    path = d / "empty.tif"
    path.write_bytes(b"")
    return path


def b_text_as_tif(d):
    path = d / "wind.tif"
    path.write_text("hello, this is a text file renamed to .tif\n")
    return path


def b_gpkg_as_tif(d):
    path = d / "ghi.tif"
    pyogrio.write_dataframe(_square_gdf(), d / "real.gpkg")
    path.write_bytes((d / "real.gpkg").read_bytes())
    return path


def b_shp_no_prj(d):
    pyogrio.write_dataframe(_square_gdf(), d / "noprj.shp")
    (d / "noprj.prj").unlink()
    return d / "noprj.shp"


def b_shp_no_dbf(d):
    pyogrio.write_dataframe(_square_gdf(), d / "nodbf.shp")
    (d / "nodbf.dbf").unlink()
    return d / "nodbf.shp"


def _shp_zip(d, name, extra_members):
    parts = _shapefile_bytes(d)
    members = [(f"red{ext}", data) for ext, data in parts.items()] + extra_members
    return _zip(d / f"{name}.zip", members)


def b_zip_dotdot(d):
    return _shp_zip(d, "dotdot", [("../../evil.shp", b"x")])


def b_zip_absolute(d):
    return _shp_zip(d, "absolute", [("/etc/evil.prj", b"x")])


def b_zip_symlink(d):
    link = zipfile.ZipInfo("red_link.dbf")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _shp_zip(d, "symlink", [(link, b"/etc/passwd")])


def b_zip_duplicate(d):
    return _shp_zip(d, "duplicate", [("red.shp", b"second copy")])


def b_zip_bomb_total(d):
    data = np.random.default_rng(RNG_SEED).bytes(2 * 1024**2)
    return _zip(d / "bomb_total.zip", [("big.tif", data)])


def b_zip_bomb_ratio(d):
    return _zip(d / "bomb_ratio.zip", [("zeros.dbf", bytes(20 * 1024**2))])


def b_zip_many(d):
    return _zip(d / "many.zip", [(f"f{i}.prj", b"") for i in range(safezip.MAX_MEMBERS + 1)])


def b_zip_no_layer(d):
    return _zip(d / "nolayer.zip", [("readme.txt", b"hi"), ("setup.exe", b"MZ\x90\x00"),
                                    ("data.pkl", b"\x80\x04K\x01.")])


def b_zip_two_shapefiles(d):
    parts = _shapefile_bytes(d)
    members = [(f"{stem}{ext}", data) for stem in ("a", "b") for ext, data in parts.items()]
    return _zip(d / "two.zip", members)


def b_kmz_no_kml(d):
    return _zip(d / "icons.kmz", [("files/icon.png", b"\x89PNG....")])


def b_broken_geojson(d):
    path = d / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", ')
    return path


def b_geojson_all_null(d):
    path = d / "nulls.geojson"
    features = [{"type": "Feature", "properties": {"name": f"地块{i}"}, "geometry": None}
                for i in range(3)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def b_geojson_swapped(d):
    path = d / "swapped.geojson"
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[Polygon([(41, 111), (42, 111), (42, 112)])],
                           crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, path)
    return path


def b_tif_no_crs(d):
    return _write_raster(d / "nocrs.tif", np.full((5, 5), 7.5, "float32"), crs=None)


def b_tif_no_georef(d):
    return _write_raster(d / "picture.tif", np.full((5, 5), 7.5, "float32"), crs=None,
                         transform=None)


def b_tif_outside(d):
    return _write_raster(d / "alps.tif", np.full((5, 5), 7.5, "float32"),
                         transform=Affine(0.1, 0, 8.0, 0, -0.1, 47.0))


def b_tif_all_nodata(d):
    return _write_raster(d / "nodata.tif", np.full((5, 5), -9999, "float32"), nodata=-9999)


def b_tif_wind_0_300(d):
    return _write_raster(d / "wind_x10.tif",
                         np.linspace(0, 300, 25, dtype="float32").reshape(5, 5))


def b_tif_ghi_unknown_units(d):
    return _write_raster(d / "ghi_odd.tif",
                         np.linspace(20, 40, 25, dtype="float32").reshape(5, 5))


def b_tif_for_vector_role(d):
    return _write_raster(d / "grid.tif", np.full((5, 5), 1.0, "float32"))


def b_csv_no_coords(d):
    path = d / "sites.csv"
    path.write_text("名称,容量MW\n风电一,100\n风电二,200\n", encoding="utf-8")
    return path


def b_csv_projected_xy(d):
    path = d / "gk_points.csv"
    path.write_text("name,x,y\nA,37512345.1,4512345.2\nB,37523456.7,4523456.8\n")
    return path


def b_csv_points(d):
    path = d / "points.csv"
    path.write_text("name,lon,lat\nA,111.5,41.5\nB,111.7,41.6\n")
    return path


def b_unknown_extension(d):
    path = d / "layer.xyz"
    path.write_text("1 2 3\n")
    return path


def b_gpkg_two_layers(d):
    path = d / "two_layers.gpkg"
    pyogrio.write_dataframe(_square_gdf(), path, layer="a")
    pyogrio.write_dataframe(_square_gdf(), path, layer="b", append=False)
    return path


def b_gk_unprefixed_prj(d):
    """Zone-37 prefixed eastings (37 5xx xxx) under a .prj without prefix (EPSG:4546)."""
    to_zone = Transformer.from_crs("EPSG:4326", "EPSG:4525", always_xy=True)
    poly = Polygon([to_zone.transform(x, y) for x, y in SQUARE.exterior.coords])
    gdf = gpd.GeoDataFrame({"name": ["地块"]}, geometry=[poly], crs="EPSG:4546")
    pyogrio.write_dataframe(gdf, d / "gk_noprefix.shp")
    return d / "gk_noprefix.shp"


def b_tif_gk_unprefixed(d):
    """A raster whose origin has the zone-38 prefix (38 4xx xxx) under EPSG:4547 (CM 114°E)."""
    return _write_raster(d / "gk_raster.tif", np.full((4, 4), 7.0, "float32"), crs="EPSG:4547",
                         transform=Affine(1000, 0, 38_450_000, 0, -1000, 4_650_000))


def b_small_geojson(d):
    path = d / "small.geojson"
    pyogrio.write_dataframe(_square_gdf(), path)
    return path


def b_folder(d):
    path = d / "a_folder"
    path.mkdir()
    return path


def b_missing(d):
    return d / "does_not_exist.gpkg"


#: name: (builder, role, extra CLI args, message pattern, environment)
CASES = {
    "empty_file": (b_empty, "wind_speed_100m", [], r"empty\.tif is empty \(0 bytes\)", {}),
    "text_renamed_tif": (b_text_as_tif, "wind_speed_100m", [],
                         r"wind\.tif is not a GeoTIFF: it starts with the text 'hello", {}),
    "gpkg_renamed_tif": (b_gpkg_as_tif, "ghi", [],
                         r"ghi\.tif is not a GeoTIFF: it looks like a GeoPackage", {}),
    "shapefile_without_prj": (b_shp_no_prj, "redline", [],
                              r"noprj\.shp has no \.prj file.*--crs EPSG:4490", {}),
    "shp_without_dbf": (b_shp_no_dbf, "redline", [],
                        r"nodbf\.shp has no nodbf\.dbf beside it.*as one \.zip", {}),
    "zip_dotdot_member": (b_zip_dotdot, "redline", [],
                          r"dotdot\.zip: member '\.\./\.\./evil\.shp' climbs out", {}),
    "zip_absolute_member": (b_zip_absolute, "redline", [],
                            r"absolute\.zip: member '/etc/evil\.prj' has an absolute path", {}),
    "zip_symlink_member": (b_zip_symlink, "redline", [],
                           r"member 'red_link\.dbf' is a symbolic link; refused", {}),
    "zip_duplicate_member": (b_zip_duplicate, "redline", [], r"'red\.shp' appears twice", {}),
    "zip_bomb_total": (b_zip_bomb_total, "wind_speed_100m", [],
                       r"would unpack to 2\.0 MiB, more than the limit of 1\.0 MiB.*zip bomb",
                       {importer.MAX_UNZIPPED_ENV: "1"}),
    "zip_bomb_ratio": (b_zip_bomb_ratio, "redline", [], r"expands \d+× .*likely zip bomb", {}),
    "zip_too_many_members": (b_zip_many, "redline", [], r"holds 1001 files, more than", {}),
    "zip_without_layer": (b_zip_no_layer, "redline", [],
                          r"nolayer\.zip holds no layer file \(found: readme\.txt", {}),
    "zip_two_shapefiles": (b_zip_two_shapefiles, "redline", [],
                           r"holds 2 layer files: a\.shp, b\.shp; say which with --layer", {}),
    "kmz_without_kml": (b_kmz_no_kml, "redline", [], r"icons\.kmz holds no \.kml document", {}),
    "broken_geojson": (b_broken_geojson, "redline", [],
                       r"broken\.geojson could not be read as GeoJSON", {}),
    "all_null_geometries": (b_geojson_all_null, "parcels", [],
                            r"nulls\.geojson has 3 features but none has a geometry", {}),
    "swapped_lon_lat": (b_geojson_swapped, "redline", [],
                        r"swapped\.geojson does not overlap Inner Mongolia.*longitude and latitude "
                        r"look swapped", {}),
    "tif_without_crs": (b_tif_no_crs, "wind_speed_100m", [],
                        r"nocrs\.tif has no coordinate reference system; pass --crs EPSG:4490",
                        {}),
    "tif_without_georeferencing": (b_tif_no_georef, "wind_speed_100m", [],
                                   r"picture\.tif has no georeferencing", {}),
    "tif_outside_region": (b_tif_outside, "wind_speed_100m", [],
                           r"alps\.tif does not overlap Inner Mongolia.*lies at 8, 46\.5, 8\.5, "
                           r"47", {}),
    "tif_all_nodata": (b_tif_all_nodata, "wind_speed_100m", [],
                       r"nodata\.tif holds only nodata", {}),
    "wind_0_to_300": (b_tif_wind_0_300, "wind_speed_100m", [],
                      r"wind_x10\.tif: values 0 to 300 .* do not fit mean wind speed at 100 m "
                      r"in m/s: expected 0 to 30 m/s.*divide by 10", {}),
    "ghi_unknown_units": (b_tif_ghi_unknown_units, "ghi", [],
                          r"values 20 to 40 .*expected 500 to 2500 kWh/m²·yr; or kWh/m² per day",
                          {}),
    "raster_for_vector_role": (b_tif_for_vector_role, "redline", [],
                               r"grid\.tif is a GeoTIFF, but role 'redline' .* needs vector", {}),
    "points_for_polygon_role": (b_csv_points, "redline", [],
                                r"role 'redline' needs polygon geometries, but the file holds "
                                r"Point", {}),
    "csv_without_coordinates": (b_csv_no_coords, "substations", [],
                                r"sites\.csv has no longitude/latitude columns: its columns are "
                                r"名称, 容量MW", {}),
    "csv_projected_without_crs": (b_csv_projected_xy, "substations", [],
                                  r"hold values like 37523457, not degrees; pass --crs", {}),
    "unknown_extension": (b_unknown_extension, "redline", [],
                          r"layer\.xyz: the extension '\.xyz' is not one this tool reads", {}),
    "unknown_role": (b_small_geojson, "windspeed", [],
                     r"unknown role 'windspeed'; allowed roles: wind_speed_100m \(raster\)", {}),
    "gpkg_two_layers_no_layer": (b_gpkg_two_layers, "redline", [],
                                 r"two_layers\.gpkg holds 2 layers: a, b; say which one with "
                                 r"--layer", {}),
    "gpkg_unknown_layer": (b_gpkg_two_layers, "redline", ["--layer", "c"],
                           r"two_layers\.gpkg has no layer 'c'; its layers: a, b", {}),
    "gk_prefixed_coords_unprefixed_prj": (
        b_gk_unprefixed_prj, "parcels", [],
        r"zone prefix 37 \(3° zone\) but the \.prj/CRS is Gauss-Krüger without zone prefix.*"
        r"--crs EPSG:4525", {}),
    "gk_raster_unprefixed_crs": (
        b_tif_gk_unprefixed, "wind_speed_100m", [],
        r"gk_raster\.tif does not overlap .*zone prefix 38 .*--crs EPSG:4526", {}),
    "upload_too_big": (b_small_geojson, "redline", ["--max-upload-mb", "0.0001"],
                       r"small\.geojson is .* more than the upload limit", {}),
    "bad_crs_option": (b_small_geojson, "redline", ["--crs", "EPSG:999999"],
                       r"--crs 'EPSG:999999' is not a coordinate reference system", {}),
    "bad_encoding_option": (b_small_geojson, "redline", ["--encoding", "klingon"],
                            r"--encoding 'klingon' is not a text encoding", {}),
    "folder_instead_of_file": (b_folder, "redline", [], r"a_folder is a folder", {}),
    "missing_file": (b_missing, "redline", [], r"does_not_exist\.gpkg not found", {}),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Every bad file, built once: {case: path}."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, (builder, *_rest) in CASES.items():
        case_dir = folder / name
        case_dir.mkdir()
        paths[name] = builder(case_dir)
    return paths


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A workspace that must stay absent, and a private system temp folder to check
    for leftovers."""
    sys_tmp = tmp_path / "sys_tmp"
    sys_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(sys_tmp))
    monkeypatch.delenv(importer.MAX_UPLOAD_ENV, raising=False)
    monkeypatch.delenv(importer.MAX_UNZIPPED_ENV, raising=False)
    return tmp_path / "workspace", sys_tmp


def _assert_untouched(ws: Path, sys_tmp: Path):
    assert not ws.exists(), f"workspace was written: {list(ws.rglob('*'))}"
    assert list(sys_tmp.iterdir()) == [], "temporary files left behind"


def test_corpus_has_at_least_25_files(corpus):
    files = [p for p in Path(next(iter(corpus.values()))).parents[1].rglob("*") if p.is_file()]
    assert len(files) >= 25
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_exits_2_with_message_and_untouched_workspace(case, corpus, sandbox,
                                                               monkeypatch, capsys):
    _builder, role, extra, pattern, env = CASES[case]
    ws, sys_tmp = sandbox
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = corpus[case]
    with pytest.raises(LayerError, match=pattern):
        importer.import_file(path, role, workspace_dir=ws,
                             limits=importer.default_limits(
                                 float(extra[1]) if extra[:1] == ["--max-upload-mb"] else None),
                             **_options(extra))
    _assert_untouched(ws, sys_tmp)

    code = cli_main(["import", str(path), "--role", role, "--workspace", str(ws), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert path.name in err
    _assert_untouched(ws, sys_tmp)


def _options(extra: list[str]) -> dict:
    pairs = dict(zip(extra[::2], extra[1::2], strict=True))
    return {key.lstrip("-"): value for key, value in pairs.items()
            if key in ("--layer", "--crs", "--encoding")}


# --- guards that need a closer look ------------------------------------------------------
def test_stream_counter_stops_a_zip_whose_directory_lies(tmp_path, monkeypatch):
    """The directory check is bypassed (as if the headers lied); extraction still stops
    at the limit and removes nothing outside its folder."""
    data = np.random.default_rng(RNG_SEED).bytes(3 * 1024**2)
    archive = _zip(tmp_path / "liar.zip", [("big.tif", data)])
    monkeypatch.setattr(safezip, "check_directory", lambda *args, **kwargs: 0)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(UnsafeFileError, match=r"although its directory declares less"):
        safezip.extract(archive, dest, extensions={".tif"}, max_bytes=1024**2)


def test_zip_whose_header_understates_the_size_is_refused(tmp_path, sandbox):
    """A central directory claiming 10 bytes for a 100 kB member: the read stops at
    10 bytes and the CRC check refuses the member."""
    ws, sys_tmp = sandbox
    data = np.random.default_rng(RNG_SEED).bytes(100_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("wind.tif", data)
    raw = bytearray(buffer.getvalue())
    central = raw.index(b"PK\x01\x02")
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "understated.zip"
    path.write_bytes(bytes(raw))
    with pytest.raises(DataFileError, match=r"understated\.zip could not be read as a zip "
                                            r"archive: Bad CRC-32"):
        importer.import_file(path, "wind_speed_100m", workspace_dir=ws)
    _assert_untouched(ws, sys_tmp)


@pytest.mark.parametrize(("name", "mode", "problem"), [
    ("../x.shp", 0, "climbs out"),
    ("a/../../x.shp", 0, "climbs out"),
    ("/abs/x.shp", 0, "absolute path"),
    ("C:/win/x.shp", 0, "absolute path"),
    ("..\\x.shp", 0, "climbs out"),
    ("link.shp", stat.S_IFLNK | 0o777, "symbolic link"),
    ("fifo.shp", stat.S_IFIFO | 0o644, "not a regular file"),
    ("ok/x.shp", stat.S_IFREG | 0o644, None),
    ("x.shp", 0, None),
])
def test_member_problem(name, mode, problem):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    found = safezip.member_problem(info)
    assert (found is None) if problem is None else (problem in found)


def test_extract_reads_only_expected_extensions_and_skips_junk(tmp_path):
    archive = _zip(tmp_path / "mixed.zip", [
        ("data/red.shp", b"shp"), ("data/red.dbf", b"dbf"), ("run.exe", b"MZ"),
        ("evil.pkl", b"\x80\x04."), ("__MACOSX/data/._red.shp", b"fork"),
        ("data/._red.dbf", b"fork")])
    dest = tmp_path / "out"
    dest.mkdir()
    got = safezip.extract(archive, dest, extensions={".shp", ".dbf"})
    assert sorted(p.relative_to(dest).as_posix() for p in got.files) == \
        ["data/red.dbf", "data/red.shp"]
    assert set(got.skipped) == {"run.exe", "evil.pkl", "__MACOSX/data/._red.shp",
                                "data/._red.dbf"}
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == \
        ["data/red.dbf", "data/red.shp"]


def test_uploaded_bytes_with_a_path_in_the_name_stay_in_the_staging_folder(tmp_path, sandbox):
    ws, sys_tmp = sandbox
    text = b'{"type": "FeatureCollection", "features": ['
    with pytest.raises(DataFileError, match=r"evil\.geojson could not be read"):
        importer.import_file(text, "redline", filename="../../evil.geojson", workspace_dir=ws)
    assert not (tmp_path / "evil.geojson").exists()
    _assert_untouched(ws, sys_tmp)


def test_uploaded_sidecar_must_be_a_shapefile_sidecar(sandbox):
    ws, sys_tmp = sandbox
    with pytest.raises(UnsafeFileError, match=r"sidecar 'x\.exe' is not a Shapefile sidecar"):
        importer.import_file(b"\x00\x00\x27\x0a", "redline", filename="x.shp",
                             sidecars={"x.exe": b"MZ"}, workspace_dir=ws)
    _assert_untouched(ws, sys_tmp)


def test_no_code_path_unpickles_or_evaluates_user_data():
    """Static guard: the import modules never call pickle, eval, exec or unsafe YAML."""
    banned = re.compile(r"\bimport (pickle|marshal|shelve|dill)\b|\b(pickle|marshal)\.|"
                        r"\beval\(|\bexec\(|yaml\.load\(|yaml\.unsafe|__import__\(")
    package = Path(importer.__file__).parent / "importing"
    files = [Path(m.__file__) for m in (importer, safezip, workspace)]
    files += sorted(package.glob("*.py"))
    assert len(files) > 5
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert banned.search(source) is None, path.name


def test_html_in_attributes_is_escaped_for_the_map():
    assert importer.escape_html('<img src=x onerror="alert(1)">&') == \
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"
    assert importer.escape_html(None) == ""
    assert importer.escape_html("红线 'A'") == "红线 &#x27;A&#x27;"


def test_workspace_temp_files_are_hidden_from_listings(tmp_path):
    (tmp_path / "layers").mkdir()
    (tmp_path / "layers" / f"{workspace.TEMP_PREFIX}abc.json").write_text("{")
    assert workspace.imported_layers(tmp_path) == []
    assert workspace.temp_leftovers(tmp_path) == [tmp_path / "layers" /
                                                  f"{workspace.TEMP_PREFIX}abc.json"]
