"""Import a user's layer file into the workspace, checked and normalised.

One entry point, ``import_file`` (the app's upload panel and ``python -m siting
import``): detect the format from the extension and the first bytes, unpack
zips safely, read with GDAL, fix the CRS and text encoding, repair geometries,
check raster units, measure coverage of the region, and land the result in
the workspace as a UTF-8 GeoPackage (vectors, EPSG:4326) or a float32 GeoTIFF
(rasters, in their own CRS: ``layers.align`` warps them onto the analysis grid,
so values are resampled once, not twice).

All work happens in a temporary folder outside the workspace; only a complete,
valid layer is moved into it. Nothing user-supplied is unpickled or evaluated:
text is parsed by GDAL, ``csv``/pandas and ``json``. User text shown in HTML
(map popups, tooltips) must go through ``escape_html``.
"""
from __future__ import annotations

import argparse
import codecs
import io
import json
import math
import os
import re
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from html import escape as _html_escape
from pathlib import Path, PurePosixPath

import numpy as np

from layers import safezip, workspace
from siting.errors import CRSError, DataFileError, SitingError, UnsafeFileError

# --- limits -------------------------------------------------------------------
#: Largest upload accepted, bytes (all files of one upload together). A
#: float32 raster of the region's extent at 250 m is ~340 MB uncompressed.
MAX_UPLOAD_BYTES = 1024**3
#: Largest upload through the app, MiB: ``server.maxUploadSize`` in .streamlit/config.toml
#: (the app passes ``default_limits(APP_MAX_UPLOAD_MB)``).
APP_MAX_UPLOAD_MB = 500
#: Environment variable overriding ``MAX_UPLOAD_BYTES``, in MiB.
MAX_UPLOAD_ENV = "SITING_MAX_UPLOAD_MB"
#: Environment variable overriding the zip limit ``safezip.MAX_UNZIPPED_BYTES``, in MiB.
MAX_UNZIPPED_ENV = "SITING_MAX_UNZIPPED_MB"
#: Largest raster accepted, cells (the region at 100 m is ~5e8 cells).
MAX_RASTER_CELLS = 600_000_000
#: Raster cells processed per block (≈ 32 MB as float64): memory stays bounded.
BLOCK_CELLS = 4_000_000
#: Widest (or tallest) raster accepted, cells: the reads go by rows, so one row must
#: fit a block (the region is ~90,000 cells wide at 30 m).
MAX_RASTER_SIDE = BLOCK_CELLS
#: Largest internal block (strip or tile) GDAL may have to hold, bytes uncompressed.
MAX_RASTER_BLOCK_BYTES = 256 * 1024**2
#: Long side of the reduced raster used to measure coverage, cells.
COVERAGE_SAMPLE_PX = 2048
#: Spacing of the equal-area sample points that measure raster coverage, m.
COVERAGE_CELL_M = 5000.0
#: Tolerance used to simplify the region before measuring coverage, m (the
#: bundled outline has ~50,000 vertices; 500 m changes its area by < 0.01%).
REGION_SIMPLIFY_M = 500.0
#: Rows shown in the summary's preview.
PREVIEW_ROWS = 5
#: Nodata value of imported GeoTIFFs (as the bundled rasters).
NODATA = -9999.0
#: CRS of imported vectors (as the bundled vectors).
STORED_VECTOR_CRS = "EPSG:4326"


@dataclass(frozen=True)
class Limits:
    """Hostile-file guards; tests pass small values.

    Attributes
    ----------
    max_upload_bytes : int
        All files of one upload together, bytes.
    max_unzipped_bytes : int
        Uncompressed total out of a zip, bytes (directory and stream checked).
    max_zip_members : int
        Files in one zip.
    max_raster_cells : int
        Width × height of a raster.
    max_raster_side : int
        Width or height of a raster, cells (a row is read at once).
    max_raster_block_bytes : int
        Uncompressed size of one internal strip or tile of a raster, bytes.
    """

    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_unzipped_bytes: int = safezip.MAX_UNZIPPED_BYTES
    max_zip_members: int = safezip.MAX_MEMBERS
    max_raster_cells: int = MAX_RASTER_CELLS
    max_raster_side: int = MAX_RASTER_SIDE
    max_raster_block_bytes: int = MAX_RASTER_BLOCK_BYTES


def _env_mib(value, what: str, what_zh: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        mib = float(value)
    except ValueError:
        mib = math.nan
    if not mib > 0:
        raise SitingError(f"{what} must be a positive number of MiB, got {value!r}",
                          zh=f"{what_zh} 须为正数（单位 MiB），当前为 {value!r}")
    return int(mib * 1024**2)


def default_limits(max_upload_mb: float | None = None) -> Limits:
    """Limits from the argument or the environment (``$SITING_MAX_UPLOAD_MB``,
    ``$SITING_MAX_UNZIPPED_MB``), else the defaults."""
    upload = _env_mib(max_upload_mb if max_upload_mb is not None else
                      os.environ.get(MAX_UPLOAD_ENV), f"upload limit (--max-upload-mb or "
                      f"${MAX_UPLOAD_ENV})", f"上传上限（--max-upload-mb 或 ${MAX_UPLOAD_ENV}）")
    unzipped = _env_mib(os.environ.get(MAX_UNZIPPED_ENV), f"${MAX_UNZIPPED_ENV}",
                        f"${MAX_UNZIPPED_ENV}")
    return Limits(max_upload_bytes=upload or MAX_UPLOAD_BYTES,
                  max_unzipped_bytes=unzipped or safezip.MAX_UNZIPPED_BYTES)


# --- roles ----------------------------------------------------------------------
@dataclass(frozen=True)
class UnitGuess:
    """A unit a raster may arrive in, recognised by the mean of its values."""

    label: str
    mean_range: tuple[float, float]
    factor: float
    label_zh: str = ""


@dataclass(frozen=True)
class RoleSpec:
    """What an imported layer must be to play ``role``.

    ``geometries`` lists the accepted families (polygon, line, point) of a
    vector role; ``valid_range`` is the plausible range of a raster's values
    in ``units`` after any conversion in ``conversions``; ``run_columns``
    are attribute columns a siting run reads from the layer (``import`` stores
    a layer without them for the map; ``check_layer_file`` refuses it).
    """

    role: str
    kind: str
    name_en: str
    name_zh: str
    units: str = ""
    geometries: tuple[str, ...] = ()
    valid_range: tuple[float, float] | None = None
    conversions: tuple[UnitGuess, ...] = ()
    hint: str = ""
    hint_zh: str = ""
    run_columns: tuple[str, ...] = ()


#: GHI arrives as annual kWh/m², as a daily mean (Global Solar Atlas
#: "AvgDailyTotals", ~3-6), as a mean irradiance in W/m² (×8,760 h / 1,000) or
#: as annual MJ/m² (Chinese tables; GB/T 31155 classes 3,780-6,300 MJ/m²).
GHI_CONVERSIONS = (
    UnitGuess("kWh/m² per day", (1.0, 10.0), 365.0, "kWh/m²·日"),
    UnitGuess("W/m² (mean irradiance)", (50.0, 400.0), 8.76, "W/m²（平均辐照度）"),
    UnitGuess("MJ/m² per year", (2500.0, 10000.0), 1 / 3.6, "MJ/m²·年"),
)
#: PVOUT arrives per year or per day (Global Solar Atlas daily totals).
PVOUT_CONVERSIONS = (UnitGuess("kWh/kWp per day", (0.5, 8.0), 365.0, "kWh/kWp·日"),)

_POLY, _LINE, _POINT = "polygon", "line", "point"
_GEOM_ZH = {_POLY: "面", _LINE: "线", _POINT: "点"}

IMPORT_ROLES: dict[str, RoleSpec] = {spec.role: spec for spec in (
    RoleSpec("wind_speed_100m", "raster", "mean wind speed at 100 m", "100米高度年平均风速",
             units="m/s", valid_range=(0.0, 30.0),
             hint="if it stores 0.1 m/s steps, divide by 10 first "
                  "(gdal_calc.py -A FILE --calc=A/10 --outfile OUT.tif)",
             hint_zh="如果以 0.1 m/s 为单位存储，请先除以 10"
                     "（gdal_calc.py -A FILE --calc=A/10 --outfile OUT.tif）"),
    RoleSpec("weibull_k", "raster", "Weibull shape k", "威布尔形状参数k", units="1",
             valid_range=(0.5, 6.0), hint="k is dimensionless, typically 1.5-3",
             hint_zh="k 无量纲，通常为 1.5-3"),
    RoleSpec("ghi", "raster", "annual global horizontal irradiation", "年水平面总辐射",
             units="kWh/m²·yr", valid_range=(500.0, 2500.0), conversions=GHI_CONVERSIONS),
    RoleSpec("pvout", "raster", "PV specific yield (PVOUT)", "光伏发电量潜力",
             units="kWh/kWp·yr", valid_range=(500.0, 2500.0), conversions=PVOUT_CONVERSIONS),
    RoleSpec("redline", "vector", "ecological protection red line", "生态保护红线",
             geometries=(_POLY,)),
    RoleSpec("desert", "vector", "desert, gobi and sandy land", "沙漠戈壁沙地",
             geometries=(_POLY,)),
    RoleSpec("mine", "vector", "mine and mine-restoration land", "矿区及采煤沉陷区",
             geometries=(_POLY,)),
    RoleSpec("border", "vector", "international border", "国境线", geometries=(_LINE, _POLY)),
    RoleSpec("substations", "vector", "substations", "变电站", geometries=(_POINT,)),
    RoleSpec("lines", "vector", "transmission lines", "输电线路", geometries=(_LINE,)),
    RoleSpec("settlements", "vector", "settlements", "居民点", geometries=(_POINT, _POLY),
             run_columns=("population",)),
    # the other layers a run reads (catalog ids), so every user file gets its checks
    RoleSpec("elevation", "raster", "elevation", "高程", units="m", valid_range=(-500.0, 9000.0),
             hint="elevation above sea level in metres", hint_zh="海拔高度，单位为米"),
    RoleSpec("slope", "raster", "terrain slope", "坡度", units="°", valid_range=(0.0, 90.0),
             hint="slope in degrees (not percent: degrees = atan(percent / 100))",
             hint_zh="坡度以度为单位（不是百分比：度 = atan(百分比 / 100)）"),
    RoleSpec("landcover", "raster", "land cover (IGBP classes)", "土地覆盖", units="class",
             valid_range=(0.0, 17.0), hint="IGBP class codes 0-17 as in MODIS MCD12",
             hint_zh="IGBP 分类代码 0-17，同 MODIS MCD12"),
    RoleSpec("province", "vector", "province outline", "省界", geometries=(_POLY,)),
    RoleSpec("leagues", "vector", "leagues (盟市)", "盟市", geometries=(_POLY,),
             run_columns=("name_zh",)),
    RoleSpec("banners", "vector", "banners and counties (旗县)", "旗县区", geometries=(_POLY,),
             run_columns=("name_zh", "league_zh")),
    RoleSpec("parcels", "vector", "candidate parcels", "候选地块", geometries=(_POLY,)),
    RoleSpec("custom_exclusion", "vector", "custom exclusion zones", "自定义排除区",
             geometries=(_POLY,)),
    RoleSpec("custom_encouragement", "vector", "custom encouraged zones", "自定义鼓励区",
             geometries=(_POLY,)),
)}


def role_spec(role: str) -> RoleSpec:
    """The spec of an import role; an unknown role lists the allowed ones."""
    if role not in IMPORT_ROLES:
        allowed = ", ".join(f"{r} ({s.kind})" for r, s in IMPORT_ROLES.items())
        raise DataFileError(f"unknown role {role!r}; allowed roles: {allowed}",
                            zh=f"未知图层用途 {role!r}；可选用途：{allowed}")
    return IMPORT_ROLES[role]


# --- formats ----------------------------------------------------------------------
#: Extension → format of the files a user may import.
FORMATS = {".tif": "geotiff", ".tiff": "geotiff", ".zip": "zip", ".shp": "shapefile",
           ".gpkg": "geopackage", ".geojson": "geojson", ".json": "geojson", ".kml": "kml",
           ".kmz": "kmz", ".csv": "csv"}
FORMAT_NAMES = {"geotiff": "a GeoTIFF", "zip": "a zip archive", "shapefile": "a Shapefile",
                "geopackage": "a GeoPackage", "geojson": "GeoJSON", "kml": "KML",
                "kmz": "a KMZ", "csv": "a CSV table"}
FORMAT_NAMES_ZH = {"geotiff": "GeoTIFF", "zip": "zip 压缩包", "shapefile": "Shapefile",
                   "geopackage": "GeoPackage", "geojson": "GeoJSON", "kml": "KML", "kmz": "KMZ",
                   "csv": "CSV 表格"}
#: Shapefile sidecars extracted from a zip and copied with a loose .shp.
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
#: What a zip may contribute: data files and Shapefile sidecars, nothing else.
ZIP_EXTENSIONS = frozenset(set(FORMATS) - {".zip", ".kmz"} | set(SHAPEFILE_SIDECARS))
RASTER_FORMATS = ("geotiff",)

_MAGIC = (
    (b"II*\x00", "geotiff"), (b"MM\x00*", "geotiff"), (b"II+\x00", "geotiff"),
    (b"MM\x00+", "geotiff"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"),
    (b"\x00\x00\x27\x0a", "shapefile"), (b"SQLite format 3\x00", "geopackage"),
    (b"%PDF", "pdf"), (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"),
    (b"Rar!", "rar"), (b"7z\xbc\xaf", "7z"), (b"\x1f\x8b", "gzip"),
)


def sniff(head: bytes) -> str:
    """What the first bytes of a file look like: a format name, 'text' or 'binary'."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if b"\x00" in head:
        return "binary"
    if text.startswith(b"{") or text.startswith(b"["):
        return "json"
    if text.startswith(b"<"):
        return "xml"
    return "text"


def _looks_right(fmt: str, seen: str) -> bool:
    if fmt in ("geotiff", "shapefile", "geopackage"):
        return seen == fmt
    if fmt in ("zip", "kmz"):
        return seen == "zip"
    if fmt == "geojson":
        return seen == "json"
    if fmt == "kml":
        return seen == "xml"
    return seen in ("text", "json")  # csv


def _describe(seen: str, head: bytes, *, zh: bool = False) -> str:
    if zh:
        shown = head[:40].decode("utf-8", errors="replace").strip().splitlines()
        if seen in ("text", "json", "xml"):
            return f"其开头是文本 {shown[0][:40]!r}" if shown else "其中只有空白"
        if seen == "binary":
            return "其中是未知类型的二进制数据"
        return f"它看起来是 {FORMAT_NAMES_ZH.get(seen, seen.upper() + ' 文件')}"
    if seen in ("text", "json", "xml"):
        shown = head[:40].decode("utf-8", errors="replace").strip().splitlines()
        return f"it starts with the text {shown[0][:40]!r}" if shown else "it holds only blanks"
    if seen == "binary":
        return "it holds binary data of an unknown kind"
    return f"it looks like {FORMAT_NAMES.get(seen, 'a ' + seen.upper() + ' file')}"


def check_format(path: Path, label: str) -> str:
    """The format of ``path`` by extension, confirmed by its first bytes.

    Raises
    ------
    DataFileError
        Unknown extension, empty file, or content that does not match the extension.
    """
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise DataFileError(f"{label}: the extension {ext or '(none)'!r} is not one this tool "
                            f"reads; accepted: {', '.join(sorted(FORMATS))} (a Shapefile as .shp "
                            "with its sidecars or as one .zip)",
                            zh=f"{label}：本工具不读取扩展名为 {ext or '（无）'!r} 的文件；可接受："
                               f"{', '.join(sorted(FORMATS))}（Shapefile 请连同其附属文件"
                               "上传 .shp，或打包为一个 .zip）")
    fmt = FORMATS[ext]
    size = path.stat().st_size
    if size == 0:
        raise DataFileError(f"{label} is empty (0 bytes); the upload or copy failed or the "
                            "export did not finish: export the layer again",
                            zh=f"{label} 是空文件（0 字节）；上传或复制失败，或导出未完成："
                               "请重新导出该图层")
    with open(path, "rb") as f:
        head = f.read(64)
    seen = sniff(head)
    if not _looks_right(fmt, seen):
        raise DataFileError(f"{label} is not {FORMAT_NAMES[fmt]}: {_describe(seen, head)}. "
                            f"Export it again as {FORMAT_NAMES[fmt]}, or give it the extension "
                            "of its real format",
                            zh=f"{label} 不是 {FORMAT_NAMES_ZH[fmt]}："
                               f"{_describe(seen, head, zh=True)}。请重新导出为 "
                               f"{FORMAT_NAMES_ZH[fmt]}，或改用其真实格式的扩展名")
    return fmt


# --- helpers ------------------------------------------------------------------------
def escape_html(text) -> str:
    """User text made safe to show in HTML (map popups, tooltips, tables).

    ``None`` becomes ``""``; everything else is ``str()``-ed and its ``& < > " '``
    are escaped, so a layer attribute like ``<script>`` shows as text.
    """
    return "" if text is None else _html_escape(str(text), quote=True)


def parse_crs(value):
    """A ``pyproj.CRS`` from ``--crs`` text (``EPSG:4490``, ``4527``, WKT, PROJ)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except ProjCRSError:
        raise CRSError(f"--crs {value!r} is not a coordinate reference system PROJ knows; use "
                       "e.g. EPSG:4490 (CGCS2000), EPSG:4326 (WGS84) or EPSG:4527 "
                       "(CGCS2000 3° Gauss-Krüger zone 39)",
                       zh=f"--crs {value!r} 不是 PROJ 认识的坐标系；请使用如 EPSG:4490"
                          "（CGCS2000）、EPSG:4326（WGS84）或 EPSG:4527（CGCS2000 3° 高斯-克吕格"
                          "第 39 带）") from None


def crs_label(crs) -> str:
    """``EPSG:4527`` when the CRS has a code, else its name."""
    if crs is None:
        return ""
    authority = crs.to_authority(min_confidence=70)
    return ":".join(authority) if authority else crs.name


def check_encoding(encoding: str | None) -> str | None:
    """Validate an ``--encoding`` name (``gbk``, ``utf-8``, ``cp936`` …)."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise DataFileError(f"--encoding {encoding!r} is not a text encoding Python knows; "
                            "use e.g. utf-8, gbk, gb18030 or big5",
                            zh=f"--encoding {encoding!r} 不是 Python 认识的文本编码；请使用如 "
                               "utf-8、gbk、gb18030 或 big5") from None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def detect_text_encoding(data: bytes) -> str | None:
    """``'ascii'``, ``'utf-8'``, ``'gbk'`` or ``'gb18030'`` for Chinese GIS text, or None.

    UTF-8 wins when both decode: real GBK text is almost never valid UTF-8.
    """
    for encoding in ("ascii", "utf-8", "gbk", "gb18030"):
        if _decodes(data, encoding):
            return encoding
    return None


#: DBF bytes looked at for encoding detection (whole records only).
DBF_SAMPLE_BYTES = 8 * 1024**2


def dbf_text_bytes(data: bytes) -> bytes:
    """The field names and character-field contents of a dBASE (.dbf) file.

    Numeric and binary fields are left out so they cannot sway detection.
    """
    if len(data) < 32:
        raise DataFileError("the .dbf file is truncated (shorter than its 32-byte header)",
                            zh=".dbf 文件不完整（比其 32 字节的文件头还短）")
    n_records = int.from_bytes(data[4:8], "little")
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    names, char_fields = [], []
    offset, pos = 1, 32  # each record starts with a deletion flag byte
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        descriptor = data[pos:pos + 32]
        names.append(descriptor[:11].split(b"\x00")[0])
        length = descriptor[16]
        if descriptor[11:12] == b"C":
            length += descriptor[17] * 256  # FoxPro/GDAL: long text fields use both bytes
            char_fields.append((offset, length))
        offset += length
        pos += 32
    chunks = list(names)
    if record_len > 0:
        end = min(len(data), header_len + record_len * n_records,
                  header_len + record_len * (DBF_SAMPLE_BYTES // record_len + 1))
        for start in range(header_len, end - record_len + 1, record_len):
            for field_offset, length in char_fields:
                chunks.append(data[start + field_offset:start + field_offset + length])
    return b"\n".join(chunks)


def _sidecar(path: Path, ext: str) -> Path | None:
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return None


def _human_bounds(bounds) -> str:
    return ", ".join(f"{v:.4g}" for v in bounds)


# --- the region -----------------------------------------------------------------------
@dataclass(frozen=True)
class Region:
    """The area coverage is measured against (default: the bundled province).

    ``geometry`` is in EPSG:4326; ``albers`` in the analysis CRS, simplified;
    ``sample_lon/lat`` are points on an equal-area grid inside it.
    """

    name: str
    geometry: object
    albers: object
    area_km2: float
    sample_lon: np.ndarray
    sample_lat: np.ndarray


def region_from_geometry(geometry, *, name: str = "the region",
                         cell_m: float = COVERAGE_CELL_M) -> Region:
    """A ``Region`` from a shapely geometry in EPSG:4326."""
    import shapely
    from affine import Affine
    from pyproj import Transformer
    from rasterio.features import geometry_mask

    from siting.grid import ALBERS_CRS

    to_albers = Transformer.from_crs("EPSG:4326", ALBERS_CRS, always_xy=True)
    albers = shapely.transform(geometry, lambda xy: np.column_stack(
        to_albers.transform(xy[:, 0], xy[:, 1])))
    albers = shapely.simplify(albers, REGION_SIMPLIFY_M)
    west, south, east, north = albers.bounds
    width = max(1, math.ceil((east - west) / cell_m))
    height = max(1, math.ceil((north - south) / cell_m))
    transform = Affine(cell_m, 0.0, west, 0.0, -cell_m, north)
    inside = geometry_mask([albers], out_shape=(height, width), transform=transform,
                           invert=True)
    rows, cols = np.nonzero(inside)
    xs, ys = transform @ (cols + 0.5, rows + 0.5)
    lon, lat = to_albers.transform(np.asarray(xs), np.asarray(ys), direction="INVERSE")
    shapely.prepare(geometry)
    return Region(name=name, geometry=geometry, albers=albers, area_km2=albers.area / 1e6,
                  sample_lon=np.asarray(lon), sample_lat=np.asarray(lat))


@lru_cache(maxsize=1)
def default_region() -> Region:
    """Inner Mongolia from the bundled ``province`` layer."""
    from layers.catalog import resolve_layer
    from layers.io import read_vector

    info = resolve_layer("province")
    gdf = read_vector(info.path, layer=info.layer).to_crs("EPSG:4326")
    return region_from_geometry(gdf.geometry.union_all(), name="Inner Mongolia")


def _no_overlap(label: str, region: Region, bounds_wgs84, crs, source_bounds) -> DataFileError:
    hint = crs_mismatch_hint(crs, source_bounds) or (
        f"is the CRS right? The file says {crs_label(crs)}; if its coordinates are in another "
        "CRS, pass --crs EPSG:… (e.g. EPSG:4490, or a Gauss-Krüger zone such as EPSG:4527)")
    where = (f"it lies at {_human_bounds(bounds_wgs84)} (lon/lat)"
             if all(math.isfinite(v) for v in bounds_wgs84) else
             f"its coordinates {_human_bounds(source_bounds)} do not transform to lon/lat")
    hint_zh = crs_mismatch_hint(crs, source_bounds, zh=True) or (
        f"坐标系是否正确？文件中写的是 {crs_label(crs)}；如果其坐标属于另一坐标系，请传入 "
        "--crs EPSG:…（如 EPSG:4490，或高斯-克吕格投影带如 EPSG:4527）")
    where_zh = (f"它位于 {_human_bounds(bounds_wgs84)}（经纬度）"
                if all(math.isfinite(v) for v in bounds_wgs84) else
                f"其坐标 {_human_bounds(source_bounds)} 无法转换为经纬度")
    region_zh = "内蒙古" if region.name == "Inner Mongolia" else region.name
    return DataFileError(f"{label} does not overlap {region.name} (about 97.2-126.1°E, "
                         f"37.4-53.4°N): {where}; {hint}",
                         zh=f"{label} 与{region_zh}（约 97.2-126.1°E，37.4-53.4°N）没有重叠："
                            f"{where_zh}；{hint_zh}")


# --- CRS diagnosis ---------------------------------------------------------------------
def _transverse_mercator(crs):
    """(central meridian °, false easting m) of a Transverse Mercator CRS, else None."""
    if crs is None:
        return None
    if crs.is_bound:
        crs = crs.source_crs
    operation = crs.coordinate_operation if crs.is_projected else None
    if operation is None or "transverse mercator" not in operation.method_name.lower():
        return None
    params = {p.name.lower(): p.value for p in operation.params}
    lon0 = params.get("longitude of natural origin")
    false_easting = params.get("false easting")
    if lon0 is None or false_easting is None:
        return None
    return float(lon0), float(false_easting)


def gk_zone_epsg(zone: int) -> tuple[str, int] | None:
    """``('3°', EPSG)`` or ``('6°', EPSG)`` of a CGCS2000 Gauss-Krüger zone with prefix.

    3° zones 25-45 → EPSG:4513-4533 (EPSG = 4513 + zone − 25); 6° zones 13-23 →
    EPSG:4491-4501 (domain.md).
    """
    if 25 <= zone <= 45:
        return "3°", 4513 + zone - 25
    if 13 <= zone <= 23:
        return "6°", 4491 + zone - 13
    return None


def gk_cm_epsg(lon0: float, width: str) -> int | None:
    """EPSG of the CGCS2000 Gauss-Krüger CRS *without* zone prefix for a central meridian.

    3°: CM 75-135°E → EPSG:4534-4554; 6°: CM 75-135°E → EPSG:4502-4512.
    """
    step = 3 if width == "3°" else 6
    if lon0 < 75 or lon0 > 135 or (lon0 - 75) % step:
        return None
    return (4534 if step == 3 else 4502) + int((lon0 - 75) // step)


def crs_mismatch_hint(crs, bounds, *, zh: bool = False) -> str | None:
    """Why coordinates with ``bounds`` (in their own units) do not fit ``crs``, with the fix.

    Recognises Gauss-Krüger eastings with a zone prefix (7-8 digits, e.g.
    37512345) under a ``.prj`` without prefix (false easting 500000), the
    reverse, and metres under a geographic CRS. ``zh=True``: the same in Chinese.
    """
    minx, _, maxx, _ = bounds
    if not (math.isfinite(minx) and math.isfinite(maxx)):
        return None
    zone = int(minx // 1_000_000)
    prefixed = minx >= 1_000_000 and int(maxx // 1_000_000) == zone and gk_zone_epsg(zone)
    tm = _transverse_mercator(crs)
    if prefixed:
        width, epsg = prefixed
        if zh:
            found = (f".prj/坐标系为不带带号的高斯-克吕格投影（东偏 500000，中央经线 {tm[0]:g}°E）"
                     if tm and tm[1] == 500_000 else
                     f"坐标系为 {crs_label(crs)}" if crs is not None else "没有坐标系")
            return (f"其东坐标（如 {minx:.0f}）带有高斯-克吕格带号 {zone}（{width} 带），"
                    f"但{found}；"
                    f"请传入 --crs EPSG:{epsg}（CGCS2000 {width} 高斯-克吕格第 {zone} 带），"
                    "或您所用基准的带带号坐标系")
        found = (f"the .prj/CRS is Gauss-Krüger without zone prefix (false easting 500000, "
                 f"central meridian {tm[0]:g}°E)" if tm and tm[1] == 500_000 else
                 f"the CRS is {crs_label(crs)}" if crs is not None else "no CRS")
        return (f"its eastings (e.g. {minx:.0f}) carry the Gauss-Krüger zone prefix {zone} "
                f"({width} zone) but {found}; pass --crs EPSG:{epsg} (CGCS2000 {width} "
                f"Gauss-Krüger zone {zone}), or the zone-prefixed CRS of your datum")
    if tm and tm[1] >= 1_000_000 and maxx < 1_000_000:
        zone = int(tm[1] // 1_000_000)
        width = (gk_zone_epsg(zone) or ("3°", 0))[0]
        epsg = gk_cm_epsg(tm[0], width)
        fix = f"pass --crs EPSG:{epsg}" if epsg else "use the same zone without prefix"
        if zh:
            fix = f"请传入 --crs EPSG:{epsg}" if epsg else "请使用不带带号的同一投影带"
            return (f"其东坐标（如 {minx:.0f}）不带带号，但坐标系 {crs_label(crs)} 要求带号 "
                    f"{zone}；{fix}（CGCS2000 {width} 高斯-克吕格，中央经线 {tm[0]:g}°E，"
                    "不带带号）")
        return (f"its eastings (e.g. {minx:.0f}) have no zone prefix but the CRS "
                f"{crs_label(crs)} expects prefix {zone}; {fix} (CGCS2000 {width} "
                f"Gauss-Krüger CM {tm[0]:g}°E without prefix)")
    miny, maxy = bounds[1], bounds[3]
    if crs is not None and crs.is_geographic and 37 <= minx <= maxx <= 54 and \
            97 <= miny <= maxy <= 127:
        if zh:
            return (f"经纬度似乎颠倒了（x {minx:g}-{maxx:g} 是纬度，y {miny:g}-{maxy:g} 是经度）；"
                    "请令 x = 经度、y = 纬度（GeoJSON 和 KML 总是经度在前、纬度在后）")
        return (f"longitude and latitude look swapped (x {minx:g}-{maxx:g} are latitudes, y "
                f"{miny:g}-{maxy:g} longitudes); write x = longitude, y = latitude (GeoJSON "
                "and KML always use lon, lat order)")
    if crs is not None and crs.is_geographic and (abs(minx) > 360 or abs(maxx) > 360):
        if zh:
            return (f"坐标系是地理坐标（度），但坐标（如 {minx:.0f}）是米；请用 --crs 传入其投影"
                    "坐标系（高斯-克吕格：不带带号为 EPSG:4534-4554，带带号为 EPSG:4513-4533）")
        return (f"the CRS is geographic (degrees) but the coordinates (e.g. {minx:.0f}) are "
                "metres; pass --crs with their projected CRS (Gauss-Krüger: EPSG:4534-4554 "
                "without zone prefix, EPSG:4513-4533 with prefix)")
    return None


# --- reading ------------------------------------------------------------------------
def _library_errors() -> tuple[type[BaseException], ...]:
    import pandas as pd
    import pyproj
    import rasterio.errors
    import shapely.errors
    from rasterio._err import CPLE_BaseError

    return (RuntimeError, OSError, ValueError, UnicodeError, EOFError, MemoryError,
            NotImplementedError, zipfile.BadZipFile, zlib.error, pd.errors.ParserError,
            rasterio.errors.RasterioError, CPLE_BaseError, shapely.errors.GEOSException,
            pyproj.exceptions.ProjError)


@contextmanager
def reading(label: str, what: str):
    """Turn a reader library's exception into a ``DataFileError`` naming the file."""
    try:
        yield
    except SitingError:
        raise
    except _library_errors() as exc:
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else \
            type(exc).__name__
        if isinstance(exc, MemoryError):
            detail = "not enough memory"
        detail_zh = "内存不足" if isinstance(exc, MemoryError) else detail
        what_zh = {**{v: FORMAT_NAMES_ZH[k] for k, v in FORMAT_NAMES.items()},
                   "a GeoTIFF": "GeoTIFF"}.get(what, what)
        raise DataFileError(f"{label} could not be read as {what}: {detail}. Check that it "
                            "opens in QGIS, or export it again",
                            zh=f"{label} 无法作为 {what_zh} 读取：{detail_zh}。请检查它能否在 QGIS "
                               "中打开，或重新导出") from None


def _fix_columns(gdf, notes: list[str]):
    """Rename columns a GeoPackage cannot hold (``fid``, duplicates ignoring case)."""
    seen, renames = set(), {}
    for column in gdf.columns:
        if column == gdf.geometry.name:
            continue
        new = str(column)
        while new.lower() in seen or new.lower() == "fid":
            new = f"{new}_1"
        seen.add(new.lower())
        if new != column:
            renames[column] = new
    if renames:
        notes.append("renamed columns " + ", ".join(f"{a!r}→{b!r}" for a, b in renames.items()))
        gdf = gdf.rename(columns=renames)
    return gdf


#: Columns the LIBKML driver adds to every layer: text ones are dropped when
#: empty, display settings when they hold one value for all (the default).
KML_TEXT_FIELDS = ("id", "Name", "description", "snippet")
KML_DISPLAY_FIELDS = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
                      "visibility", "drawOrder", "icon")


def _drop_empty_kml_fields(gdf):
    drop = [c for c in KML_TEXT_FIELDS if c in gdf.columns and gdf[c].isna().all()]
    drop += [c for c in KML_DISPLAY_FIELDS if c in gdf.columns and gdf[c].nunique() <= 1]
    return gdf.drop(columns=drop)


def _vector_layers(path: Path) -> list[str]:
    import pyogrio

    layers = pyogrio.list_layers(path)
    return [str(name) for name, geometry_type in layers if geometry_type is not None]


def _pick_layer(path: Path, fmt: str, label: str, layer: str | None) -> list[str]:
    names = _vector_layers(path)
    if not names:
        raise DataFileError(f"{label} holds no layer with geometries; export the features "
                            "again, with their geometry",
                            zh=f"{label} 中没有带几何图形的图层；请连同几何图形重新导出要素")
    if layer is not None:
        if layer not in names:
            raise DataFileError(f"{label} has no layer {layer!r}; its layers: "
                                f"{', '.join(names)}",
                                zh=f"{label} 中没有图层 {layer!r}；其图层：{', '.join(names)}")
        return [layer]
    if len(names) > 1 and fmt != "kml":
        raise DataFileError(f"{label} holds {len(names)} layers: {', '.join(names)}; say "
                            f"which one with --layer NAME (e.g. --layer {names[0]})",
                            zh=f"{label} 含有 {len(names)} 个图层：{', '.join(names)}；请用 "
                               f"--layer NAME 指定一个（如 --layer {names[0]}）")
    return names


def _shapefile_encoding(path: Path, label: str, encoding: str | None) -> tuple[str, str | None]:
    """(encoding to read with, note) for a Shapefile: override, .cpg, or detection."""
    if encoding:
        return encoding, None
    cpg = _sidecar(path, ".cpg")
    if cpg is not None:
        declared = cpg.read_bytes()[:64].decode("ascii", errors="replace").strip()
        known = {"936": "gbk", "cp936": "gbk", "65001": "utf-8"}.get(declared.lower(), declared)
        try:
            return codecs.lookup(known).name, None
        except LookupError:
            raise DataFileError(f"{label}: its .cpg names the encoding {declared!r}, which "
                                "Python does not know; pass --encoding (e.g. gbk or "
                                "utf-8)",
                                zh=f"{label}：其 .cpg 写的编码 {declared!r} Python 不认识；请传入 "
                                   "--encoding（如 gbk 或 utf-8）") from None
    dbf = _sidecar(path, ".dbf")
    with open(dbf, "rb") as f:
        sample = f.read(DBF_SAMPLE_BYTES + 65536)
    detected = detect_text_encoding(dbf_text_bytes(sample))
    if detected is None:
        raise DataFileError(f"{label}: the attribute text (.dbf) is neither UTF-8 nor GBK/"
                            "GB18030 and there is no .cpg saying what it is; pass --encoding "
                            "(e.g. big5 or latin-1)",
                            zh=f"{label}：属性文本（.dbf）既不是 UTF-8 也不是 GBK/GB18030，且没有 "
                               ".cpg 说明其编码；请传入 --encoding（如 big5 或 latin-1）")
    note = (f"no .cpg: attribute text detected as {detected.upper()}"
            if detected != "ascii" else None)
    return detected, note


def _read_shapefile(path: Path, label: str, encoding: str | None, crs, notes: list[str]):
    import pyogrio

    missing = [ext for ext in (".dbf", ".shx") if _sidecar(path, ext) is None]
    if missing:
        raise DataFileError(f"{label} has no {' or '.join(path.stem + e for e in missing)} "
                            "beside it; a Shapefile needs its .shp, .shx and .dbf (and .prj "
                            "for the CRS): upload them together or as one .zip",
                            zh=f"{label} 旁边没有 {' 或 '.join(path.stem + e for e in missing)}；"
                               "Shapefile 需要 .shp、.shx 和 .dbf（坐标系还需 .prj）：请一起上传，"
                               "或打包为一个 .zip")
    used, note = _shapefile_encoding(path, label, encoding)
    if note:
        notes.append(note)
    read_as = "utf-8" if used == "ascii" else used
    gdf = pyogrio.read_dataframe(path, encoding=read_as)
    if gdf.crs is None and crs is None:
        no_prj = _sidecar(path, ".prj") is None
        problem = ("has no .prj file, so its coordinates have no coordinate reference system"
                   if no_prj else
                   "has a .prj that does not describe a coordinate reference system")
        problem_zh = "没有 .prj 文件，其坐标没有坐标系" if no_prj else \
            "的 .prj 没有描述坐标系"
        raise CRSError(f"{label} {problem}; add the .prj that came with it, or pass --crs "
                       "EPSG:4490 (CGCS2000 lon/lat) or the Gauss-Krüger EPSG code "
                       "(e.g. EPSG:4527)",
                       zh=f"{label} {problem_zh}；请补上随数据提供的 .prj，或传入 --crs "
                          "EPSG:4490（CGCS2000 经纬度）或高斯-克吕格投影的 EPSG 代码"
                          "（如 EPSG:4527）")
    return gdf, used


# CSV columns: names compared after lower-casing and dropping brackets, units and blanks.
LON_NAMES = ("longitude", "lon", "lng", "经度", "东经", "x")
LAT_NAMES = ("latitude", "lat", "纬度", "北纬", "y")
_DMS = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分]\s*)?"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)\s*)?([NSEWnsew])?\s*$")


def _normalise_header(name: str) -> str:
    text = str(name).strip().lstrip("\ufeff").lower()
    text = re.sub(r"[(\[（【].*?[)\]）】]", "", text)
    return re.sub(r"[\s_\-°]+|deg$|degrees?$", "", text)


def find_coordinate_columns(columns) -> tuple[str, str] | None:
    """(lon column, lat column) among ``columns`` by common English/Chinese names."""
    normal = {_normalise_header(c): c for c in reversed(list(columns))}
    lon = next((normal[n] for n in LON_NAMES if n in normal), None)
    lat = next((normal[n] for n in LAT_NAMES if n in normal), None)
    return (lon, lat) if lon is not None and lat is not None else None


def parse_coordinate(text) -> float:
    """A decimal number or degrees-minutes-seconds (``111°30'36"E``, ``41度30分``), else NaN."""
    if text is None:
        return math.nan
    value = str(text).strip()
    if not value:
        return math.nan
    try:
        return float(value)
    except ValueError:
        match = _DMS.match(value)
        if not match:
            return math.nan
    degrees, minutes, seconds, hemisphere = match.groups()
    sign = -1.0 if degrees.startswith("-") or (hemisphere or "").upper() in ("S", "W") else 1.0
    return sign * (abs(float(degrees)) + float(minutes or 0) / 60 + float(seconds or 0) / 3600)


def _read_csv(path: Path, label: str, encoding: str | None, crs, notes: list[str]):
    import geopandas as gpd
    import pandas as pd

    raw = path.read_bytes()
    if encoding:
        used = encoding
    elif raw.startswith(codecs.BOM_UTF8):  # Excel's "CSV UTF-8"
        used = "utf-8"
    else:
        used = detect_text_encoding(raw)
        if used is None:
            raise DataFileError(f"{label}: the text is neither UTF-8 nor GBK/GB18030; pass "
                                "--encoding (e.g. big5)",
                                zh=f"{label}：文本既不是 UTF-8 也不是 GBK/GB18030；请传入 "
                                   "--encoding（如 big5）")
    text = raw.decode("utf-8-sig" if used in ("ascii", "utf-8") else used)
    first_lines = "\n".join(text.splitlines()[:20])
    delimiter = max(",;\t|", key=first_lines.count)
    table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    found = find_coordinate_columns(table.columns)
    if found is None:
        raise DataFileError(f"{label} has no longitude/latitude columns: its columns are "
                            f"{', '.join(map(str, table.columns))}; name them lon/lat, "
                            "longitude/latitude, x/y or 经度/纬度",
                            zh=f"{label} 没有经度/纬度列：其列为 "
                               f"{', '.join(map(str, table.columns))}；请将列名改为 lon/lat、"
                               "longitude/latitude、x/y 或 经度/纬度")
    lon_col, lat_col = found
    lon = table[lon_col].map(parse_coordinate).to_numpy(dtype=float)
    lat = table[lat_col].map(parse_coordinate).to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise DataFileError(f"{label}: no row has numeric coordinates in {lon_col!r}/"
                            f"{lat_col!r}; use decimal degrees such as 111.52 / 40.61",
                            zh=f"{label}：{lon_col!r}/{lat_col!r} 列中没有一行是数值坐标；"
                               "请使用十进制度数，如 111.52 / 40.61")
    degrees = (np.abs(lon[ok]) <= 180).all() and (np.abs(lat[ok]) <= 90).all()
    if crs is None:
        if not degrees:
            example = lon[ok][np.argmax(np.abs(lon[ok]))]
            raise CRSError(f"{label}: columns {lon_col!r}/{lat_col!r} hold values like "
                           f"{example:.0f}, not degrees; pass --crs with their CRS (e.g. "
                           "EPSG:4527 for CGCS2000 Gauss-Krüger zone 39 with zone prefix)",
                           zh=f"{label}：{lon_col!r}/{lat_col!r} 列的值形如 {example:.0f}，"
                              "不是度数；"
                              "请用 --crs 传入其坐标系（如带带号的 CGCS2000 高斯-克吕格第 39 带为 "
                              "EPSG:4527）")
        crs = "EPSG:4326"
        notes.append(f"coordinates from {lon_col!r}/{lat_col!r} read as WGS84 lon/lat "
                     "(CGCS2000 differs by < 1 m; pass --crs otherwise; Amap/Gaode GCJ-02 "
                     "coordinates are offset 0.3-0.6 km)")
    for column in table.columns:
        values = table[column]
        filled = values[values != ""]
        numbers = pd.to_numeric(filled, errors="coerce")
        # keep identifiers such as "007" as text
        if len(filled) and numbers.notna().all() and \
                not filled.str.match(r"^[+-]?0\d").any():
            table[column] = pd.to_numeric(values.mask(values == ""))
    points = gpd.points_from_xy(lon, lat)
    points[~ok] = None
    return gpd.GeoDataFrame(table, geometry=points, crs=crs), used


def _read_vector(path: Path, fmt: str, label: str, *, layer, encoding, crs, notes):
    """GeoDataFrame (source CRS, or None) and the text encoding of the source."""
    import pandas as pd
    import pyogrio

    if fmt == "csv":
        return _read_csv(path, label, encoding, crs, notes)
    if fmt == "shapefile":
        return _read_shapefile(path, label, encoding, crs, notes)
    if encoding:
        notes.append(f"--encoding ignored: {FORMAT_NAMES[fmt]} is UTF-8 by definition")
    names = _pick_layer(path, fmt, label, layer)
    frames = []
    for name in names:
        gdf = pyogrio.read_dataframe(path, layer=name)
        if fmt == "kml":
            gdf = _drop_empty_kml_fields(gdf)
            if len(names) > 1:
                gdf["kml_folder"] = name
        if len(gdf):
            frames.append(gdf)
    if len(names) > 1:
        notes.append(f"KML folders combined: {', '.join(names)} (column kml_folder)")
    if not frames:
        raise DataFileError(f"{label} has no features; export the layer again with its "
                            "features", zh=f"{label} 中没有要素；请连同要素重新导出该图层")
    gdf = frames[0] if len(frames) == 1 else \
        pd.concat(frames, ignore_index=True).set_crs(frames[0].crs, allow_override=True)
    return gdf, "utf-8"


# --- vector checks ----------------------------------------------------------------
_FAMILY = {"Point": _POINT, "MultiPoint": _POINT, "LineString": _LINE,
           "MultiLineString": _LINE, "LinearRing": _LINE, "Polygon": _POLY,
           "MultiPolygon": _POLY}


def _keep_families(geometry, families):
    """The parts of ``geometry`` of the wanted families (None if none)."""
    import shapely

    kind = geometry.geom_type
    if kind in _FAMILY:
        return geometry if _FAMILY[kind] in families else None
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in _FAMILY
             and _FAMILY[p.geom_type] in families and not p.is_empty]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return shapely.union_all(parts) if _POLY in families and \
        all(_FAMILY[p.geom_type] == _POLY for p in parts) else shapely.GeometryCollection(parts)


@dataclass
class VectorChecked:
    """A vector layer after CRS, geometry and region checks (EPSG:4326)."""

    gdf: object
    fixed: int
    dropped_empty: int
    dropped_other_type: int
    coverage: float
    bounds_wgs84: list[float]


def clean_vector(gdf, spec: RoleSpec, label: str, region: Region, *, crs=None,
                 notes: list[str]) -> VectorChecked:
    """Assign/override the CRS, drop empty geometries, repair invalid ones, keep the
    role's geometry types, reproject to EPSG:4326 and check the region overlap."""
    import geopandas as gpd
    import shapely

    from siting.grid import ALBERS_CRS

    if len(gdf) == 0:
        raise DataFileError(f"{label} has no features; export the layer again with its "
                            "features", zh=f"{label} 中没有要素；请连同要素重新导出该图层")
    if crs is not None:
        if gdf.crs is not None and not gdf.crs.equals(crs):
            notes.append(f"CRS {crs_label(gdf.crs)} of the file replaced by --crs "
                         f"{crs_label(crs)}")
        gdf = gdf.set_crs(crs, allow_override=True)
    if gdf.crs is None:
        raise CRSError(f"{label} has no coordinate reference system; pass --crs EPSG:4490 "
                       "(CGCS2000 lon/lat) or the right Gauss-Krüger EPSG code, or add the "
                       ".prj that came with it",
                       zh=f"{label} 没有坐标系；请传入 --crs EPSG:4490（CGCS2000 经纬度）或正确的"
                          "高斯-克吕格投影 EPSG 代码，或补上随数据提供的 .prj")
    source_crs = gdf.crs
    geoms = gdf.geometry.array
    empty = shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms))
    dropped_empty = int(empty.sum())
    if dropped_empty == len(gdf):
        raise DataFileError(f"{label} has {len(gdf)} features but none has a geometry (all "
                            "null or empty); export them again with their shapes",
                            zh=f"{label} 有 {len(gdf)} 个要素，但都没有几何图形（全部为空）；"
                               "请连同形状重新导出")
    gdf = gdf.loc[~empty].copy()
    gdf = gdf.set_geometry(gpd.GeoSeries(shapely.force_2d(np.asarray(gdf.geometry.array)),
                                         index=gdf.index, crs=source_crs))
    source_bounds = gdf.total_bounds
    wgs = gdf.to_crs(STORED_VECTOR_CRS)
    geoms = np.array(wgs.geometry.array, dtype=object)
    finite = np.isfinite(shapely.bounds(geoms)).all(axis=1)
    if not finite.any():
        raise _no_overlap(label, region, [math.nan] * 4, source_crs, source_bounds)
    invalid = ~shapely.is_valid(geoms) & finite
    fixed = int(invalid.sum())
    if fixed:
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    kept = [_keep_families(g, spec.geometries) if ok else None
            for g, ok in zip(geoms, finite, strict=True)]
    kept_mask = np.array([g is not None for g in kept])
    collapsed = int((invalid & ~kept_mask).sum()) + int((~finite).sum())
    other = int((~kept_mask).sum()) - collapsed
    if not kept_mask.any():
        found = sorted({g.geom_type for g in geoms if g is not None})
        raise DataFileError(f"{label}: role {spec.role!r} needs {' or '.join(spec.geometries)} "
                            f"geometries, but the file holds {', '.join(found) or 'none'}; "
                            "choose the role that fits or export the right layer",
                            zh=f"{label}：用途 {spec.role!r}（{spec.name_zh}）需要"
                               f"{'或'.join(_GEOM_ZH[g] for g in spec.geometries)}要素，但文件中是"
                               f"{'、'.join(_GEOM_ZH.get(g, g) for g in found) or '无'}；"
                               "请选择合适的用途，或导出正确的图层")
    wgs = wgs.loc[kept_mask].copy()
    wgs = wgs.set_geometry(gpd.GeoSeries([g for g in kept if g is not None], index=wgs.index,
                                         crs=STORED_VECTOR_CRS))
    if other:
        notes.append(f"{other} feature(s) of other geometry types dropped (role {spec.role!r} "
                     f"takes {' or '.join(spec.geometries)})")
    inside = shapely.intersects(np.asarray(wgs.geometry.array), region.geometry)
    bounds = [float(v) for v in wgs.total_bounds]
    if not inside.any():
        raise _no_overlap(label, region, bounds, source_crs, source_bounds)
    if not inside.all():
        notes.append(f"{int((~inside).sum())} of {len(wgs)} features lie outside "
                     f"{region.name}")
    hull = shapely.GeometryCollection(list(wgs.to_crs(ALBERS_CRS).geometry)).convex_hull
    coverage = float(shapely.intersection(hull, region.albers).area / 1e6 / region.area_km2)
    return VectorChecked(gdf=wgs, fixed=fixed, dropped_empty=dropped_empty + collapsed,
                         dropped_other_type=other, coverage=min(1.0, coverage),
                         bounds_wgs84=bounds)


# --- raster checks ------------------------------------------------------------------
def _row_windows(height: int, width: int):
    from rasterio.windows import Window

    rows = max(1, BLOCK_CELLS // max(width, 1))
    for top in range(0, height, rows):
        yield Window(0, top, width, min(rows, height - top))


def _masked(src, **kwargs):
    data = src.read(1, masked=True, **kwargs).astype("float64")
    return np.ma.masked_invalid(data)


def choose_units(spec: RoleSpec, mean: float, vmin: float, vmax: float,
                 label: str) -> tuple[float, str | None]:
    """(factor, note) that brings a raster's values into the role's units.

    Values whose mean already lies in ``spec.valid_range`` are kept; otherwise
    the role's known alternative units (``spec.conversions``) are tried by
    their mean. The converted minimum and maximum must lie in the range.

    Raises
    ------
    DataFileError
        No unit fits: the message quotes the values and the expected range.
    """
    low, high = spec.valid_range
    factor, note = 1.0, None
    if not low <= mean <= high:
        for guess in spec.conversions:
            if guess.mean_range[0] <= mean <= guess.mean_range[1]:
                factor = guess.factor
                note = (f"values (mean {mean:.4g}) read as {guess.label}; converted to "
                        f"{spec.units} (× {guess.factor:.4g})")
                break
    if not (low <= vmin * factor and vmax * factor <= high):
        known = "".join(f"; or {g.label} (mean {g.mean_range[0]:g}-{g.mean_range[1]:g})"
                        for g in spec.conversions)
        hint = f"; {spec.hint}" if spec.hint else ""
        known_zh = "".join(f"；或 {g.label_zh or g.label}"
                           f"（均值 {g.mean_range[0]:g}-{g.mean_range[1]:g}）"
                           for g in spec.conversions)
        hint_zh = f"；{spec.hint_zh}" if spec.hint_zh else ""
        raise DataFileError(f"{label}: values {vmin:.4g} to {vmax:.4g} (mean {mean:.4g}) do "
                            f"not fit {spec.name_en} in {spec.units}: expected {low:g} to "
                            f"{high:g} {spec.units}{known}{hint}",
                            zh=f"{label}：数值 {vmin:.4g} 至 {vmax:.4g}（均值 {mean:.4g}）不符合"
                               f"{spec.name_zh}（单位 {spec.units}）：应为 {low:g} 至 {high:g} "
                               f"{spec.units}{known_zh}{hint_zh}")
    return factor, note


def raster_coverage(valid, transform, crs, region: Region) -> float:
    """Share of the region's sample points that fall on valid cells of a raster.

    ``valid`` is a boolean array on ``transform`` (which may be a reduced read).
    """
    from pyproj import Transformer

    to_raster = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = to_raster.transform(region.sample_lon, region.sample_lat, errcheck=False)
    cols, rows = ~transform @ (np.asarray(xs), np.asarray(ys))
    ok = np.isfinite(cols) & np.isfinite(rows)
    cols = np.floor(np.where(ok, cols, -1)).astype(np.int64)
    rows = np.floor(np.where(ok, rows, -1)).astype(np.int64)
    ok &= (cols >= 0) & (rows >= 0) & (cols < valid.shape[1]) & (rows < valid.shape[0])
    hits = np.zeros(len(cols), dtype=bool)
    hits[ok] = valid[rows[ok], cols[ok]]
    return float(hits.mean()) if len(hits) else 0.0


def _bounds_wgs84(crs, bounds) -> list[float]:
    """[minlon, minlat, maxlon, maxlat] of ``bounds`` in ``crs`` (NaN if they do not transform)."""
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    try:
        to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        out = to_wgs84.transform_bounds(*bounds, densify_pts=21, errcheck=True)
    except ProjError:
        return [math.nan] * 4
    return [float(v) if math.isfinite(v) else math.nan for v in out]


@dataclass
class RasterChecked:
    """Facts about a checked raster: ``factor`` brings its values into the role's units."""

    width: int
    height: int
    crs: object
    coverage: float
    bounds_wgs84: list[float]
    value_range: list[float]
    nodata_share: float
    factor: float = 1.0
    nodata: float | None = None


def _open_geotiff(path: Path):
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        return rasterio.open(path, driver="GTiff")


def check_raster_header(src, label: str, limits: Limits) -> None:
    """Refuse a raster by its header alone, before any cell is read.

    Width × height, the longest side (a row is read at once) and the
    uncompressed size of one internal strip or tile (GDAL holds a whole block)
    are all bounded, so a tiny file declaring a 1 × 590,000,000 row is refused
    without allocating it.

    Raises
    ------
    UnsafeFileError
    """
    fix = "clip it to the region or coarsen it (gdalwarp -te 97 37 127 54 -tr …)"
    fix_zh = "请裁剪到研究区或降低分辨率（gdalwarp -te 97 37 127 54 -tr …）"
    width, height = int(src.width), int(src.height)
    if width * height > limits.max_raster_cells:
        raise UnsafeFileError(f"{label} has {width} × {height} cells, more than the limit of "
                              f"{limits.max_raster_cells:,}; {fix}",
                              zh=f"{label} 有 {width} × {height} 个像元，超过 "
                                 f"{limits.max_raster_cells:,} 的上限；{fix_zh}")
    if max(width, height) > limits.max_raster_side:
        raise UnsafeFileError(f"{label} has {width} × {height} cells: a side longer than the "
                              f"limit of {limits.max_raster_side:,} cells; {fix}",
                              zh=f"{label} 有 {width} × {height} 个像元：一边长于 "
                                 f"{limits.max_raster_side:,} 个像元的上限；{fix_zh}")
    itemsize = max(np.dtype(dtype).itemsize for dtype in src.dtypes)
    block_rows, block_cols = src.block_shapes[0]
    block_bytes = int(block_rows) * int(block_cols) * itemsize * (
        src.count if src.interleaving is not None and src.interleaving.name == "PIXEL" else 1)
    if block_bytes > limits.max_raster_block_bytes:
        raise UnsafeFileError(f"{label} stores its cells in blocks of {block_cols} × "
                              f"{block_rows} ({safezip.human_size(block_bytes)} each), more "
                              f"than the limit of "
                              f"{safezip.human_size(limits.max_raster_block_bytes)}; write it "
                              "again tiled (gdal_translate -co TILED=YES IN.tif OUT.tif)",
                              zh=f"{label} 以 {block_cols} × {block_rows} 的块存储像元（每块 "
                                 f"{safezip.human_size(block_bytes)}），超过 "
                                 f"{safezip.human_size(limits.max_raster_block_bytes)} 的上限；"
                                 "请以分块方式重新写出"
                                 "（gdal_translate -co TILED=YES IN.tif OUT.tif）")


def check_raster(path: Path, spec: RoleSpec, label: str, region: Region, *, crs=None,
                 limits: Limits, notes: list[str]) -> RasterChecked:
    """Check a GeoTIFF for ``spec`` without writing anything.

    Size, georeferencing and CRS, then every block is read once (a truncated
    file fails here), the value range is matched to the role's units
    (``choose_units``) and the valid cells must overlap ``region``.
    """
    from affine import Affine
    from pyproj import CRS
    from rasterio.enums import Resampling

    with _open_geotiff(path) as src:
        check_raster_header(src, label, limits)
        if src.transform.is_identity and not src.gcps[0]:
            raise DataFileError(f"{label} has no georeferencing (no geotransform): it is a "
                                "picture, not a map; export it again as a GeoTIFF with its "
                                "coordinates",
                                zh=f"{label} 没有地理参考（没有地理变换参数）：它是一张图片，"
                                   "不是地图；请连同坐标重新导出为 GeoTIFF")
        if src.count > 1:
            notes.append(f"{src.count} bands: band 1 imported")
        file_crs = CRS.from_user_input(src.crs) if src.crs else None
        if crs is not None and file_crs is not None and not file_crs.equals(crs):
            notes.append(f"CRS {crs_label(file_crs)} of the file replaced by --crs "
                         f"{crs_label(crs)}")
        crs = crs or file_crs
        if crs is None:
            raise CRSError(f"{label} has no coordinate reference system; pass --crs EPSG:4490 "
                           "(CGCS2000) or the CRS it was made in, or assign one with "
                           "`gdal_edit.py -a_srs EPSG:4490 FILE`",
                           zh=f"{label} 没有坐标系；请传入 --crs EPSG:4490（CGCS2000）或其制作时"
                              "所用的坐标系，或用 `gdal_edit.py -a_srs EPSG:4490 FILE` 指定一个")
        source_bounds = tuple(src.bounds)
        bounds = _bounds_wgs84(crs, source_bounds)

        vmin, vmax, total, count = math.inf, -math.inf, 0.0, 0
        for window in _row_windows(src.height, src.width):
            block = _masked(src, window=window)
            values = block.compressed()
            if values.size:
                vmin, vmax = min(vmin, values.min()), max(vmax, values.max())
                total += float(values.sum())
                count += values.size
        if count == 0:
            raise DataFileError(f"{label} holds only nodata; check its nodata value "
                                f"({src.nodata}) or export it again",
                                zh=f"{label} 中全是无数据值（nodata）；请检查其 nodata 值"
                                   f"（{src.nodata}）或重新导出")
        factor, note = choose_units(spec, total / count, vmin, vmax, label)
        if note:
            notes.append(note)

        scale = max(src.width, src.height) / COVERAGE_SAMPLE_PX
        if scale > 1:
            shape = (max(1, round(src.height / scale)), max(1, round(src.width / scale)))
            sample = _masked(src, out_shape=shape, resampling=Resampling.nearest)
            sample_transform = src.transform @ Affine.scale(src.width / shape[1],
                                                            src.height / shape[0])
        else:
            sample, sample_transform = _masked(src), src.transform
        coverage = raster_coverage(~np.ma.getmaskarray(sample), sample_transform, crs, region)
        if coverage == 0:
            raise _no_overlap(label, region, bounds, crs, source_bounds)
        return RasterChecked(width=src.width, height=src.height, crs=crs, coverage=coverage,
                             bounds_wgs84=bounds,
                             value_range=[round(float(vmin) * factor, 6),
                                          round(float(vmax) * factor, 6)],
                             nodata_share=round(1 - count / (src.width * src.height), 6),
                             factor=factor, nodata=src.nodata)


def import_raster(path: Path, spec: RoleSpec, label: str, region: Region, out_path: Path, *,
                  crs=None, limits: Limits, notes: list[str]) -> RasterChecked:
    """Check a GeoTIFF for ``spec`` (``check_raster``) and write it as float32 GeoTIFF
    to ``out_path``.

    Nodata (the file's nodata value, its mask and NaN) is kept as nodata;
    values are converted to the role's units when recognised (see
    ``choose_units``). Processes blocks of rows, so memory stays bounded.
    """
    checked = check_raster(path, spec, label, region, crs=crs, limits=limits, notes=notes)
    _write_raster(path, checked, spec, label, out_path)
    return checked


def _write_raster(path: Path, checked: RasterChecked, spec: RoleSpec, label: str,
                  out_path: Path) -> None:
    import rasterio

    with _open_geotiff(path) as src:
        profile = {"driver": "GTiff", "dtype": "float32", "count": 1, "width": src.width,
                   "height": src.height, "crs": checked.crs, "transform": src.transform,
                   "nodata": NODATA, "compress": "deflate"}
        if src.width >= 512 and src.height >= 512:
            profile.update(tiled=True, blockxsize=256, blockysize=256)
        with rasterio.open(out_path, "w", **profile) as dst:
            for window in _row_windows(src.height, src.width):
                block = _masked(src, window=window) * checked.factor
                dst.write(block.filled(NODATA).astype("float32"), 1, window=window)
            dst.update_tags(1, units=spec.units)
            dst.update_tags(source=label, role=spec.role)


# --- staging and unpacking -----------------------------------------------------------
#: Longest upload file name accepted, characters (file systems allow 255 bytes).
MAX_FILENAME_CHARS = 200


def _shown(name: str, limit: int = 60) -> str:
    text = repr(str(name)[:limit * 2])
    return text if len(text) <= limit else f"{text[:limit]}…' ({len(str(name)):,} characters)"


def _what_zh(what: str) -> str:
    return {"file name": "文件名", "sidecar name": "附属文件名"}.get(what, what)


def _safe_basename(name: str, what: str = "file name") -> str:
    base = PurePosixPath(str(name).replace("\\", "/")).name
    if not base or base in (".", "..") or "\x00" in base:
        raise UnsafeFileError(f"{what} {_shown(name)} is not a usable file name",
                              zh=f"{_what_zh(what)} {_shown(name)} 不是可用的文件名")
    if len(base) > MAX_FILENAME_CHARS or len(base.encode("utf-8")) > 250 or \
            not base.isprintable():
        raise UnsafeFileError(f"{what} {_shown(base)} is longer than {MAX_FILENAME_CHARS} "
                              "characters or holds control characters; rename the file",
                              zh=f"{_what_zh(what)} {_shown(base)} 超过 {MAX_FILENAME_CHARS} "
                                 "个字符或含有控制字符；请重命名该文件")
    return base


def _stage(source, filename, sidecars, folder: Path, limits: Limits) -> tuple[Path, str]:
    """The file to import (path) and the name shown in messages.

    Bytes are written into ``folder``; a path is used where it is, after its
    size (with Shapefile sidecars) is checked against the upload limit.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        if not filename:
            raise SitingError("importing bytes needs the upload's filename (e.g. 'wind.tif')",
                              zh="导入字节数据需要上传文件的文件名（如 'wind.tif'）")
        files = {_safe_basename(filename): bytes(source)}
        for name, data in (sidecars or {}).items():
            base = _safe_basename(name, "sidecar name")
            if Path(base).suffix.lower() not in SHAPEFILE_SIDECARS:
                raise UnsafeFileError(f"sidecar {name!r} is not a Shapefile sidecar "
                                      f"({', '.join(SHAPEFILE_SIDECARS)})",
                                      zh=f"附属文件 {name!r} 不是 Shapefile 的附属文件"
                                         f"（{', '.join(SHAPEFILE_SIDECARS)}）")
            files[base] = bytes(data)
        label = _safe_basename(filename)
        total = sum(len(d) for d in files.values())
        _check_upload_size(label, total, limits)
        folder.mkdir(parents=True)
        for base, data in files.items():
            (folder / base).write_bytes(data)
        return folder / label, label
    if sidecars:
        raise SitingError("sidecars are only for uploads given as bytes",
                          zh="附属文件（sidecars）只用于以字节形式提供的上传")
    path = Path(source).expanduser()
    label = path.name
    if not path.exists():
        raise DataFileError(f"{path} not found; check the path",
                            zh=f"找不到 {path}；请检查路径")
    if path.is_dir():
        raise DataFileError(f"{path} is a folder; pass the file itself (.shp, .tif, .gpkg, "
                            ".geojson, .kml/.kmz, .csv) or a .zip of a Shapefile",
                            zh=f"{path} 是一个文件夹；请给出文件本身（.shp、.tif、.gpkg、.geojson、"
                               ".kml/.kmz、.csv）或 Shapefile 的 .zip 压缩包")
    total = path.stat().st_size
    if path.suffix.lower() == ".shp":
        total += sum(p.stat().st_size for ext in SHAPEFILE_SIDECARS
                     if (p := _sidecar(path, ext)) is not None)
    _check_upload_size(label, total, limits)
    return path, label


def _check_upload_size(label: str, total: int, limits: Limits):
    if total > limits.max_upload_bytes:
        raise UnsafeFileError(f"{label} is {safezip.human_size(total)}, more than the upload "
                              f"limit of {safezip.human_size(limits.max_upload_bytes)}; clip it "
                              "to the region first (rasters: gdalwarp -te 97 37 127 54; "
                              "vectors: ogr2ogr -spat 97 37 127 54) or raise the limit "
                              f"(--max-upload-mb, ${MAX_UPLOAD_ENV})",
                              zh=f"{label} 大小为 {safezip.human_size(total)}，超过上传上限 "
                                 f"{safezip.human_size(limits.max_upload_bytes)}；请先裁剪到研究区"
                                 "（栅格：gdalwarp -te 97 37 127 54；矢量：ogr2ogr -spat 97 37 127 "
                                 f"54），或提高上限（--max-upload-mb、${MAX_UPLOAD_ENV}）")


def _primary_files(files) -> list[Path]:
    primary = {ext for ext, fmt in FORMATS.items() if fmt not in ("zip", "kmz")}
    return [f for f in files if f.suffix.lower() in primary]


def _unpack(path: Path, fmt: str, label: str, folder: Path, layer: str | None,
            limits: Limits, notes: list[str]) -> tuple[Path, str, str, str | None]:
    """For a zip/KMZ: the dataset inside (path, format, label); else the input itself.

    Returns the layer still to pick inside the dataset (``None`` once
    ``layer`` chose a zip member).
    """
    if fmt not in ("zip", "kmz"):
        return path, fmt, label, layer
    extensions = {".kml"} if fmt == "kmz" else ZIP_EXTENSIONS
    folder.mkdir(parents=True)
    with reading(label, FORMAT_NAMES[fmt]):
        extracted = safezip.extract(path, folder, extensions=extensions, label=label,
                                    max_bytes=limits.max_unzipped_bytes,
                                    max_members=limits.max_zip_members)
    datasets = _primary_files(extracted.files)
    shown = [str(p.relative_to(folder)) for p in datasets]
    if fmt == "kmz":
        if not datasets:
            raise DataFileError(f"{label} holds no .kml document; export the KMZ again",
                                zh=f"{label} 中没有 .kml 文档；请重新导出 KMZ")
        main = next((p for p in datasets if p.name.lower() == "doc.kml"), datasets[0])
        return main, "kml", f"{label}/{main.relative_to(folder)}", layer
    if not datasets:
        members = ", ".join(extracted.skipped[:10]) or "nothing"
        raise DataFileError(f"{label} holds no layer file (found: {members}); expected a "
                            ".shp with .shx/.dbf/.prj, or one .tif, .gpkg, .geojson, .kml or "
                            ".csv", zh=f"{label} 中没有图层文件（找到：{members}）；应为带 "
                                      ".shx/.dbf/.prj 的 .shp，或一个 .tif、.gpkg、.geojson、"
                                      ".kml 或 .csv")
    if len(datasets) > 1:
        chosen = [p for p, s in zip(datasets, shown, strict=True)
                  if layer in (s, p.name, p.stem)]
        if len(chosen) != 1:
            raise DataFileError(f"{label} holds {len(datasets)} layer files: "
                                f"{', '.join(shown)}; say which with --layer NAME (e.g. "
                                f"--layer {datasets[0].stem})",
                                zh=f"{label} 含有 {len(datasets)} 个图层文件：{', '.join(shown)}；"
                                   f"请用 --layer NAME 指定一个（如 --layer {datasets[0].stem}）")
        datasets, layer = chosen, None
    dataset = datasets[0]
    inner_label = f"{label}/{dataset.relative_to(folder)}"
    return dataset, check_format(dataset, inner_label), inner_label, layer


# --- the summary and landing ----------------------------------------------------------
@dataclass
class ImportSummary:
    """What ``import_file`` did; ``to_dict()`` is the CLI's ``--json`` output.

    ``coverage`` is the share (0-1) of the region's area inside the layer's
    extent: valid cells of a raster, the convex hull of a vector's features.
    ``crs`` is the source CRS (after ``--crs``); vectors are stored in
    EPSG:4326, rasters in their own CRS (``stored_crs``).
    """

    id: str
    name: str
    role: str
    kind: str
    source: str
    format: str
    path: str
    crs: str
    stored_crs: str
    bounds_wgs84: list[float]
    coverage: float
    features: int | None = None
    width: int | None = None
    height: int | None = None
    geometry_types: list[str] = field(default_factory=list)
    fixed_geometries: int = 0
    dropped_empty: int = 0
    dropped_other_type: int = 0
    encoding: str | None = None
    columns: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    units: str = ""
    value_range: list[float] | None = None
    nodata_share: float | None = None
    notes: list[str] = field(default_factory=list)
    imported_at: str = ""
    replaced: bool = False
    #: Size (bytes) and modification time (ns) of the stored file: a run skips
    #: re-scanning a stored raster only while both are unchanged.
    file_size: int | None = None
    file_mtime_ns: int | None = None

    def to_dict(self) -> dict:
        """Plain JSON-ready dict."""
        return asdict(self)

    def scenario_update(self) -> dict:
        """The scenario fields that make a run use this layer.

        ``{"layers": {role: path}}``, or ``{"parcels_file": path}`` for parcels.
        """
        if self.role == "parcels":
            return {"parcels_file": self.path}
        return {"layers": {self.role: self.path}}


def _preview(gdf, rows: int = PREVIEW_ROWS) -> list[dict]:
    import pandas as pd

    out = []
    for _, row in gdf.drop(columns=gdf.geometry.name).head(rows).iterrows():
        out.append({str(k): (None if (not isinstance(v, list | tuple) and pd.isna(v)) else str(v))
                    for k, v in row.items()})
    return out


def _land(out_path: Path, summary: ImportSummary, target_dir: Path) -> ImportSummary:
    """Move the finished file and its summary into the workspace, atomically each."""
    final = target_dir / f"{summary.id}{out_path.suffix}"
    summary.path = str(final)
    summary.replaced = any((target_dir / f"{summary.id}{ext}").exists()
                           for ext in (".gpkg", ".tif"))
    workspace.atomic_copy(out_path, final)
    stat = final.stat()
    summary.file_size, summary.file_mtime_ns = stat.st_size, stat.st_mtime_ns
    other = final.with_suffix(".tif" if final.suffix == ".gpkg" else ".gpkg")
    other.unlink(missing_ok=True)
    workspace.atomic_write_json(final.with_suffix(".json"), {
        **summary.to_dict(),
        "provenance": {"type": "user", "source": summary.source, "licence": "as supplied by "
                       "the user", "method": f"imported as {summary.role} on "
                       f"{summary.imported_at}"}})
    return summary


def _noop(fraction, message):
    return None


@dataclass
class CheckedLayer:
    """A user's layer file after the import checks; nothing is stored.

    Attributes
    ----------
    role, kind, format : str
        Import role, ``"raster"`` or ``"vector"``, detected format.
    label : str
        The file's name as shown in messages (``archive.zip/member.shp`` inside a zip).
    path : Path
        The dataset that was checked (a zip member lives only during the check).
    crs : pyproj.CRS
        CRS of the data as read (vectors are stored in EPSG:4326 in ``vector.gdf``).
    notes : list of str
        What was fixed or assumed, for the user.
    encoding : str or None
        Attribute text encoding of a vector source.
    raster, vector : RasterChecked or VectorChecked
        The facts of the check (one of the two, by ``kind``).
    """

    role: str
    kind: str
    format: str
    label: str
    path: Path
    crs: object
    notes: list[str]
    encoding: str | None = None
    raster: RasterChecked | None = None
    vector: VectorChecked | None = None

    @property
    def gdf(self):
        """The checked features (EPSG:4326) of a vector layer."""
        return self.vector.gdf if self.vector is not None else None


def _check_dataset(path: Path, fmt: str, label: str, spec: RoleSpec, *, crs, encoding, layer,
                   limits: Limits, region: Region | None, unzip_dir: Path,
                   progress: Callable = _noop) -> CheckedLayer:
    """Every check of ``import`` on a staged file: unpack, kind, then raster or vector."""
    notes: list[str] = []
    path, fmt, label, layer = _unpack(path, fmt, label, unzip_dir, layer, limits, notes)
    kind = "raster" if fmt in RASTER_FORMATS else "vector"
    if kind != spec.kind:
        wanted = ("a GeoTIFF" if spec.kind == "raster" else
                  "vector data (Shapefile, GeoPackage, GeoJSON, KML/KMZ or CSV)")
        raise DataFileError(f"{label} is {FORMAT_NAMES[fmt]}, but role {spec.role!r} "
                            f"({spec.name_en}) needs {wanted}",
                            zh=f"{label} 是 {FORMAT_NAMES_ZH[fmt]}，但用途 {spec.role!r}"
                               f"（{spec.name_zh}）需要"
                               f"{'栅格' if spec.kind == 'raster' else '矢量'}数据（{wanted}）")
    region = region or default_region()
    progress(0.2, "reading")
    if kind == "raster":
        with reading(label, "a GeoTIFF"):
            raster = check_raster(path, spec, label, region, crs=crs, limits=limits,
                                  notes=notes)
        return CheckedLayer(role=spec.role, kind=kind, format=fmt, label=label, path=path,
                            crs=raster.crs, notes=notes, raster=raster)
    with reading(label, FORMAT_NAMES[fmt]):
        gdf, used_encoding = _read_vector(path, fmt, label, layer=layer, encoding=encoding,
                                          crs=crs, notes=notes)
        source_crs = crs or gdf.crs
        progress(0.5, "checking geometries")
        vector = clean_vector(gdf, spec, label, region, crs=crs, notes=notes)
    return CheckedLayer(role=spec.role, kind=kind, format=fmt, label=label, path=path,
                        crs=source_crs, notes=notes, encoding=used_encoding, vector=vector)


def _stored_unchanged(path: Path, role: str) -> dict | None:
    """The import summary of a raster ``import`` stored, if the file is provably unchanged.

    ``import`` records the stored file's size and modification time (ns) in
    ``ID.json`` beside it; any difference, another role or a missing record
    means the file must be checked again.
    """
    meta = path.with_suffix(".json")
    if path.suffix.lower() != ".tif" or not meta.is_file():
        return None
    try:
        summary = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    stat = path.stat()
    same = (summary.get("role") == role and summary.get("path") == str(path)
            and summary.get("file_size") == stat.st_size
            and summary.get("file_mtime_ns") == stat.st_mtime_ns)
    return summary if same else None


def check_layer_file(path, role: str, *, limits: Limits | None = None,
                     region: Region | None = None) -> CheckedLayer:
    """Check a user's layer file as ``import`` does, without storing anything.

    The run calls this for every user file it reads (``--layer ID=PATH``,
    ``scenario.layers``, ``parcels_file``). Rasters are read block by block
    once (range, truncation) and never rewritten, so their values must
    already be in the role's units: a file ``import`` would convert (e.g. GHI
    in kWh/m² per day) is refused with the import command that converts it.
    A raster stored by ``import`` and provably unchanged since (size and
    modification time in its summary) is not scanned again.

    Parameters
    ----------
    path : path-like
        The file (GeoTIFF; vector formats as ``import_file``).
    role : str
        One of ``IMPORT_ROLES``.
    limits : Limits, optional
        Size guards (default ``default_limits()``).
    region : Region, optional
        Area the layer must overlap (default: Inner Mongolia).

    Returns
    -------
    CheckedLayer

    Raises
    ------
    SitingError
        (``DataFileError``, ``CRSError``, ``UnsafeFileError``) naming the file,
        what is wrong and the fix.
    """
    from pyproj import CRS

    spec = role_spec(role)
    limits = limits or default_limits()
    path = Path(path).expanduser()
    stored = _stored_unchanged(path, role) if path.exists() else None
    if stored is not None:
        raster = RasterChecked(width=stored["width"], height=stored["height"],
                               crs=CRS.from_user_input(stored["stored_crs"]),
                               coverage=stored["coverage"], bounds_wgs84=stored["bounds_wgs84"],
                               value_range=stored["value_range"],
                               nodata_share=stored["nodata_share"], nodata=NODATA)
        return CheckedLayer(role=role, kind="raster", format="geotiff", label=path.name,
                            path=path, crs=raster.crs, notes=["stored by import, unchanged "
                                                              "since: not scanned again"],
                            raster=raster)
    with tempfile.TemporaryDirectory(prefix="im-siting-check-") as tmp:
        tmp = Path(tmp)
        staged, label = _stage(path, None, None, tmp / "upload", limits)
        fmt = check_format(staged, label)
        checked = _check_dataset(staged, fmt, label, spec, crs=None, encoding=None, layer=None,
                                 limits=limits, region=region, unzip_dir=tmp / "unzipped")
    if checked.kind == "raster":
        fix = (f"run `python -m siting import {path} --role {role}` and use the file it "
               "stores (the command prints it)")
        fix_zh = (f"运行 `python -m siting import {path} --role {role}`，并使用它保存的文件"
                  "（命令会打印其路径）")
        if checked.path != staged:
            raise DataFileError(f"{checked.label}: a run reads a GeoTIFF where it lies, not "
                                f"inside a {fmt} archive; unzip it, or {fix}",
                                zh=f"{checked.label}：运行时直接读取原位置的 GeoTIFF，不读 "
                                   f"{FORMAT_NAMES_ZH.get(fmt, fmt)}中的文件；请解压，或{fix_zh}")
        if checked.raster.factor != 1.0:
            raise DataFileError(f"{label}: {'; '.join(checked.notes)}, but a run reads the file "
                                f"as it is and needs {spec.units}; {fix}, which converts it",
                                zh=f"{label}：数值需换算单位（× {checked.raster.factor:.4g}）才是 "
                                   f"{spec.units}，但运行时按原样读取文件；请{fix_zh}，"
                                   "导入时会完成换算")
    else:
        gdf = checked.gdf
        missing = [c for c in spec.run_columns if c not in gdf.columns]
        if missing:
            columns = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
            raise DataFileError(f"{checked.label} has no column {', '.join(map(repr, missing))}, "
                                f"which a run reads from {spec.name_en}; its columns: "
                                f"{columns or 'none'}; add or rename the column",
                                zh=f"{checked.label} 没有 {', '.join(map(repr, missing))} 列，"
                                   f"运行时要从{spec.name_zh}中读取它；其列为：{columns or '无'}；"
                                   "请添加该列或重命名")
    return checked


def import_file(source, role: str, *, filename: str | None = None,
                sidecars: Mapping[str, bytes] | None = None, name: str | None = None,
                crs=None, encoding: str | None = None, layer: str | None = None,
                workspace_dir=None, limits: Limits | None = None, region: Region | None = None,
                progress: Callable = _noop, replace: bool = False) -> ImportSummary:
    """Check a user's layer file and store it in the workspace.

    Parameters
    ----------
    source : path-like or bytes
        The file (GeoTIFF, zipped or loose Shapefile, GeoPackage, GeoJSON,
        KML/KMZ, CSV with lon/lat columns), or an upload's bytes.
    role : str
        One of ``IMPORT_ROLES`` (e.g. ``"wind_speed_100m"``, ``"redline"``).
    filename : str, optional
        The upload's file name; required with bytes (its extension picks the format).
    sidecars : mapping, optional
        ``{name: bytes}`` of a loose Shapefile upload's .shx/.dbf/.prj/.cpg.
    name : str, optional
        Display name; the layer id is made from it (default: the role).
    crs : str or pyproj.CRS, optional
        The CRS the coordinates are in, when the file has none or a wrong one.
    encoding : str, optional
        Attribute text encoding of a Shapefile/CSV (default: .cpg or detected).
    layer : str, optional
        Layer of a multi-layer GeoPackage/KML, or the file inside a zip holding several.
    workspace_dir : path-like, optional
        Workspace folder (default ``$SITING_WORKSPACE`` or ``~/.im-siting``).
    limits : Limits, optional
        Size guards (default ``default_limits()``).
    region : Region, optional
        Area for overlap and coverage (default: Inner Mongolia).
    progress : callable, optional
        ``progress(fraction 0-1, message)``.
    replace : bool
        Replace a layer already imported under the same id (the role, or
        ``name``); without it that is an error (the app asks, the CLI needs
        ``--replace``). The old layer stays until the new one is complete.

    Returns
    -------
    ImportSummary

    Raises
    ------
    SitingError
        (``DataFileError``, ``CRSError``, ``UnsafeFileError``): the message names
        the file, what is wrong and the fix; nothing is written to the workspace.
    """
    try:
        spec = role_spec(role)
        target_crs = parse_crs(crs) if crs is not None else None
        encoding = check_encoding(encoding)
        layer_id = workspace.slugify(name or role, what="--name")
    except SitingError as exc:
        shown = filename or (Path(source).name if isinstance(source, str | os.PathLike) else "")
        raise exc.prefixed(f"importing {shown or 'the upload'}",
                           f"导入 {shown or '上传的文件'}") from None
    limits = limits or default_limits()
    target_dir = workspace.layers_dir(workspace_dir)
    existing = already_imported(layer_id, workspace_dir)
    if existing is not None and not replace:
        raise LayerExistsError(f"a layer {layer_id!r} is already imported "
                               f"({existing.get('role', '?')}, from "
                               f"{existing.get('source', '?')}, "
                               f"{existing.get('imported_at', '')}); "
                               "pass --replace to replace it, or --name to keep both",
                               zh=f"图层 {layer_id!r} 已导入过（{existing.get('role', '?')}，来自 "
                                  f"{existing.get('source', '?')}，"
                                  f"{existing.get('imported_at', '')}）；传入 --replace 可替换它，"
                                  "或用 --name 另起名称以同时保留")
    with tempfile.TemporaryDirectory(prefix="im-siting-import-") as tmp:
        tmp = Path(tmp)
        progress(0.0, "checking the file")
        path, label = _stage(source, filename, sidecars, tmp / "upload", limits)
        fmt = check_format(path, label)
        checked = _check_dataset(path, fmt, label, spec, crs=target_crs, encoding=encoding,
                                 layer=layer, limits=limits, region=region,
                                 unzip_dir=tmp / "unzipped", progress=progress)
        out_dir = tmp / "out"
        out_dir.mkdir()
        common = dict(id=layer_id, name=name or checked.label, role=role, kind=checked.kind,
                      source=checked.label, format=checked.format,
                      imported_at=datetime.now(UTC).isoformat(timespec="seconds"))
        if checked.kind == "raster":
            out_path = out_dir / f"{layer_id}.tif"
            raster = checked.raster
            with reading(checked.label, "a GeoTIFF"):
                _write_raster(checked.path, raster, spec, checked.label, out_path)
            summary = ImportSummary(
                **common, path="", crs=crs_label(raster.crs), stored_crs=crs_label(raster.crs),
                bounds_wgs84=[round(v, 6) for v in raster.bounds_wgs84],
                coverage=round(raster.coverage, 4), width=raster.width,
                height=raster.height, units=spec.units, value_range=raster.value_range,
                nodata_share=raster.nodata_share, notes=checked.notes)
        else:
            import pyogrio

            vector = checked.vector
            with reading(checked.label, FORMAT_NAMES[checked.format]):
                out_gdf = _fix_columns(vector.gdf, checked.notes)
                out_path = out_dir / f"{layer_id}.gpkg"
                progress(0.8, "writing")
                pyogrio.write_dataframe(out_gdf, out_path, layer=layer_id, driver="GPKG")
            columns = [str(c) for c in out_gdf.columns if c != out_gdf.geometry.name]
            summary = ImportSummary(
                **common, path="", crs=crs_label(checked.crs), stored_crs=STORED_VECTOR_CRS,
                bounds_wgs84=[round(v, 6) for v in vector.bounds_wgs84],
                coverage=round(vector.coverage, 4), features=len(out_gdf),
                geometry_types=sorted(set(out_gdf.geometry.geom_type)),
                fixed_geometries=vector.fixed, dropped_empty=vector.dropped_empty,
                dropped_other_type=vector.dropped_other_type, encoding=checked.encoding,
                columns=columns, preview=_preview(out_gdf), notes=checked.notes)
        progress(0.95, "saving to the workspace")
        _land(out_path, summary, target_dir)
    progress(1.0, "done")
    return summary


class LayerExistsError(SitingError):
    """A layer of that id is already in the workspace and ``replace`` was not given."""


def already_imported(layer_id: str, workspace_dir=None) -> dict | None:
    """The stored summary of layer ``layer_id`` (``{}`` if only its file is there), or None."""
    folder = workspace.layers_dir(workspace_dir)
    if not any((folder / f"{layer_id}{ext}").exists() for ext in (".gpkg", ".tif")):
        return None
    try:
        return json.loads((folder / f"{layer_id}.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}


def import_upload(files: Mapping[str, bytes], role: str, **options) -> ImportSummary:
    """Import an upload of one file, or of a loose Shapefile's files (``{name: bytes}``).

    The app's upload panel calls this with what ``st.file_uploader(...,
    accept_multiple_files=True)`` returned; ``options`` are ``import_file``'s.
    """
    if not files:
        raise DataFileError("no file uploaded", zh="没有上传文件")
    if len(files) == 1:
        (filename, data), = files.items()
        return import_file(data, role, filename=filename, **options)
    shapefiles = [n for n in files if n.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        raise DataFileError(f"{len(files)} files uploaded ({', '.join(files)}); upload one "
                            "layer file, or one .shp with its .shx/.dbf/.prj/.cpg",
                            zh=f"上传了 {len(files)} 个文件（{', '.join(files)}）；请上传一个图层"
                               "文件，或一个 .shp 及其 .shx/.dbf/.prj/.cpg")
    primary = shapefiles[0]
    return import_file(files[primary], role, filename=primary,
                       sidecars={n: d for n, d in files.items() if n != primary}, **options)


# --- command line ------------------------------------------------------------------------
def _print_summary(summary: ImportSummary, stream):
    size = (f"{summary.features} features" if summary.kind == "vector" else
            f"{summary.width} × {summary.height} cells, {summary.value_range[0]:g}-"
            f"{summary.value_range[1]:g} {summary.units}")
    print(f"imported {summary.source} as {summary.id!r} ({summary.role}, {size}, "
          f"{summary.crs})", file=stream)
    print(f"  covers {summary.coverage:.0%} of the region; bounds "
          f"{_human_bounds(summary.bounds_wgs84)}", file=stream)
    if summary.kind == "vector":
        print(f"  fixed geometries: {summary.fixed_geometries}, dropped empty: "
              f"{summary.dropped_empty}, encoding: {summary.encoding}", file=stream)
    for note in summary.notes:
        print(f"  note: {note}", file=stream)
    print(f"  saved: {summary.path}", file=stream)
    update = summary.scenario_update()
    if "layers" in update:
        print(f"  use it: python -m siting run --layer {summary.role}={summary.path}",
              file=stream)
    else:
        print(f"  use it: set parcels_file: {summary.path} in a scenario", file=stream)


def cmd_import(args) -> int:
    """``python -m siting import``: returns the exit code (errors raise SitingError)."""
    summary = import_file(args.path, args.role, name=args.name, crs=args.crs,
                          encoding=args.encoding, layer=args.layer,
                          workspace_dir=args.workspace,
                          limits=default_limits(args.max_upload_mb), replace=args.replace)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, sys.stdout)
    return 0


def add_import_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``import`` on the CLI's subparsers (``siting.cli.build_parser``)."""
    roles = ", ".join(IMPORT_ROLES)
    p = subparsers.add_parser(
        "import", help="check a layer file and store it in the workspace",
        description="Import GeoTIFF, Shapefile (.zip or .shp with sidecars), GeoPackage, "
                    "GeoJSON, KML/KMZ or CSV (lon/lat columns) as a layer of the given role.")
    p.add_argument("path", help="the file to import")
    p.add_argument("--role", required=True, metavar="ROLE", help=f"what the layer is: {roles}")
    p.add_argument("--name", help="display name; the layer id is made from it (default: role)")
    p.add_argument("--crs", help="CRS of the coordinates when the file has none or a wrong one "
                                 "(e.g. EPSG:4490, EPSG:4527)")
    p.add_argument("--encoding", help="attribute text encoding of a Shapefile/CSV (e.g. gbk)")
    p.add_argument("--layer", help="layer of a GeoPackage/KML, or file inside a zip")
    p.add_argument("--workspace", metavar="DIR",
                   help=f"workspace folder (default ${workspace.WORKSPACE_ENV} or "
                        f"{workspace.DEFAULT_WORKSPACE})")
    p.add_argument("--max-upload-mb", type=float, metavar="MB",
                   help=f"largest file accepted, MiB (default {MAX_UPLOAD_BYTES // 1024**2}; "
                        f"${MAX_UPLOAD_ENV})")
    p.add_argument("--replace", action="store_true",
                   help="replace a layer already imported under the same id (role or --name)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_import)
    return p


def main(argv=None) -> int:
    """``import`` on its own (``argv`` like ``["import", …]``): the one CLI
    (``siting.cli.main``) with its one error handler."""
    from siting.cli import main as cli_main

    return cli_main(argv)
