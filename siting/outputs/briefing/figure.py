"""The briefing figure: map, furniture and summary panel on one 16:9 page."""
from __future__ import annotations

import io
from datetime import date as Date

from siting import clock, supply
from siting.colours import score_cmap
from siting.grid import ALBERS_CRS
from siting.labels import tech_label
from siting.outputs.briefing.content import (
    BASE_METHOD_ZH,
    SYNTHETIC_STAMP_COLOUR,
    briefing_table,
    policy_line,
    provenance_line,
    synthetic_stamp,
    target_line,
)
from siting.outputs.briefing.drawing import (
    _add_polygons,
    _draw_table,
    _label_box,
    _plot_lines,
    _points_per_unit,
    draw_inset,
    draw_north_arrow,
    draw_scale_bar,
    nice_length,
    place_labels,
)
from siting.outputs.briefing.style import (
    BASE_COLOUR,
    BOUNDARY_SIMPLIFY_M,
    DPI,
    EXCLUDED_COLOUR,
    FIGSIZE_IN,
    PNG_COMPRESS_LEVEL,
    PPTX_DPI,
    _halo,
    _literal_text,
    _rc,
)
from siting.outputs.text import disclaimer
from siting.units import Units, convert, format_power, power_unit


def prepare_boundaries(gdf):
    """A boundary layer (leagues, province) in Albers, simplified for drawing.

    Cached by content (the same layer for every snapshot of a session costs
    one simplification, ~1 s for the bundled leagues).
    """
    import hashlib

    import shapely

    wkb = b"".join(shapely.to_wkb(gdf.geometry.to_numpy()))
    key = (hashlib.sha1(wkb).hexdigest(), str(gdf.crs), tuple(map(str, gdf.columns)))
    if key not in _PREPARED:
        out = gdf.to_crs(ALBERS_CRS)
        out["geometry"] = out.geometry.simplify(BOUNDARY_SIMPLIFY_M, preserve_topology=True)
        while len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = out
    return _PREPARED[key].copy()


#: Boundary layers kept simplified (``prepare_boundaries``), oldest dropped first.
_PREPARED: dict = {}
_PREPARED_MAX = 8


def _draw_map(fig, ax, result, leagues, province, units: Units = "gw"):
    """The map panel: scores, boundaries, shortlist, bases and their labels."""
    from matplotlib.colors import Normalize

    parcels, short, bases = (g.to_crs(ALBERS_CRS) for g in
                             (result.parcels, result.shortlist, result.bases))
    west, south, east, north = province.total_bounds
    pad_x, pad_y = (east - west) * 0.01, (north - south) * 0.01
    ax.set_xlim(west - pad_x, east + pad_x)
    ax.set_ylim(south - pad_y, north + pad_y)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)

    cmap = score_cmap().with_extremes(under=EXCLUDED_COLOUR)
    if len(parcels):
        # drawn as one raster in the PDF: ~50k polygons would bloat it
        _add_polygons(ax, parcels.geometry, parcels["score"].to_numpy(), cmap=cmap,
                      norm=Normalize(vmin=1e-6, vmax=100), edgecolors="none",
                      antialiaseds=False, rasterized=True, zorder=1)
    _plot_lines(ax, leagues.geometry, colors="#6e6e6e", linewidths=0.45, zorder=3)
    _plot_lines(ax, province.geometry, colors="#222222", linewidths=1.0, zorder=4)
    loose = short[short["base_id"].isna()] if len(short) else short
    if len(loose):
        _plot_lines(ax, [loose.geometry.union_all()], colors="#222222", linewidths=0.4,
                    zorder=5)
    if len(bases):
        _plot_lines(ax, bases.geometry, colors=BASE_COLOUR, linewidths=1.2, zorder=6)

    per_pt = 1.0 / _points_per_unit(ax)
    league_size = 8.5
    obstacles = []
    name_column = "name_zh" if "name_zh" in leagues.columns else None
    for geom, name in zip(leagues.geometry,
                          leagues[name_column] if name_column else [""] * len(leagues),
                          strict=True):
        if not name:
            continue
        x, y = geom.representative_point().coords[0]
        ax.text(x, y, name, fontsize=league_size, ha="center", va="center", color="#3a3a3a",
                zorder=7, path_effects=_halo(2.2))
        w, h = _label_box(name, league_size, per_pt)
        obstacles.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))

    base_size = 6.5
    ordered = bases.sort_values("cap_mw", ascending=False, kind="stable")
    anchors = [g.representative_point().coords[0] for g in ordered.geometry]
    texts = [f"{b}\n{format_power(cap / 1000, units)}"
             for b, cap in zip(ordered["base_id"], ordered["cap_mw"], strict=True)]
    sizes = [_label_box(t, base_size, per_pt) for t in texts]
    for (ax_x, ax_y), (x, y), text in zip(anchors, place_labels(anchors, sizes, obstacles),
                                          texts, strict=True):
        if (x, y) != (ax_x, ax_y):
            ax.plot([ax_x, x], [ax_y, y], color=BASE_COLOUR, linewidth=0.5, zorder=8)
            ax.plot([ax_x], [ax_y], marker="o", markersize=1.8, color=BASE_COLOUR, zorder=8)
        ax.text(x, y, text, fontsize=base_size, ha="center", va="center", color=BASE_COLOUR,
                fontweight="bold", linespacing=0.95, zorder=9,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.85,
                      "edgecolor": BASE_COLOUR, "linewidth": 0.4})


def _draw_furniture(fig, ax, province):
    """Legend, colour bar, north arrow, scale bar and inset locator on the map panel."""
    import matplotlib
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    west, south, east, north = province.total_bounds
    width_m, height_m = east - west, north - south
    handles = [Patch(facecolor=EXCLUDED_COLOUR, edgecolor="none",
                     label="排除或不适宜（0 分） excluded"),
               Patch(facecolor="none", edgecolor="#222222", linewidth=0.6,
                     label="入选地块（未成基地） shortlisted"),
               Patch(facecolor="none", edgecolor=BASE_COLOUR, linewidth=1.2,
                     label="候选基地 candidate base"),
               Line2D([], [], color="#6e6e6e", linewidth=0.6, label="盟市界 league"),
               Line2D([], [], color="#222222", linewidth=1.0, label="自治区界 region")]
    ax.legend(handles=handles, loc="upper left", fontsize=7, title="图例 legend",
              title_fontsize=8, frameon=True, framealpha=0.9, edgecolor="#999999",
              borderpad=0.6)
    cax = ax.inset_axes([0.015, 0.765, 0.26, 0.022])
    colourbar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=Normalize(0, 100),
                                                          cmap=score_cmap()),
                             cax=cax, orientation="horizontal")
    colourbar.set_label("综合评分 score (0-100)", fontsize=7, labelpad=2)
    colourbar.ax.tick_params(labelsize=6, length=2, pad=1)
    colourbar.outline.set_linewidth(0.4)

    draw_north_arrow(ax, x=west + 0.42 * width_m, y=south + 0.87 * height_m,
                     length_m=width_m * 0.035)
    draw_scale_bar(ax, x0=west + 0.03 * width_m, y0=south + 0.035 * height_m,
                   length_m=nice_length(width_m * 0.2))
    inset = ax.inset_axes([0.775, 0.02, 0.215, 0.30])
    draw_inset(inset, province.to_crs("EPSG:4326"))



def _draw_supply_curve(ax, curve, target_gw: float, units: Units = "gw"):
    """Steps of cumulative capacity (x) against each base's LCOE (y), with the target."""
    scale = convert(1.0, "GW", units)[0]
    start = (curve["cum_gw"] - curve["cap_mw"] / 1000.0).to_numpy() * scale
    end = curve["cum_gw"].to_numpy() * scale
    lcoe = curve["lcoe"].to_numpy()
    ax.hlines(lcoe, start, end, color="#0b3d91", linewidth=1.2)
    ax.vlines(end[:-1], lcoe[:-1], lcoe[1:], color="#0b3d91", linewidth=0.6)
    ax.axvline(target_gw * scale, color="#c0392b", linewidth=0.8, linestyle="--")
    ax.tick_params(labelsize=6, length=2, pad=1)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.set_xlabel(f"累计装机 {power_unit(units)}", fontsize=6.5, labelpad=1)
    ax.set_ylabel("元/kWh", fontsize=6.5, labelpad=1)
    ax.set_title("供给曲线（基地按度电成本排序；虚线为目标）supply curve", fontsize=7.5,
                 loc="left", pad=3)


def supply_curve_png(curve, target_gw: float, units: Units = "gw", *,
                     size_in=(4.0, 1.5), dpi: int = 200) -> bytes:
    """The supply curve alone as a PNG (for the slide)."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=size_in, dpi=dpi)
        _draw_supply_curve(fig.add_axes([0.14, 0.26, 0.82, 0.6]), curve, target_gw, units)
        _literal_text(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw_panel(fig, result, units: Units = "gw"):
    """Right-hand panel: bases table, totals against the target, capacity by league."""
    panel = fig.add_axes([0.625, 0.30, 0.365, 0.60])
    panel.set_title("候选基地汇总 candidate bases", fontsize=11, loc="left",
                    fontweight="bold", pad=6)
    table = briefing_table(result, units=units)
    _draw_table(panel, table)
    s = result.summary
    notes = [target_line(result, units=units)]
    notes.append(f"评分地块 {s.get('n_scored', '–')} / {s.get('n_parcels', len(result.parcels))}"
                 f"；入选 {len(result.shortlist)}；候选基地 {len(result.bases)} 个"
                 f"（{BASE_METHOD_ZH.get(result.scenario.bases.method, '')}，"
                 f"{format_power(result.scenario.bases.min_capacity_gw, units)}–"
                 f"{format_power(result.scenario.bases.max_capacity_gw, units)}）")
    if s.get("median_flh"):
        notes.append(f"利用小时中位数 {s['median_flh']:.0f} h；"
                     f"度电成本中位数 {s['median_lcoe']:.3f} 元/kWh")
    policy = policy_line(result, units=units)
    if policy:
        notes.append(policy)
    top = 0.895 - 0.6 * (len(table) + 1) * 0.05 - 0.03
    fig.text(0.627, top, "\n".join(notes), fontsize=8.2, va="top", linespacing=1.6)

    height = top - 0.205 - (0.03 if policy else 0.0)
    curve = supply.supply_curve(result.bases)
    if len(curve):
        # the supply curve under the league chart: bases by LCOE, running GW, the target
        _draw_supply_curve(fig.add_axes([0.70, 0.085, 0.28, 0.28 * height]), curve,
                           result.scenario.targets.target_gw, units)
        height *= 0.58
    if len(result.leagues):
        # the league chart starts below the notes (one more line with the policy line)
        bottom = top - 0.12 - (0.03 if policy else 0.0) - height
        chart = fig.add_axes([0.70, bottom, 0.28, height])
        totals = convert(result.leagues["cap_gw"].sort_values(), "GW", units)[0]
        chart.barh(range(len(totals)), totals.to_numpy(), color="#e08a3c", height=0.7)
        chart.set_ylim(-0.6, max(len(totals), 12) - 0.4)  # same bar width for few leagues
        chart.set_yticks(range(len(totals)), totals.index, fontsize=6.5)
        chart.tick_params(axis="x", labelsize=6, length=2, pad=1)
        chart.tick_params(axis="y", length=0, pad=2)
        for spine in ("top", "right"):
            chart.spines[spine].set_visible(False)
        chart.set_title(f"分盟市入选容量 {power_unit(units)}（shortlisted capacity by league）",
                        fontsize=7.5, loc="left", pad=3)
        for i, value in enumerate(totals.to_numpy()):
            if value > 0:
                chart.text(value, i, f" {value:,.0f}" if units == "wan" else f" {value:.1f}",
                           va="center", fontsize=5.5)


def figure(result, leagues, province, *, date: Date | None = None, units: Units = "gw",
           notice: dict | None = None):
    """Build the briefing figure (a ``matplotlib.figure.Figure``, no pyplot state).

    Parameters
    ----------
    result : siting.pipeline.Result
        GeoDataFrames in the Albers CRS.
    leagues, province : GeoDataFrame
        Boundaries of the run (``siting.inputs.briefing_boundaries``), any CRS;
        drawn in Albers, simplified (``prepare_boundaries``).
    date : datetime.date, optional
        Printed date (default today in China Standard Time).
    units : {'gw', 'wan'}
        GW/TWh or 万千瓦/亿千瓦时 in the table, labels and chart.
    notice : dict, optional
        The data's disclaimer texts ``{'zh', 'en'}`` (``siting.outputs.text``).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    leagues, province = prepare_boundaries(leagues), prepare_boundaries(province)
    date = date or clock.today()
    tech = result.scenario.tech

    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=FIGSIZE_IN, dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        fig.text(0.012, 0.975, f"内蒙古{tech_label(tech, 'zh')}基地选址简报", fontsize=19,
                 fontweight="bold", va="top")
        fig.text(0.012, 0.922, f"Inner Mongolia {tech_label(tech, 'en')} base siting  ·  "
                               f"情景 scenario: {result.scenario.name}  ·  "
                               f"{date.isoformat()}", fontsize=9.5, va="top", color="#333333")
        stamp = synthetic_stamp(result)
        if stamp:
            fig.text(0.99, 0.99, stamp, fontsize=8.5, fontweight="bold", va="top", ha="right",
                     color=SYNTHETIC_STAMP_COLOUR, linespacing=1.4,
                     bbox={"boxstyle": "round,pad=0.4", "facecolor": "white",
                           "edgecolor": SYNTHETIC_STAMP_COLOUR, "linewidth": 1.5})
        ax = fig.add_axes([0.008, 0.072, 0.60, 0.815])
        _draw_map(fig, ax, result, leagues, province, units)
        _draw_furniture(fig, ax, province)
        _draw_panel(fig, result, units)
        fig.text(0.012, 0.052, provenance_line(result, notice), fontsize=7, va="top",
                 color="#444444")
        fig.text(0.012, 0.024, disclaimer("en", notice) + "  Map: equal-area Albers (CGCS2000 "
                 "ellipsoid, 111°E, 40°N/50°N).", fontsize=6.2, va="top", color="#666666")
        _literal_text(fig)
    fig._siting_map_axes = ax  # the PPTX crops the map from this figure
    return fig



def _save(fig, fmt: str, **kwargs) -> bytes:
    import matplotlib

    if fmt == "png":
        kwargs.setdefault("pil_kwargs", {"compress_level": PNG_COMPRESS_LEVEL})
    buffer = io.BytesIO()
    with matplotlib.rc_context(_rc()):
        fig.savefig(buffer, format=fmt, dpi=kwargs.pop("dpi", DPI), facecolor="white",
                    **kwargs)
    return buffer.getvalue()


def _map_png(fig, dpi: int = PPTX_DPI) -> bytes:
    """Only the map panel of ``fig`` as PNG (the slide gets the table natively)."""
    import matplotlib
    from matplotlib.transforms import Bbox

    with matplotlib.rc_context(_rc()):
        box = fig._siting_map_axes.get_tightbbox(fig.canvas.get_renderer())
    inches = Bbox(box.get_points() / fig.dpi).expanded(1.01, 1.01)
    return _save(fig, "png", dpi=dpi, bbox_inches=inches)


