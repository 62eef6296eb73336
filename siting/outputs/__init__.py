"""What a run produces for people and other tools: GIS exports, tables, KMZ and the
briefing snapshots.

``formats`` is THE list of output formats (id, file name, MIME type, label,
kind); ``render(result, fmt, **options)`` makes one of them as bytes and
``write_run(result, folder, …)`` writes a run's whole set into a folder. This
package touches no data layer and no workspace: the caller passes what it needs
(the boundaries for the briefing map, the data's disclaimer) and stages the
folder (``layers.workspace.staged_folder``). Modules: ``vectors`` (GeoPackage,
Shapefile, GeoJSON), ``tables`` (CSV, summary, provenance), ``kmz``,
``briefing`` (map as PNG/PDF/PPTX), ``webmap`` (interactive offline map.html), ``crs``,
``text``.
"""
from __future__ import annotations

from siting.outputs.formats import (
                                    ALL,
                                    BY_ID,
                                    EXPORT_FORMATS,
                                    FILENAMES,
                                    MIME_TYPES,
                                    RUN_FILES,
                                    SNAPSHOT_FORMATS,
                                    OutputFormat,
                                    check_encoding,
                                    parse_formats,
)
from siting.outputs.run import render, write_run

__all__ = ["ALL", "BY_ID", "EXPORT_FORMATS", "FILENAMES", "MIME_TYPES", "RUN_FILES",
           "SNAPSHOT_FORMATS", "OutputFormat", "check_encoding", "parse_formats", "render",
           "write_run"]
