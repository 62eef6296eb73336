"""Briefing snapshot: a map of a result in the equal-area Albers projection, as PNG, PDF
or a 16:9 PPTX slide.

The map carries a title, date, legend, score colour bar, scale bar, north arrow,
league boundaries with Chinese names, an inset locator, labelled candidate
bases, a summary table and the provenance/disclaimer line. Chinese text uses
Noto Sans CJK SC shipped by the ``mplfonts`` package, so it renders on any
machine set up by ``pip install -r requirements.txt``. The caller passes the
boundary layers (``siting.inputs.briefing_boundaries``); everything else comes
from the ``Result``. Modules: ``style`` (page, colours, font), ``drawing`` (map
furniture), ``content`` (table and lines), ``figure``, ``slide`` (PPTX).
"""
from __future__ import annotations

from datetime import date as Date
from pathlib import Path

from siting.errors import SitingError
from siting.outputs.briefing.content import (
    BASE_METHOD_ZH,
    SYNTHETIC_STAMP,
    SYNTHETIC_STAMP_COLOUR,
    briefing_table,
    policy_line,
    provenance_line,
    synthetic_stamp,
    target_line,
)
from siting.outputs.briefing.drawing import (
    draw_inset,
    draw_north_arrow,
    draw_scale_bar,
    nice_length,
    north_angle,
    place_labels,
    polygon_artists,
)
from siting.outputs.briefing.figure import (
    _map_png,
    _save,
    figure,
    prepare_boundaries,
    supply_curve_png,
)
from siting.outputs.briefing.slide import pptx_bytes
from siting.outputs.briefing.style import (
    BASE_COLOUR,
    BOUNDARY_SIMPLIFY_M,
    CJK_FONT_FILE,
    DPI,
    EXCLUDED_COLOUR,
    FIGSIZE_IN,
    PPTX_DPI,
    TOP_BASES,
    cjk_font_family,
    cjk_font_path,
)
from siting.outputs.formats import BRIEFING_FORMATS as SNAPSHOT_FORMATS  # png, pdf, pptx
from siting.outputs.formats import FILENAMES, Snapshot, parse_formats
from siting.units import Units

__all__ = ["BASE_COLOUR", "BASE_METHOD_ZH", "BOUNDARY_SIMPLIFY_M", "CJK_FONT_FILE", "DPI",
           "EXCLUDED_COLOUR", "FIGSIZE_IN", "PPTX_DPI", "SYNTHETIC_STAMP",
           "SYNTHETIC_STAMP_COLOUR", "TOP_BASES", "briefing_table", "cjk_font_family",
           "cjk_font_path", "draw_inset", "draw_north_arrow", "draw_scale_bar", "figure",
           "nice_length", "north_angle", "place_labels", "policy_line", "polygon_artists",
           "pptx_bytes", "prepare_boundaries", "provenance_line", "render", "render_all",
           "supply_curve_png", "synthetic_stamp", "target_line", "write_briefing"]


def render_all(result, formats=SNAPSHOT_FORMATS, *, leagues, province,
               date: Date | None = None, units: Units = "gw",
               notice: dict | None = None) -> dict[str, bytes]:
    """Each of ``formats`` as bytes, from one figure (``units``: 'gw' or 'wan';
    ``leagues``, ``province``, ``notice`` as in ``figure``)."""
    from siting.units import check_units

    check_units(units)
    formats = parse_formats(",".join(formats), SNAPSHOT_FORMATS)
    fig = figure(result, leagues, province, date=date, units=units, notice=notice)
    out = {}
    for fmt in formats:
        if fmt == "pptx":
            out[fmt] = pptx_bytes(result, _map_png(fig), date=date, units=units, notice=notice)
        else:
            out[fmt] = _save(fig, fmt)
    return out


def render(result, fmt: Snapshot, *, leagues, province, date: Date | None = None,
           units: Units = "gw", notice: dict | None = None) -> bytes:
    """One snapshot as bytes, for a download button.

    Parameters
    ----------
    fmt : {'png', 'pdf', 'pptx'}
        PNG 300 dpi (4,000 × 2,250 px), PDF (vectors, score raster at 1 km),
        or a 16:9 PPTX slide with the map and a native table.
    units : {'gw', 'wan'}
        GW/TWh (default) or 万千瓦/亿千瓦时 in the table, labels and chart.
    """
    if fmt not in SNAPSHOT_FORMATS:
        raise SitingError(f"unknown snapshot format {fmt!r}; choose from "
                          f"{', '.join(SNAPSHOT_FORMATS)}",
                          zh=f"未知快照格式 {fmt!r}；请从 {', '.join(SNAPSHOT_FORMATS)} 中选择")
    return render_all(result, (fmt,), leagues=leagues, province=province, date=date,
                      units=units, notice=notice)[fmt]


def write_briefing(result, folder, *, leagues, province, formats=SNAPSHOT_FORMATS,
                   date: Date | None = None, units: Units = "gw",
                   notice: dict | None = None) -> list[Path]:
    """Write ``briefing.png/.pdf/.pptx`` into ``folder``, all rendered first.

    ``folder`` is a staging folder the caller swaps into place
    (``layers.workspace.staged_folder``), so a failure leaves no partial set.
    """
    rendered = render_all(result, formats, leagues=leagues, province=province, date=date,
                          units=units, notice=notice)
    paths = []
    for fmt, data in rendered.items():
        path = Path(folder) / FILENAMES[fmt]
        path.write_bytes(data)
        paths.append(path)
    return paths
