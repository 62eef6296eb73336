"""What an import did: the summary (``--json``), its text form, and HTML escaping."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape as _html_escape

from layers.importing.region import _human_bounds

#: Rows shown in the summary's preview.
PREVIEW_ROWS = 5


def escape_html(text) -> str:
    """User text made safe to show in HTML (map popups, tooltips, tables).

    ``None`` becomes ``""``; everything else is ``str()``-ed and its ``& < > " '``
    are escaped, so a layer attribute like ``<script>`` shows as text.
    """
    return "" if text is None else _html_escape(str(text), quote=True)

# --- the summary ----------------------------------------------------------------------
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


# --- text form ----------------------------------------------------------------------
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


