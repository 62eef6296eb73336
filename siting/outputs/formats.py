"""THE definition of every output format: id, file name, MIME type, label, kind.

The CLI (``--format``, ``--snapshot``) and the app's download panel take their
choices, file names and MIME types from here; ``siting.outputs.render`` makes
the bytes. Kinds: ``vector`` (GIS layers), ``table`` (spreadsheet), ``snapshot``
(the briefing map, ``siting.outputs.briefing``, and the interactive offline map,
``siting.outputs.webmap``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from siting.errors import SitingError

Kind = Literal["vector", "table", "snapshot"]


@dataclass(frozen=True)
class OutputFormat:
    """One output format."""

    id: str
    #: Standard file name in a run's folder and of a download.
    filename: str
    mime: str
    kind: Kind
    #: Short name shown to people, Chinese and English.
    label_zh: str
    label_en: str

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` ('zh' or 'en')."""
        return self.label_zh if lang == "zh" else self.label_en


#: Every format, data exports first, in the order the CLI and the app list them.
ALL: tuple[OutputFormat, ...] = (
    OutputFormat("gpkg", "shortlist.gpkg", "application/geopackage+sqlite3", "vector",
                 "GeoPackage（地块、优选、基地）", "GeoPackage (parcels, shortlist, bases)"),
    OutputFormat("shp", "shortlist_shp.zip", "application/zip", "vector",
                 "Shapefile 压缩包", "Shapefile zip"),
    OutputFormat("geojson", "shortlist.geojson", "application/geo+json", "vector",
                 "GeoJSON（WGS84）", "GeoJSON (WGS84)"),
    OutputFormat("csv", "shortlist.csv", "text/csv", "table",
                 "CSV 表格（Excel）", "CSV table (Excel)"),
    OutputFormat("kmz", "shortlist.kmz", "application/vnd.google-earth.kmz", "vector",
                 "KMZ（Google Earth 等）", "KMZ (Google Earth etc.)"),
    OutputFormat("png", "briefing.png", "image/png", "snapshot",
                 "简报图 PNG（300 dpi）", "briefing map PNG (300 dpi)"),
    OutputFormat("pdf", "briefing.pdf", "application/pdf", "snapshot",
                 "简报图 PDF", "briefing map PDF"),
    OutputFormat("pptx", "briefing.pptx",
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "snapshot", "简报幻灯片 PPTX（16:9）", "briefing slide PPTX (16:9)"),
    OutputFormat("html", "map.html", "text/html", "snapshot",
                 "交互式离线地图 HTML", "interactive offline map HTML"),
)
BY_ID: dict[str, OutputFormat] = {f.id: f for f in ALL}

Format = Literal["gpkg", "shp", "geojson", "csv", "kmz"]
Snapshot = Literal["png", "pdf", "pptx"]
#: Data exports (``--format``) and snapshots of the map (``--snapshot``).
EXPORT_FORMATS: tuple[str, ...] = tuple(f.id for f in ALL if f.kind != "snapshot")
SNAPSHOT_FORMATS: tuple[str, ...] = tuple(f.id for f in ALL if f.kind == "snapshot")
#: The interactive offline map (``siting.outputs.webmap``); the other snapshots are the
#: briefing's (``siting.outputs.briefing``), drawn from one matplotlib figure.
WEBMAP_FORMAT = "html"
BRIEFING_FORMATS: tuple[str, ...] = tuple(f for f in SNAPSHOT_FORMATS if f != WEBMAP_FORMAT)
VECTOR_FORMATS: tuple[str, ...] = tuple(f.id for f in ALL if f.kind == "vector")
TABLE_FORMATS: tuple[str, ...] = tuple(f.id for f in ALL if f.kind == "table")
FILENAMES: dict[str, str] = {f.id: f.filename for f in ALL}
MIME_TYPES: dict[str, str] = {f.id: f.mime for f in ALL}

#: Files every run writes beside its formats.
SUMMARY_FILE, SUPPLY_CURVE_FILE = "summary.json", "supply_curve.csv"
PROVENANCE_FILE, SCENARIO_FILE = "provenance.txt", "scenario.yaml"
#: Every file name a run's folder may hold (the CLI's output-folder check).
RUN_FILES: frozenset[str] = frozenset({*FILENAMES.values(), SUMMARY_FILE, SUPPLY_CURVE_FILE,
                                       PROVENANCE_FILE, SCENARIO_FILE})

Encoding = Literal["utf-8", "gbk"]
#: Shapefile attribute encodings: UTF-8 by default, GBK (CP936) for older Chinese tools.
ENCODINGS: tuple[str, ...] = ("utf-8", "gbk")


def parse_formats(text: str, allowed=EXPORT_FORMATS) -> tuple[str, ...]:
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
