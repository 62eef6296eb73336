"""Compatibility facade for callers not yet moved to ``siting.outputs`` (app.py,
some tests): the old names of the exports. New code imports ``siting.outputs``
(``render``, ``write_run``, ``formats``). To be deleted once they have moved.
"""
from __future__ import annotations

from siting.outputs.crs import AUTO_GK, DEFAULT_EXPORT_CRS, LONLAT_CRS, gk3_crs, resolve_crs  # noqa: F401
from siting.outputs.formats import (  # noqa: F401
    ENCODINGS,
    EXPORT_FORMATS,
    FILENAMES,
    MIME_TYPES,
    check_encoding,
    parse_formats,
)
from siting.outputs.kmz import KML_NS, kml_text, kmz_bytes  # noqa: F401
from siting.outputs.run import render, write_run, write_summary  # noqa: F401
from siting.outputs.tables import csv_bytes, csv_table, metadata, provenance_table, provenance_text  # noqa: F401
from siting.outputs.text import neutralise_formula, plain_text, safe_filename, synthetic_layers  # noqa: F401
from siting.outputs.vectors import geojson_bytes, shapefile_zip_bytes, write_gpkg  # noqa: F401

FORMATS = EXPORT_FORMATS


def to_bytes(result, fmt, **options) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of one export (``siting.outputs.render``)."""
    data = render(result, fmt, **options)
    return FILENAMES[fmt], data, MIME_TYPES[fmt]
