"""Which format a file is: its extension, confirmed by its first bytes."""
from __future__ import annotations

import codecs
from pathlib import Path

from layers.errors import DataFileError

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



def _sidecar(path: Path, ext: str) -> Path | None:
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return None


