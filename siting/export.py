"""Write a run's results: GeoPackage, Shapefile zip, GeoJSON, CSV, KMZ, summary, scenario.

Every format carries the scenario and the provenance (real/synthetic) of the
data behind it. ``to_bytes`` serves the app's download buttons; ``write_*``
and ``write_run`` serve the CLI. Files are written to a temporary name in the
target folder and moved into place only when complete, so a failure never
leaves a half-written result.
"""
from __future__ import annotations

import io
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree as ET

import numpy as np

from siting import clock, colours
from siting import fields as fl
from siting.errors import CRSError, SitingError

#: Default CRS of GeoPackage and Shapefile exports: CGCS2000 (domain.md ✅).
DEFAULT_EXPORT_CRS = "EPSG:4490"
#: ``--crs auto-gk``: the CGCS2000 3° Gauss-Krüger zone of the shortlist's centre.
AUTO_GK = "auto-gk"
#: CGCS2000 3° Gauss-Krüger zones with zone prefix: EPSG = 4513 + zone − 25 (domain.md ✅).
GK3_FIRST_EPSG, GK3_FIRST_ZONE, GK3_LAST_ZONE = 4513, 25, 45
#: GeoJSON is always WGS84 lon/lat (RFC 7946); CSV lon/lat and KML too.
LONLAT_CRS = "EPSG:4326"
#: Decimal places of lon/lat in GeoJSON, KML and CSV (1e-6° ≈ 0.1 m).
LONLAT_DECIMALS = 6
#: dBASE limit on a text value, bytes.
DBF_MAX_TEXT_BYTES = 254

Format = Literal["gpkg", "shp", "geojson", "csv", "kmz"]
FORMATS: tuple[str, ...] = ("gpkg", "shp", "geojson", "csv", "kmz")
Encoding = Literal["utf-8", "gbk"]
#: Shapefile attribute encodings: UTF-8 by default, GBK (CP936) for older Chinese tools.
ENCODINGS: tuple[str, ...] = ("utf-8", "gbk")
#: Code page written to the .cpg (and the DBF language driver id) per encoding.
#: "936" is the code page id ArcGIS and GDAL both read as GBK.
_CPG = {"utf-8": "UTF-8", "gbk": "936"}
_DBF_LDID = {"utf-8": 0x00, "gbk": 0x4D}

#: File name and MIME type of each format (the CLI's names; the app offers the same).
FILENAMES = {"gpkg": "shortlist.gpkg", "shp": "shortlist_shp.zip",
             "geojson": "shortlist.geojson", "csv": "shortlist.csv", "kmz": "shortlist.kmz"}
MIME_TYPES = {"gpkg": "application/geopackage+sqlite3", "shp": "application/zip",
              "geojson": "application/geo+json", "csv": "text/csv",
              "kmz": "application/vnd.google-earth.kmz"}

#: Used when data/provenance.json is missing (it carries the same text).
_DISCLAIMER = {"zh": "边界仅供分析，不作出版用；正式地图须有审图号。合成图层仅为示意。",
               "en": "Boundaries are for analysis, not for publication; official maps need a "
                     "review number (审图号). Synthetic layers are illustrations."}
_TECH_ZH = {"wind": "风电", "solar": "光伏", "hybrid": "风光互补"}


# --- user text in outputs ------------------------------------------------------
#: Characters XML 1.0 forbids (and C1 controls, and the Unicode line separators).
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                           "\ud800-\udfff\ufffe\uffff]")
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain_text(value) -> str:
    """``value`` as text without control characters: valid in XML (KML, PPTX) and
    on one line in a picture."""
    return _NOT_XML_TEXT.sub("", str(value))


def neutralise_formula(value):
    """A text cell a spreadsheet would run as a formula, made inert (OWASP): prefixed
    with ``'``. Anything that is not text (numbers, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_table(table):
    """Copy of a DataFrame whose text cells are neutralised (``neutralise_formula``)
    and whose column names are too; numeric columns keep their dtype."""
    import pandas as pd

    out = table.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_bytes(data: bytes, path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


# --- options ------------------------------------------------------------------

def parse_formats(text: str, allowed=FORMATS) -> tuple[str, ...]:
    """``"gpkg,shp"`` → ``("gpkg", "shp")``; unknown names are an error naming the allowed set."""
    names = [part.strip().lower() for part in str(text).split(",") if part.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise SitingError(f"unknown format {', '.join(unknown) or repr(text)}; choose from "
                          f"{','.join(allowed)} (comma-separated, e.g. gpkg,shp)",
                          zh=f"未知格式 {', '.join(unknown) or repr(text)}；请从 "
                             f"{','.join(allowed)} 中选择（以逗号分隔，如 gpkg,shp）")
    return tuple(dict.fromkeys(names))


def check_encoding(encoding: str) -> str:
    """Normalise a Shapefile encoding name ('UTF8', 'cp936' …) to 'utf-8' or 'gbk'."""
    key = str(encoding).strip().lower().replace("_", "-")
    key = {"utf8": "utf-8", "cp936": "gbk", "936": "gbk", "gb2312": "gbk"}.get(key, key)
    if key not in ENCODINGS:
        raise SitingError(f"encoding {encoding!r} is not supported for Shapefile text; "
                          f"choose {' or '.join(ENCODINGS)}",
                          zh=f"Shapefile 文本不支持编码 {encoding!r}；"
                             f"请选择 {' 或 '.join(ENCODINGS)}")
    return key


def gk3_crs(lon: float):
    """CGCS2000 3° Gauss-Krüger zone (zone-prefixed eastings) nearest ``lon``, degrees east."""
    from pyproj import CRS

    zone = int(round(float(lon) / 3.0))
    if not GK3_FIRST_ZONE <= zone <= GK3_LAST_ZONE:
        raise CRSError(f"longitude {lon:.2f}° lies outside the CGCS2000 3° Gauss-Krüger zones "
                       f"{GK3_FIRST_ZONE}-{GK3_LAST_ZONE} (75-135°E); pass an explicit --crs",
                       zh=f"经度 {lon:.2f}° 不在 CGCS2000 3° 高斯-克吕格投影带 "
                          f"{GK3_FIRST_ZONE}-{GK3_LAST_ZONE}（75-135°E）之内；请明确传入 --crs")
    return CRS.from_epsg(GK3_FIRST_EPSG + zone - GK3_FIRST_ZONE)


def shortlist_centre_lon(result) -> float:
    """Longitude of the centre of the shortlist's lon/lat bounding box (all parcels if empty)."""
    gdf = result.shortlist if len(result.shortlist) else result.parcels
    if not len(gdf):
        raise SitingError("the result has no parcels, so --crs auto-gk has no centre; "
                          "pass an explicit --crs such as EPSG:4490",
                          zh="结果中没有地块，--crs auto-gk 无法确定中心；请明确传入 --crs，"
                             "如 EPSG:4490")
    centroids = gdf.geometry.centroid.to_crs(LONLAT_CRS)
    west, _, east, _ = centroids.total_bounds
    return (west + east) / 2.0


def resolve_crs(crs, result=None):
    """The export CRS as a ``pyproj.CRS``: an EPSG code/CRS string, or ``auto-gk``.

    Parameters
    ----------
    crs : str or pyproj.CRS
        e.g. ``"EPSG:4490"`` (CGCS2000), ``"EPSG:4526"`` (3° GK zone 38), or
        ``"auto-gk"``: the 3° zone of the shortlist's centre (needs ``result``).
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    if isinstance(crs, str) and crs.strip().lower() == AUTO_GK:
        if result is None:
            raise SitingError("--crs auto-gk needs a result to find the shortlist's centre",
                              zh="--crs auto-gk 需要计算结果才能确定优选地块的中心")
        return gk3_crs(shortlist_centre_lon(result))
    try:
        out = CRS.from_user_input(crs)
    except PyprojCRSError:
        raise CRSError(f"--crs {crs!r} is not a coordinate reference system; use e.g. "
                       "EPSG:4490 (CGCS2000), EPSG:4526 (CGCS2000 3° GK zone 38) or "
                       f"{AUTO_GK}",
                       zh=f"--crs {crs!r} 不是坐标系；请使用如 EPSG:4490（CGCS2000）、EPSG:4526"
                          f"（CGCS2000 3° 高斯-克吕格第 38 带）或 {AUTO_GK}") from None
    if not (out.is_geographic or out.is_projected):
        raise CRSError(f"--crs {crs!r} is neither geographic nor projected; use e.g. EPSG:4490",
                       zh=f"--crs {crs!r} 既不是地理坐标系也不是投影坐标系；请使用如 EPSG:4490")
    return out


# --- what every export carries -------------------------------------------------

def disclaimer(lang: str = "zh") -> str:
    """The boundary disclaimer (审图号) of the bundled data, from data/provenance.json."""
    from layers.catalog import PROVENANCE_PATH

    try:
        doc = json.loads(Path(PROVENANCE_PATH).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _DISCLAIMER[lang]
    return doc.get(f"disclaimer_{lang}") or _DISCLAIMER[lang]


def synthetic_layers(result) -> list[str]:
    """Ids of the layers whose provenance is synthetic (wholly or partly)."""
    return [k for k, v in result.provenance.items() if "synthetic" in str(v.get("type", ""))]


def generated_at() -> str:
    """Time of the export in China Standard Time, ISO 8601 with offset, to the second."""
    return clock.now_iso()


def _headline(result) -> dict:
    s = result.summary
    keys = ("scenario", "tech", "n_parcels", "n_shortlist", "n_bases", "capacity_gw",
            "energy_twh", "target_gw", "share_of_target")
    return {k: s[k] for k in keys if k in s}


def provenance_text(result, *, crs=None, encoding: str | None = None) -> str:
    """``provenance.txt``: scenario, headline numbers, every layer's provenance, disclaimer."""
    s = result.summary
    lines = ["内蒙古新能源基地选址 导出说明 / Inner Mongolia siting export",
             f"生成时间 generated: {clock.display_time_bilingual(generated_at())}",
             f"情景 scenario: {result.scenario.name} ({result.scenario.tech}); "
             "full settings in scenario.yaml (rerun: python -m siting run --scenario "
             "scenario.yaml)"]
    if s:
        lines.append(f"结果 result: {s.get('n_shortlist', len(result.shortlist))} shortlisted "
                     f"parcels, {s.get('n_bases', len(result.bases))} bases, "
                     f"{s.get('capacity_gw', 0):.1f} GW, {s.get('energy_twh', 0):.1f} TWh/yr "
                     f"= {s.get('share_of_target', 0):.0%} of the {s.get('target_gw', 0):g} GW "
                     "target")
    if crs is not None:
        lines.append(f"坐标系 CRS: {crs.to_string()} {crs.name}")
    if encoding:
        lines.append(f"属性编码 attribute encoding: {encoding.upper()}")
    lines += ["", "数据来源 data provenance (real = measured data; synthetic = generated "
              "illustration, replace before any decision):"]
    for layer_id, p in result.provenance.items():
        lines.append(f"- [{p.get('type', '?')}] {layer_id} {p.get('name_zh', '')} / "
                     f"{p.get('name_en', '')}: {p.get('source', '')}; licence: "
                     f"{p.get('licence', '')}")
        if p.get("method"):
            lines.append(f"    method: {p['method']}")
    synthetic = synthetic_layers(result)
    lines += ["", "合成图层 synthetic layers: " + (", ".join(synthetic) or "none"),
              disclaimer("zh"), disclaimer("en")]
    return "\n".join(lines) + "\n"


def metadata(result) -> dict:
    """Plain-JSON metadata of a result: scenario, headline numbers, provenance, fields."""
    return {"title": "内蒙古新能源基地选址 / Inner Mongolia new-energy base siting",
            "generated": generated_at(),
            "summary": _headline(result),
            "scenario": result.scenario.model_dump(mode="json"),
            "provenance": result.provenance,
            "synthetic_layers": synthetic_layers(result),
            "disclaimer_zh": disclaimer("zh"), "disclaimer_en": disclaimer("en")}


def provenance_table(result):
    """Non-spatial table: one row per layer with its provenance, plus the scenario."""
    import pandas as pd

    from siting import scenario as sc

    rows = [{"item": layer_id, "name_zh": p.get("name_zh", ""), "name_en": p.get("name_en", ""),
             "type": p.get("type", ""), "source": p.get("source", ""),
             "licence": p.get("licence", ""), "method": p.get("method", "")}
            for layer_id, p in result.provenance.items()]
    rows.append({"item": "scenario", "name_zh": "情景", "name_en": "scenario", "type": "yaml",
                 "source": "", "licence": "", "method": sc.dumps(result.scenario)})
    rows.append({"item": "disclaimer", "name_zh": "声明", "name_en": "disclaimer", "type": "text",
                 "source": "", "licence": "",
                 "method": f"{disclaimer('zh')} {disclaimer('en')}"})
    return pd.DataFrame(rows)


def _fields_csv(layers: dict) -> bytes:
    import pandas as pd

    table = pd.concat([fl.fields_table(list(gdf.columns), layer=name)
                       for name, gdf in layers.items()], ignore_index=True)
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# --- GeoPackage ----------------------------------------------------------------

def _clean(gdf, crs):
    out = gdf.to_crs(crs).copy()
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].astype("string")
    return out


def write_gpkg(result, path, *, crs=DEFAULT_EXPORT_CRS) -> Path:
    """``shortlist.gpkg``: layers parcels, shortlist, bases; tables provenance and fields."""
    import pyogrio

    crs = resolve_crs(crs, result)
    path = Path(path)
    with atomic_path(path) as tmp:
        for layer, gdf in (("parcels", result.parcels), ("shortlist", result.shortlist),
                           ("bases", result.bases)):
            pyogrio.write_dataframe(_clean(gdf, crs), tmp, layer=layer, driver="GPKG",
                                    append=tmp.exists())
        pyogrio.write_dataframe(provenance_table(result), tmp, layer="provenance",
                                driver="GPKG", append=True)
        columns = list(dict.fromkeys([*result.parcels.columns, *result.bases.columns]))
        pyogrio.write_dataframe(fl.fields_table(columns), tmp, layer="fields", driver="GPKG",
                                append=True)
    return path


# --- Shapefile zip ---------------------------------------------------------------

def _fit_text(value, encoding: str):
    """Text a DBF can hold in ``encoding``: no unencodable characters, ≤ 254 bytes."""
    if not isinstance(value, str):
        return value
    if encoding == "gbk":
        # NFKC turns e.g. "km²" into "km2"; whatever GBK still lacks becomes "?"
        value = unicodedata.normalize("NFKC", value)
        value = value.encode("gbk", errors="replace").decode("gbk")
    while len(value.encode(encoding)) > DBF_MAX_TEXT_BYTES:
        value = value[:-1]
    return value


def _shapefile_frame(gdf, crs, encoding: str):
    out = _clean(gdf, crs).rename(columns=fl.shapefile_names(gdf.columns))
    for column in out.columns:
        if column != "geometry" and str(out[column].dtype) in ("string", "str", "object"):
            out[column] = out[column].map(lambda v: _fit_text(v, encoding),
                                          na_action="ignore")
    return out


def _set_dbf_ldid(dbf_path: Path, encoding: str):
    """Mark the DBF header's language driver id (byte 29) so ArcGIS reads GBK without the .cpg."""
    with open(dbf_path, "r+b") as f:
        f.seek(29)
        f.write(bytes([_DBF_LDID[encoding]]))


def shapefile_zip_bytes(result, *, crs=DEFAULT_EXPORT_CRS, encoding: str = "utf-8") -> bytes:
    """Zip of ``shortlist`` and ``bases`` Shapefiles with fields.csv, provenance.txt, scenario.yaml.

    Parameters
    ----------
    crs : str or pyproj.CRS
        CRS of the geometries and the ``.prj`` (default CGCS2000; ``auto-gk``).
    encoding : {'utf-8', 'gbk'}
        Attribute text encoding, declared in the ``.cpg``.
    """
    import pyogrio

    from siting import scenario as sc

    crs = resolve_crs(crs, result)
    encoding = check_encoding(encoding)
    layers = {"shortlist": result.shortlist, "bases": result.bases}
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="siting-shp-") as folder, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, gdf in layers.items():
            shp = Path(folder) / f"{name}.shp"
            frame = _shapefile_frame(gdf, crs, encoding)
            if frame.empty:
                # GDAL needs a geometry type to create an empty layer
                pyogrio.write_dataframe(frame, shp, encoding=encoding.upper(),
                                        geometry_type="MultiPolygon")
            else:
                pyogrio.write_dataframe(frame, shp, encoding=encoding.upper())
            shp.with_suffix(".cpg").write_text(_CPG[encoding], encoding="ascii")
            _set_dbf_ldid(shp.with_suffix(".dbf"), encoding)
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                zf.write(shp.with_suffix(suffix), f"{name}{suffix}")
        zf.writestr("fields.csv", _fields_csv(layers))
        zf.writestr("provenance.txt",
                    provenance_text(result, crs=crs, encoding=encoding).encode("utf-8"))
        zf.writestr("scenario.yaml", sc.dumps(result.scenario).encode("utf-8"))
    return buffer.getvalue()


# --- GeoJSON, CSV ----------------------------------------------------------------

def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _round_lonlat(gdf):
    import shapely

    out = gdf.to_crs(LONLAT_CRS)
    out["geometry"] = shapely.transform(out.geometry.to_numpy(),
                                        lambda xy: np.round(xy, LONLAT_DECIMALS))
    return out


def geojson_bytes(result) -> bytes:
    """The shortlist as an RFC 7946 FeatureCollection (WGS84 lon/lat).

    The scenario, headline numbers, provenance and field labels sit in a
    top-level ``metadata`` member (a foreign member, which GIS readers ignore).
    """
    doc = _round_lonlat(result.shortlist).to_geo_dict(na="null", drop_id=True)
    doc = {"type": "FeatureCollection", "name": "shortlist", "metadata": {
        **metadata(result),
        "fields": {c: {"zh": fl.field(c).zh, "en": fl.field(c).en, "unit": fl.field(c).unit}
                   for c in result.shortlist.columns if c != "geometry"}},
           "features": doc["features"]}
    return json.dumps(doc, ensure_ascii=False, default=_json_default,
                      separators=(",", ":")).encode("utf-8")


def centroid_lonlat(gdf) -> tuple[np.ndarray, np.ndarray]:
    """Centroid lon/lat (WGS84) of each row, the centroid taken in the data's own CRS."""
    points = gdf.geometry.centroid.to_crs(LONLAT_CRS)
    return (np.round(points.x.to_numpy(), LONLAT_DECIMALS),
            np.round(points.y.to_numpy(), LONLAT_DECIMALS))


#: Header styles of the CSV: engine column names, or Chinese / English labels with units.
CsvHeader = Literal["code", "zh", "en"]
CSV_HEADERS: tuple[str, ...] = ("code", "zh", "en")
#: With ``units='wan'`` and code headers, the unit part of a scaled column's name changes
#: (``cap_mw`` -> ``cap_wkw``: 万千瓦; ``energy_gwh`` -> ``energy_ykwh``: 亿千瓦时).
_WAN_CODE_SUFFIXES = {"_mw": "_wkw", "_gwh": "_ykwh"}


def _wan_code(column: str) -> str:
    for old, new in _WAN_CODE_SUFFIXES.items():
        if column.endswith(old):
            return column[: -len(old)] + new
    return column


def csv_table(result, *, units: str = "gw", header: CsvHeader = "code"):
    """The shortlist table of the CSV: centroid lon/lat, values in ``units``, headers.

    Parameters
    ----------
    units : {'gw', 'wan'}
        'gw' keeps capacity in MW and energy in GWh/yr (the GW/TWh family);
        'wan' gives capacity in 万千瓦 (MW / 10) and energy in 亿千瓦时/年 (GWh / 100).
    header : {'code', 'zh', 'en'}
        Engine column names (machine-readable; with 'wan' the scaled columns
        are renamed, e.g. ``cap_wkw``), or the labels of ``siting.fields`` with
        their units, e.g. ``装机容量 (万千瓦)``.
    """
    from siting.units import check_units

    check_units(units)
    if header not in CSV_HEADERS:
        raise SitingError(f"CSV header {header!r} is not one of {', '.join(CSV_HEADERS)}",
                          zh=f"CSV 表头 {header!r} 不在 {', '.join(CSV_HEADERS)} 之中")
    table = result.shortlist.drop(columns="geometry")
    lon, lat = centroid_lonlat(result.shortlist)
    at = min(3, len(table.columns))  # after parcel_id, league, banner
    table.insert(at, "lon", lon)
    table.insert(at + 1, "lat", lat)
    for column in table.columns:
        scale = fl.display_scale(column, units) if column in fl.FIELDS_BY_NAME else 1.0
        if scale != 1.0:
            table[column] = table[column] * scale
    if header == "code":
        names = {c: _wan_code(c) for c in table.columns} if units == "wan" else {}
    else:
        names = {c: fl.label(c, header, units=units) for c in table.columns
                 if c in fl.FIELDS_BY_NAME}
    return table.rename(columns=names)


def csv_bytes(result, *, units: str = "gw", header: CsvHeader = "code") -> bytes:
    """The shortlist as CSV, UTF-8 with BOM (Excel shows Chinese), with centroid lon/lat.

    ``units`` and ``header`` as in ``csv_table``. CSV has no place for
    metadata that Excel leaves alone, so the CLI writes ``provenance.txt``
    and ``scenario.yaml`` beside it.
    """
    table = neutralise_table(csv_table(result, units=units, header=header))
    return table.to_csv(index=False, lineterminator="\r\n",
                        float_format="%.10g").encode("utf-8-sig")


# --- KMZ ----------------------------------------------------------------------------

KML_NS = "http://www.opengis.net/kml/2.2"
#: Score bins of the KML styles (0-10, …, 90-100), coloured by the one score
#: ramp (``siting.colours``: red = low, dark green = high).
SCORE_BINS = colours.SCORE_CLASSES
#: Fill opacity of parcel polygons in KML (0-255).
KML_FILL_ALPHA = 0xB0
#: Outline colour of base polygons in KML (aabbggrr: opaque blue).
KML_BASE_LINE = "ffb35a1f"


def _kml_colour(rgba, alpha: int) -> str:
    r, g, b = (int(round(255 * c)) for c in rgba[:3])
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"


def _sub(parent, tag: str, text=None, **attrib):
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrib)
    if text is not None:  # ElementTree escapes <, > and &; control characters go
        element.text = plain_text(text)
    return element


def _kml_styles(document):
    from matplotlib.colors import to_rgba

    for i, hex_colour in enumerate(colours.class_colours()):
        colour = to_rgba(hex_colour)
        for kind, line, width, alpha in (("p", "ff404040", 1, KML_FILL_ALPHA),
                                         ("b", KML_BASE_LINE, 3, 0x60)):
            style = _sub(document, "Style", id=f"{kind}{i}")
            line_style = _sub(style, "LineStyle")
            _sub(line_style, "color", line)
            _sub(line_style, "width", width)
            poly = _sub(style, "PolyStyle")
            _sub(poly, "color", _kml_colour(colour, alpha))


def _score_bin(score) -> int:
    return colours.score_class(score)


def _ring_text(coords) -> str:
    return " ".join(f"{x:.{LONLAT_DECIMALS}f},{y:.{LONLAT_DECIMALS}f}" for x, y, *_ in coords)


def _kml_geometry(parent, geom):
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise SitingError(f"KMZ export takes polygon parcels, got {geom.geom_type}",
                          zh=f"KMZ 导出只接受面状地块，当前为 {geom.geom_type}")
    holder = _sub(parent, "MultiGeometry") if len(polygons) > 1 else parent
    for polygon in polygons:
        element = _sub(holder, "Polygon")
        _sub(element, "tessellate", 1)
        ring = _sub(_sub(element, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _ring_text(polygon.exterior.coords))
        for interior in polygon.interiors:
            ring = _sub(_sub(element, "innerBoundaryIs"), "LinearRing")
            _sub(ring, "coordinates", _ring_text(interior.coords))


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _description(row, columns) -> str:
    """An HTML table of the key figures, Chinese labels first (escaped by ElementTree)."""
    from html import escape

    from siting.bases import LAND_TYPES

    cells = []
    for column in columns:
        if column not in row:
            continue
        value = row[column]
        if column == "land_type":
            value = "/".join(LAND_TYPES.get(value, (value, value)))
        cells.append(f"<tr><td>{escape(fl.label(column, 'zh'))}</td>"
                     f"<td>{escape(plain_text(_fmt(value)))}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


_PARCEL_FIGURES = ("score", "rank", "league", "banner", "land_type", "base_id", "cap_mw",
                   "energy_gwh", "flh", "lcoe", "lcoe_sto", "curt_frac", "avail_km2", "ghi_kwh",
                   "wind_hub", "turbine", "grid_km", "border_km", "synthetic")
_BASE_FIGURES = ("score", "leagues", "land_type", "n_parcels", "cap_mw", "energy_gwh", "flh",
                 "lcoe")


def _document_description(result) -> str:
    s = result.summary
    tech = result.scenario.tech
    parts = [f"情景 scenario: {result.scenario.name}; 技术 {_TECH_ZH.get(tech, tech)} ({tech})",
             f"入选地块 {s.get('n_shortlist', len(result.shortlist))} 个，候选基地 "
             f"{s.get('n_bases', len(result.bases))} 个；{s.get('capacity_gw', 0):.1f} GW，"
             f"{s.get('energy_twh', 0):.1f} TWh/年，为目标 {s.get('target_gw', 0):g} GW 的 "
             f"{s.get('share_of_target', 0):.0%}",
             "数据来源 provenance: " + "; ".join(f"{p.get('name_zh', k)} {p.get('type', '?')}"
                                                  for k, p in result.provenance.items()),
             disclaimer("zh"), disclaimer("en"),
             f"生成 generated {clock.display_time_bilingual(generated_at())}; "
             "scenario.yaml and provenance.txt are inside this KMZ"]
    from html import escape

    return "<br/>".join(escape(plain_text(part)) for part in parts)


def kml_text(result) -> str:
    """The KML document: one placemark per base and per shortlisted parcel, coloured by score."""
    ET.register_namespace("", KML_NS)
    kml = ET.Element(f"{{{KML_NS}}}kml")
    document = _sub(kml, "Document")
    _sub(document, "name", f"内蒙古新能源基地选址 {result.scenario.name}")
    _sub(document, "open", 1)
    _sub(document, "description", _document_description(result))
    _kml_styles(document)

    bases = _round_lonlat(result.bases)
    folder = _sub(document, "Folder")
    _sub(folder, "name", f"候选基地 candidate bases ({len(bases)})")
    for _, row in bases.iterrows():
        placemark = _sub(folder, "Placemark")
        _sub(placemark, "name", f"{row['base_id']} {row.get('league', '')} "
                                f"{row['cap_mw'] / 1000:.1f} GW")
        _sub(placemark, "description", _description(row, _BASE_FIGURES))
        _sub(placemark, "styleUrl", f"#b{_score_bin(row['score'])}")
        _kml_geometry(placemark, row.geometry)

    short = _round_lonlat(result.shortlist)
    folder = _sub(document, "Folder")
    _sub(folder, "name", f"入选地块 shortlisted parcels ({len(short)})")
    for _, row in short.iterrows():
        placemark = _sub(folder, "Placemark")
        _sub(placemark, "name", f"{row['parcel_id']} {row.get('banner', '') or ''}".strip())
        _sub(placemark, "description", _description(row, _PARCEL_FIGURES))
        _sub(placemark, "styleUrl", f"#p{_score_bin(row['score'])}")
        _kml_geometry(placemark, row.geometry)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode")


def kmz_bytes(result) -> bytes:
    """KMZ (zip) with ``doc.kml`` first, then ``scenario.yaml`` and ``provenance.txt``."""
    from siting import scenario as sc

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml_text(result).encode("utf-8"))
        zf.writestr("scenario.yaml", sc.dumps(result.scenario).encode("utf-8"))
        zf.writestr("provenance.txt", provenance_text(result).encode("utf-8"))
    return buffer.getvalue()


# --- one entry point per format ----------------------------------------------------

def to_bytes(result, fmt: Format, *, crs=DEFAULT_EXPORT_CRS,
             encoding: Encoding = "utf-8", units: str = "gw",
             header: CsvHeader = "code") -> tuple[str, bytes, str]:
    """One export in memory, for a download button.

    Parameters
    ----------
    fmt : {'gpkg', 'shp', 'geojson', 'csv', 'kmz'}
    crs : str or pyproj.CRS
        GeoPackage and Shapefile CRS (default EPSG:4490; ``auto-gk``). GeoJSON,
        CSV lon/lat and KMZ are always WGS84.
    encoding : {'utf-8', 'gbk'}
        Shapefile attribute encoding.
    units, header : str
        CSV only: display units ('gw' or 'wan') and header style ('code',
        'zh', 'en'); see ``csv_table``.

    Returns
    -------
    (file name, content, MIME type)
    """
    if fmt not in FORMATS:
        raise SitingError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}",
                          zh=f"未知导出格式 {fmt!r}；请从 {', '.join(FORMATS)} 中选择")
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory(prefix="siting-gpkg-") as folder:
            path = write_gpkg(result, Path(folder) / FILENAMES["gpkg"], crs=crs)
            data = path.read_bytes()
    elif fmt == "shp":
        data = shapefile_zip_bytes(result, crs=crs, encoding=encoding)
    elif fmt == "geojson":
        data = geojson_bytes(result)
    elif fmt == "csv":
        data = csv_bytes(result, units=units, header=header)
    else:
        data = kmz_bytes(result)
    return FILENAMES[fmt], data, MIME_TYPES[fmt]


def write_format(result, fmt: Format, out_dir, *, crs=DEFAULT_EXPORT_CRS,
                 encoding: Encoding = "utf-8") -> Path:
    """Write one format into ``out_dir`` under its standard name (``FILENAMES``)."""
    if fmt == "gpkg":
        return write_gpkg(result, Path(out_dir) / FILENAMES["gpkg"], crs=crs)
    name, data, _ = to_bytes(result, fmt, crs=crs, encoding=encoding)
    return _write_bytes(data, Path(out_dir) / name)


def write_summary(result, path) -> Path:
    """``summary.json``: headline numbers, per-league totals, provenance."""
    doc = dict(result.summary)
    doc["provenance"] = {k: {"type": v.get("type"), "source": v.get("source")}
                         for k, v in result.provenance.items()}
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default)
                       + "\n", encoding="utf-8")
    return Path(path)


#: Hidden folders beside an output folder: ``.NAME.staging-PID-RANDOM`` (being written)
#: and ``.NAME.previous-PID-RANDOM`` (the set being replaced).
STAGING_TAG, PREVIOUS_TAG = ".staging-", ".previous-"


#: Files every run writes beside its formats.
SUMMARY_FILE, SUPPLY_CURVE_FILE = "summary.json", "supply_curve.csv"
PROVENANCE_FILE, SCENARIO_FILE = "provenance.txt", "scenario.yaml"


def _run_file_names() -> set[str]:
    from siting.briefing import FILENAMES as BRIEFING_FILES

    return {*FILENAMES.values(), *BRIEFING_FILES.values(), SUMMARY_FILE, SUPPLY_CURVE_FILE,
            PROVENANCE_FILE, SCENARIO_FILE}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_outputs(out_dir) -> list[Path]:
    """Tidy what a killed run left beside ``out_dir``; returns what was removed or restored.

    A staging folder of a process that no longer runs is removed; a previous
    set whose replacement never arrived (killed between the two renames) is
    put back as ``out_dir``, else removed. Temporary files inside ``out_dir``
    from a killed writer are removed too.
    """
    import shutil

    out_dir = Path(out_dir)
    parent = out_dir.parent
    touched = []
    if not parent.is_dir():
        return touched
    for tag in (PREVIOUS_TAG, STAGING_TAG):
        for leftover in sorted(parent.glob(f".{glob_escape(out_dir.name)}{tag}*")):
            pid = leftover.name[len(out_dir.name) + 1 + len(tag):].split("-")[0]
            if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
                continue  # another run is writing right now
            if tag == PREVIOUS_TAG and not out_dir.exists():
                os.replace(leftover, out_dir)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
            touched.append(leftover)
    if out_dir.is_dir():
        for stem in (*(Path(n).stem for n in _run_file_names()), "summary"):
            for tmp in out_dir.glob(f".{glob_escape(stem)}-*"):
                tmp.unlink(missing_ok=True)
                touched.append(tmp)
    return touched


def glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped."""
    import glob

    return glob.escape(text)


def check_output_folder(out_dir) -> Path:
    """``out_dir`` if a run may write it (call before a slow run): absent, empty, or
    holding only a run's outputs (see ``staged_folder``).

    Raises
    ------
    SitingError
    """
    out_dir = Path(out_dir).expanduser()
    label = out_dir.name or str(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SitingError(f"output folder {label} is a file; choose a folder name for --out",
                          zh=f"输出文件夹 {label} 是一个文件；请为 --out 指定文件夹名称")
    if out_dir.is_dir():
        ours = _run_file_names()
        temporary = tuple(f".{Path(n).stem}-" for n in ours)  # atomic_path's, cleaned later
        foreign = sorted(p.name for p in out_dir.iterdir()
                         if p.name not in ours and not p.name.startswith(temporary))
        if foreign:
            shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
            raise SitingError(f"output folder {label} holds other files ({shown}); a run "
                              "replaces its folder as a whole, so give --out a new or empty "
                              "folder, or one an earlier run wrote",
                              zh=f"输出文件夹 {label} 中有其他文件（{shown}）；一次运行会整体替换"
                                 "其文件夹，因此请为 --out 指定一个新的或空的文件夹，"
                                 "或之前运行写出的文件夹")
    return out_dir


@contextmanager
def staged_folder(out_dir, *, keep_existing: bool = False):
    """Yield an empty staging folder beside ``out_dir``; on success it becomes ``out_dir``.

    ``out_dir`` thus holds either its previous complete set or the new one,
    never a mix: the new files go into ``.NAME.staging-…`` beside it, then two
    renames swap the folders (a kill between them is undone by
    ``clean_stale_outputs`` at the next start, which every run calls first).
    With ``keep_existing`` the previous set's files are hard-linked (or copied)
    into the staging folder first, so a briefing can be added to a run's set.

    Raises
    ------
    SitingError
        ``out_dir`` is a file, or a folder holding files other than a run's
        outputs (a run never mixes into, or deletes, someone else's files).
    """
    import shutil

    out_dir = check_output_folder(out_dir)
    label = out_dir.name or str(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_outputs(out_dir)
    except OSError as exc:
        raise SitingError(f"cannot create output folder {label}: {exc.strerror}",
                          zh=f"无法创建输出文件夹 {label}：{exc.strerror}") from None
    check_output_folder(out_dir)
    suffix = f"{os.getpid()}-{os.urandom(4).hex()}"
    try:
        staging = out_dir.parent / f".{out_dir.name}{STAGING_TAG}{suffix}"
        staging.mkdir()
    except OSError as exc:
        raise SitingError(f"cannot write beside output folder {label}: {exc.strerror}",
                          zh=f"无法在输出文件夹 {label} 旁写入：{exc.strerror}") from None
    try:
        if keep_existing and out_dir.is_dir():
            for old in out_dir.iterdir():
                try:
                    os.link(old, staging / old.name)
                except OSError:
                    shutil.copy2(old, staging / old.name)
        yield staging
        if out_dir.exists():
            previous = out_dir.parent / f".{out_dir.name}{PREVIOUS_TAG}{suffix}"
            os.replace(out_dir, previous)
            os.replace(staging, out_dir)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_run(result, out_dir, *, formats=("gpkg",), crs=DEFAULT_EXPORT_CRS,
              encoding: Encoding = "utf-8", snapshots=(), units: str = "gw") -> list[Path]:
    """The CLI's outputs: each of ``formats``, then summary.json, supply_curve.csv,
    provenance.txt, scenario.yaml, and the briefing ``snapshots`` (png, pdf, pptx).

    ``provenance.txt`` says what the data is (real/synthetic) for the formats
    that cannot hold it, the CSV above all. Written as one set
    (``staged_folder``): ``out_dir`` holds the previous complete set until the
    new one is complete.
    """
    from siting import scenario as sc
    from siting import supply

    crs = resolve_crs(crs, result)
    encoding = check_encoding(encoding)
    formats = parse_formats(",".join(formats))
    with staged_folder(out_dir) as stage:
        names = [write_format(result, fmt, stage, crs=crs, encoding=encoding).name
                 for fmt in formats]
        names.append(write_summary(result, stage / SUMMARY_FILE).name)
        names.append(_write_bytes(supply.supply_curve_csv(supply.supply_curve(result.bases)),
                                  stage / SUPPLY_CURVE_FILE).name)
        names.append(_write_bytes(provenance_text(result, crs=crs, encoding=encoding)
                                  .encode("utf-8"), stage / PROVENANCE_FILE).name)
        names.append(sc.save_yaml(result.scenario, stage / SCENARIO_FILE).name)
        if snapshots:
            from siting import briefing

            names += [p.name for p in briefing.write_briefing(result, stage, formats=snapshots,
                                                              units=units, staged=False)]
    return [Path(out_dir) / name for name in names]


_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def safe_filename(text: str, *, default: str = "siting") -> str:
    """An ASCII file name from free text (a scenario name): letters, digits, ``._-``."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFKD", str(text))).strip("._-")
    return name[:80] or default
