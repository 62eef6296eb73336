"""CSV tables of points: find the lon/lat columns, parse degrees, build features."""
from __future__ import annotations

import codecs
import io
import math
import re
from pathlib import Path

import numpy as np

from layers.errors import CRSError, DataFileError
from layers.importing.repair import detect_text_encoding

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

