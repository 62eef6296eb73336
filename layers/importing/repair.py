"""Fixes for what files get wrong: CRS hints (Gauss-Krüger zone prefixes, swapped
axes), ``--crs``/``--encoding`` parsing, and text-encoding detection."""
from __future__ import annotations

import codecs
import math
from pathlib import Path

from layers.errors import CRSError, DataFileError
from layers.importing.sniff import _sidecar


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


