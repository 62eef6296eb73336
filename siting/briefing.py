"""Briefing snapshot: a map of a result in the equal-area Albers projection, as PNG, PDF
or a 16:9 PPTX slide.

The map carries a title, date, legend, score colour bar, scale bar, north arrow,
league boundaries with Chinese names, an inset locator, labelled candidate
bases, a summary table and the provenance/disclaimer line. Chinese text uses
Noto Sans CJK SC shipped by the ``mplfonts`` package, so it renders on any
machine set up by ``pip install -r requirements.txt``. This module reads the
boundary layers; everything else comes from the ``Result``.
"""
from __future__ import annotations

import io
import math
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from siting import clock, supply
from siting.colours import score_cmap
from siting.errors import SitingError
from siting.export import atomic_path, disclaimer, plain_text, synthetic_layers
from siting.grid import ALBERS_CRS
from siting.units import Units, convert, energy_unit, format_power, power_unit

Snapshot = Literal["png", "pdf", "pptx"]
FORMATS: tuple[str, ...] = ("png", "pdf", "pptx")
FILENAMES = {"png": "briefing.png", "pdf": "briefing.pdf", "pptx": "briefing.pptx"}
MIME_TYPES = {"png": "image/png", "pdf": "application/pdf",
              "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}

#: Print resolution, dots per inch (issue 5: 300 dpi, PNG ≥ 2,400 px wide).
DPI = 300
#: Resolution of the map picture inside the PPTX slide (it fills ~8 in of a 13.3 in slide).
PPTX_DPI = 200
#: Page size, inches: 16:9, the size of a PowerPoint widescreen slide.
FIGSIZE_IN = (13.333, 7.5)
#: Cell size of the rasterised parcel scores, metres (a raster keeps the PDF small).
SCORE_RASTER_M = 1000.0
#: Tolerance for simplifying boundaries before drawing, metres (≈ 0.2 px at 300 dpi).
BOUNDARY_SIMPLIFY_M = 300.0
#: Bases listed in the summary table (the rest are summed in one row).
TOP_BASES = 8
#: Wider lon/lat box of the inset locator: (west, east, south, north), degrees.
INSET_BOX = (73.0, 135.0, 18.0, 54.0)
#: The CJK font shipped by mplfonts (SIL Open Font License).
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: Colour of score-0 (excluded/unsuitable) parcels, of base outlines and labels.
EXCLUDED_COLOUR = "#d9d9d9"
BASE_COLOUR = "#1f5ab3"

_TECH_ZH = {"wind": "风电", "solar": "光伏", "hybrid": "风光互补"}
_TECH_EN = {"wind": "wind", "solar": "solar PV", "hybrid": "hybrid wind + solar"}


# --- fonts ------------------------------------------------------------------------------

def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font that ``mplfonts`` installs."""
    from importlib.util import find_spec

    # locate the package without importing it: only its font file is needed
    spec = find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise SitingError("the briefing needs the mplfonts package for Chinese text; "
                          "run `pip install -r requirements.txt`",
                          zh="简报需要 mplfonts 包来显示中文；请运行 "
                             "`pip install -r requirements.txt`")
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / CJK_FONT_FILE
    if not path.exists():
        raise SitingError(f"mplfonts is installed but lacks {CJK_FONT_FILE}; reinstall it "
                          "with `pip install --force-reinstall mplfonts`",
                          zh=f"已安装 mplfonts，但缺少 {CJK_FONT_FILE}；请用 "
                             "`pip install --force-reinstall mplfonts` 重新安装")
    return path


@lru_cache(maxsize=1)
def cjk_font_family() -> str:
    """Register the shipped CJK font with matplotlib; returns its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _rc() -> dict:
    return {"font.family": [cjk_font_family(), "DejaVu Sans"], "axes.unicode_minus": False,
            "pdf.fonttype": 42, "svg.fonttype": "none", "text.usetex": False}


def _literal_text(fig) -> None:
    """Draw every text of ``fig`` literally: no mathtext, so a '$…$' in a scenario or
    league name is printed, not parsed (a bad one would crash the render)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_text(plain_text(text.get_text()))


# --- data for the map -------------------------------------------------------------------

@lru_cache(maxsize=8)
def _boundaries_cached(path: str, layer: str | None, mtime: float):
    from layers.io import read_vector

    gdf = read_vector(path, layer=layer).to_crs(ALBERS_CRS)
    gdf["geometry"] = gdf.geometry.simplify(BOUNDARY_SIMPLIFY_M, preserve_topology=True)
    return gdf


def read_boundaries(layer_id: str, overrides: dict | None = None):
    """A boundary layer ('leagues', 'province') in Albers, simplified for drawing."""
    from layers.catalog import resolve_layer

    info = resolve_layer(layer_id, overrides=overrides or None)
    gdf = _boundaries_cached(str(info.path), info.layer, info.path.stat().st_mtime)
    return gdf.copy()


def polygon_artists(geoms, values=None, **kwargs) -> list:
    """Matplotlib collections of polygons (holes kept), coloured by ``values`` if given.

    Hole-free parts go into one fast ``PolyCollection``; the few parts with
    holes into a ``PathCollection`` of compound paths. ``kwargs`` go to both
    (``cmap``, ``norm``, ``facecolor``, ``edgecolor`` …).
    """
    import shapely
    from matplotlib.collections import PathCollection, PolyCollection
    from matplotlib.path import Path as MplPath

    geoms = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3  # polygons only
    parts, owner = shapely.orient_polygons(parts[keep], exterior_cw=False), owner[keep]
    holed = shapely.get_num_interior_rings(parts) > 0
    artists = []
    simple = parts[~holed]
    if len(simple):
        xy, index = shapely.get_coordinates(shapely.get_exterior_ring(simple),
                                            return_index=True)
        verts = np.split(xy, np.cumsum(np.bincount(index, minlength=len(simple)))[:-1])
        collection = PolyCollection(verts, **kwargs)
        if values is not None:
            collection.set_array(np.asarray(values, dtype=float)[owner[~holed]])
        artists.append(collection)
    if holed.any():
        paths = [MplPath.make_compound_path(*[MplPath(np.asarray(ring.coords)[:, :2],
                                                      closed=True)
                                              for ring in (p.exterior, *p.interiors)])
                 for p in parts[holed]]
        collection = PathCollection(paths, **kwargs)
        if values is not None:
            collection.set_array(np.asarray(values, dtype=float)[owner[holed]])
        artists.append(collection)
    return artists


def _add_polygons(ax, geoms, values=None, **kwargs):
    for artist in polygon_artists(geoms, values, **kwargs):
        ax.add_collection(artist, autolim=False)


def _gw(mw, units: str) -> str:
    """MW as the table's number: GW to 0.1, or 万千瓦 to 1 (1 GW = 100 万千瓦)."""
    value, _ = convert(float(mw) / 1000.0, "GW", units)
    return f"{value:,.0f}" if units == "wan" else f"{value:.1f}"


def _twh(gwh, units: str) -> str:
    """GWh as the table's number: TWh or 亿千瓦时 to 0.1 (1 TWh = 10 亿千瓦时)."""
    value, _ = convert(float(gwh) / 1000.0, "TWh", units)
    return f"{value:,.1f}"


def briefing_table(result, *, top: int = TOP_BASES, units: Units = "gw"):
    """Rows of the summary table: the largest bases, the rest, and the totals.

    Parameters
    ----------
    units : {'gw', 'wan'}
        Capacity and energy in GW and TWh, or in 万千瓦 and 亿千瓦时.

    Returns
    -------
    pandas.DataFrame with columns 基地, 主要盟市, 并网点, 土地类型, 容量 GW, 年发电 TWh,
    评分 (or 容量 万千瓦, 年发电 亿千瓦时; strings ready to print). 并网点 is the
    base's connection point without the words 变电站/换流站/开关站 ("" for bases formed
    by contiguity).
    """
    import pandas as pd

    from siting.bases import LAND_TYPES

    columns = ["基地", "主要盟市", "并网点", "土地类型", f"容量 {power_unit(units)}",
               f"年发电 {energy_unit(units)}", "评分"]
    bases = result.bases.sort_values("cap_mw", ascending=False, kind="stable")

    def connection(base) -> str:
        name = base.get("conn_name")
        if not isinstance(name, str):
            return ""
        for suffix in ("变电站", "换流站", "开关站"):  # the kind is in the kV; keep it short
            name = name.replace(suffix, "")
        return name

    rows = [[b["base_id"], b["league"], connection(b),
             LAND_TYPES.get(b["land_type"], (b["land_type"],))[0],
             _gw(b["cap_mw"], units), _twh(b["energy_gwh"], units), f"{b['score']:.0f}"]
            for _, b in bases.head(top).iterrows()]
    rest = bases.iloc[top:]
    if len(rest):
        rows.append([f"其余 {len(rest)} 个", "", "", "", _gw(rest["cap_mw"].sum(), units),
                     _twh(rest["energy_gwh"].sum(), units), ""])
    short = result.shortlist
    in_bases = short[short["base_id"].notna()] if len(short) else short
    rows.append(["基地合计", f"{len(bases)} 个", "", "", _gw(in_bases["cap_mw"].sum(), units),
                 _twh(in_bases["energy_gwh"].sum(), units), ""])
    rows.append(["入选合计", f"{len(short)} 地块", "", "", _gw(short["cap_mw"].sum(), units),
                 _twh(short["energy_gwh"].sum(), units), ""])
    return pd.DataFrame(rows, columns=columns)


def target_line(result, *, units: Units = "gw") -> str:
    """Shortlist total against the target, e.g. '入选 300.2 GW = 2030年目标 200 GW 的 150%'."""
    cap_gw = float(result.shortlist["cap_mw"].sum() / 1000.0)
    target = float(result.scenario.targets.target_gw)
    return (f"入选合计 {format_power(cap_gw, units)} = 2030年目标 "
            f"{format_power(target, units, digits=0)} 的 {cap_gw / target:.0%}"
            f"  (shortlist vs target)")


def policy_line(result, *, units: Units = "gw") -> str:
    """West / centre / east capacity and the share on encouraged land (policy §十二).

    E.g. '西部 44.3 GW · 中部 143.8 GW · 东部 11.9 GW；沙漠戈壁 17% · 沙地 5% · 矿区 0% ·
    沿边 33%' (shares of the shortlisted capacity; flags overlap).
    """
    glance = result.summary.get("policy")
    if not glance:
        return ""
    names = {"west": "西部", "central": "中部", "east": "东部"}
    land = {"desert": "沙漠戈壁", "sandy": "沙地", "mine": "矿区", "border": "沿边"}
    gw = " · ".join(f"{names.get(g, g)} {format_power(v, units)}"
                    for g, v in glance["gw"].items())
    share = " · ".join(f"{land[k]} {glance['share'].get(k, 0.0):.0%}" for k in land)
    return f"{gw}；{share}"


def provenance_line(result) -> str:
    """Which layers are synthetic, and the disclaimer (审图号)."""
    names = [result.provenance[k].get("name_zh", k) for k in synthetic_layers(result)]
    synthetic = "、".join(names) if names else "无"
    return f"合成（示意）图层 synthetic layers: {synthetic}。{disclaimer('zh')}"


# --- drawing helpers ---------------------------------------------------------------------

#: The stamp on a briefing whose shortlist rests on synthetic layers.
SYNTHETIC_STAMP = "含合成数据 / contains synthetic data"
#: Its colour (a warning red, readable in print).
SYNTHETIC_STAMP_COLOUR = "#c62828"


def synthetic_stamp(result) -> str:
    """Stamp text when any synthetic layer shaped the shortlist, else "".

    Two lines: the mark, then the layers (ids from the shortlist's ``synthetic``
    column, named in Chinese where the provenance has a name).
    """
    from siting.synthetic import layers_in

    ids = layers_in(result.shortlist)
    if not ids:
        return ""
    names = [result.provenance.get(i, {}).get("name_zh", i) for i in ids]
    return f"{SYNTHETIC_STAMP}\n{'、'.join(names)}"


def _halo(width: float = 2.5):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def _plot_lines(ax, geoms, **kwargs):
    """Polygon boundaries as one LineCollection (fast, small in a PDF)."""
    import shapely
    from matplotlib.collections import LineCollection

    lines = shapely.get_parts(shapely.boundary(np.asarray(geoms, dtype=object)))
    lines = shapely.get_parts(lines)
    segments = [np.asarray(line.coords)[:, :2] for line in lines if not line.is_empty]
    ax.add_collection(LineCollection(segments, **kwargs))


def nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``target_m``."""
    exponent = math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        if step * 10 ** exponent <= target_m:
            return step * 10 ** exponent
    return 10 ** exponent


def draw_scale_bar(ax, *, x0: float, y0: float, length_m: float, segments: int = 4,
                   height_m: float | None = None, fontsize: float = 7):
    """A black/white scale bar at (x0, y0) in map metres, labelled in km."""
    from matplotlib.patches import Rectangle

    height_m = height_m or length_m / 25
    step = length_m / segments
    for i in range(segments):
        ax.add_patch(Rectangle((x0 + i * step, y0), step, height_m, linewidth=0.6,
                               edgecolor="black", facecolor="black" if i % 2 == 0 else "white",
                               zorder=8))
    for i in range(0, segments + 1, 2 if segments % 2 == 0 else 1):
        km = i * step / 1000
        ax.text(x0 + i * step, y0 + height_m * 1.6, f"{km:g}", ha="center", va="bottom",
                fontsize=fontsize, zorder=8, path_effects=_halo(2))
    ax.text(x0 + length_m + step * 0.25, y0 + height_m / 2, "km", ha="left", va="center",
            fontsize=fontsize, zorder=8, path_effects=_halo(2))
    ax.text(x0, y0 - height_m * 0.8, "比例尺（等积投影，标准纬线 40°N/50°N 处准确）",
            ha="left", va="top", fontsize=fontsize - 1.5, color="#333333", zorder=8,
            path_effects=_halo(2))


def north_angle(x: float, y: float, crs=ALBERS_CRS) -> float:
    """Direction of true north at map point (x, y), radians counter-clockwise from +x."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    x2, y2 = to_map.transform(lon, lat + 0.1)
    return math.atan2(y2 - y, x2 - x)


def draw_north_arrow(ax, *, x: float, y: float, length_m: float, fontsize: float = 11):
    """An arrow at (x, y) map metres pointing to true north there (it tilts off 111°E)."""
    from matplotlib.patches import FancyArrow

    angle = north_angle(x, y)
    dx, dy = length_m * math.cos(angle), length_m * math.sin(angle)
    ax.add_patch(FancyArrow(x, y, dx, dy, width=length_m * 0.12, head_width=length_m * 0.38,
                            head_length=length_m * 0.38, length_includes_head=True,
                            facecolor="black", edgecolor="black", zorder=8))
    ax.text(x + dx * 1.25, y + dy * 1.25, "N", ha="center", va="center", fontsize=fontsize,
            fontweight="bold", zorder=8, path_effects=_halo(2))
    ax.text(x, y - length_m * 0.2, "北", ha="center", va="top", fontsize=fontsize - 3,
            zorder=8, path_effects=_halo(2))


def draw_inset(ax, province_lonlat, *, box=INSET_BOX):
    """Locator: the region (red) inside a wider lon/lat box with a 10° graticule."""
    west, east, south, north = box
    for lon in range(int(math.ceil(west / 10) * 10), int(east) + 1, 10):
        ax.axvline(lon, color="#c8c8c8", linewidth=0.4, zorder=1)
        ax.text(lon, south + 0.6, f"{lon}°E", fontsize=4.8, ha="center", va="bottom",
                color="#555555")
    for lat in range(int(math.ceil((south + 4) / 10) * 10), int(north) + 1, 10):
        ax.axhline(lat, color="#c8c8c8", linewidth=0.4, zorder=1)
        ax.text(west + 0.6, lat + 0.3, f"{lat}°N", fontsize=4.8, ha="left", va="bottom",
                color="#555555")
    _add_polygons(ax, province_lonlat.geometry, facecolor="#d62728", edgecolor="#7f0000",
                  linewidth=0.4, zorder=2)
    x, y = province_lonlat.geometry.union_all().representative_point().coords[0]
    ax.text(x + 1, y - 5, "内蒙古", fontsize=6.5, ha="center", va="top", zorder=3,
            path_effects=_halo(1.5))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#eef4fa")
    ax.set_title("位置示意 locator（经纬度 lon/lat）", fontsize=6, pad=2,
                 bbox={"boxstyle": "square,pad=0.2", "facecolor": "white",
                       "edgecolor": "none"})


def _draw_table(ax, table, *, fontsize: float = 8.5):
    ax.axis("off")
    widths = [0.10, 0.17, 0.20, 0.13, 0.14, 0.16, 0.09]
    cells = ax.table(cellText=table.to_numpy().tolist(), colLabels=list(table.columns),
                     colWidths=widths, loc="upper center", cellLoc="center")
    cells.auto_set_font_size(False)
    cells.set_fontsize(fontsize)
    cells.scale(1, 1.35)
    n_rows = len(table)
    for (row, _col), cell in cells.get_celld().items():
        cell.get_text().set_parse_math(False)
        cell.get_text().set_text(plain_text(cell.get_text().get_text()))
        cell.set_edgecolor("#999999")
        cell.set_linewidth(0.4)
        if row == 0:
            cell.set_facecolor("#dde6f3")
            cell.get_text().set_fontweight("bold")
        elif row >= n_rows - 1:
            cell.set_facecolor("#f3f3f3")
    return cells


def _overlaps(box, boxes) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


#: Offsets tried for a base label, in label heights: on the point, then rings around it.
_LABEL_RINGS = (0.0, 1.2, 2.2, 3.2, 4.4)


def place_labels(anchors, sizes, obstacles=()) -> list[tuple[float, float]]:
    """Greedy label placement: the first position around each anchor that hits no other box.

    Parameters
    ----------
    anchors : list of (x, y)
        Points to label, most important first.
    sizes : list of (width, height)
        Label box sizes, in the same units as the anchors.
    obstacles : list of (x0, y0, x1, y1)
        Boxes to keep clear of (other labels, the legend …).

    Returns
    -------
    list of (x, y): label centres; an anchor with no free spot keeps its own point.
    """
    placed = list(obstacles)
    centres = []
    directions = [(math.cos(a), math.sin(a)) for a in np.radians(np.arange(0, 360, 30))]
    for (x, y), (w, h) in zip(anchors, sizes, strict=True):
        choice = (x, y)
        candidates = [(x, y)] + [(x + dx * r * (w / 2 + h), y + dy * r * h * 1.1)
                                 for r in _LABEL_RINGS[1:] for dx, dy in directions]
        for cx, cy in candidates:
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if not _overlaps(box, placed):
                choice = (cx, cy)
                break
        placed.append((choice[0] - w / 2, choice[1] - h / 2, choice[0] + w / 2,
                       choice[1] + h / 2))
        centres.append(choice)
    return centres


# --- the figure ------------------------------------------------------------------------

def _points_per_unit(ax) -> float:
    """Typographic points per map metre in ``ax`` (after its aspect is applied)."""
    ax.apply_aspect()
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    x0, x1 = ax.get_xlim()
    return width_in * 72.0 / (x1 - x0)


def _label_box(text: str, fontsize: float, per_pt: float) -> tuple[float, float]:
    """Rough (width, height) in map units of a label: CJK characters are square."""
    lines = text.split("\n")
    ems = max(sum(1.0 if ord(c) > 0x2E80 else 0.58 for c in line) for line in lines)
    return (ems * fontsize + 4) * per_pt, (len(lines) * 1.15 * fontsize + 3) * per_pt


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


#: How the briefing names the base formation method.
BASE_METHOD_ZH = {"connection": "按并网点", "contiguity": "相邻地块合并"}


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


def figure(result, *, date: Date | None = None, leagues=None, province=None,
           units: Units = "gw"):
    """Build the briefing figure (a ``matplotlib.figure.Figure``, no pyplot state).

    Parameters
    ----------
    result : siting.pipeline.Result
        GeoDataFrames in the Albers CRS.
    date : datetime.date, optional
        Printed date (default today in China Standard Time).
    units : {'gw', 'wan'}
        GW/TWh or 万千瓦/亿千瓦时 in the table, labels and chart.
    leagues, province : GeoDataFrame, optional
        Boundaries; read from the catalog (or the scenario's overrides) when None.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    overrides = result.scenario.layers
    leagues = read_boundaries("leagues", overrides) if leagues is None else \
        leagues.to_crs(ALBERS_CRS)
    province = read_boundaries("province", overrides) if province is None else \
        province.to_crs(ALBERS_CRS)
    date = date or clock.today()
    tech = result.scenario.tech

    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=FIGSIZE_IN, dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        fig.text(0.012, 0.975, f"内蒙古{_TECH_ZH.get(tech, tech)}基地选址简报", fontsize=19,
                 fontweight="bold", va="top")
        fig.text(0.012, 0.922, f"Inner Mongolia {_TECH_EN.get(tech, tech)} base siting  ·  "
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
        fig.text(0.012, 0.052, provenance_line(result), fontsize=7, va="top", color="#444444")
        fig.text(0.012, 0.024, disclaimer("en") + "  Map: equal-area Albers (CGCS2000 "
                 "ellipsoid, 111°E, 40°N/50°N).", fontsize=6.2, va="top", color="#666666")
        _literal_text(fig)
    fig._siting_map_axes = ax  # the PPTX crops the map from this figure
    return fig


#: zlib level of the PNG: 3 is ~30% faster than Pillow's default 6 for ~3% more bytes.
PNG_COMPRESS_LEVEL = 3


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


#: East Asian typeface asked for in the slide (PowerPoint on Chinese Windows has it;
#: other viewers substitute their own CJK font).
PPTX_EA_FONT = "Microsoft YaHei"
#: Slide geometry, inches.
_SLIDE_W, _SLIDE_H, _MARGIN = 13.333, 7.5, 0.3


def _style_run(run, size: float, *, bold: bool = False, colour: str | None = None):
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    properties = run.font._rPr
    for old in properties.findall(qn("a:ea")):
        properties.remove(old)
    east_asian = properties.makeelement(qn("a:ea"), {"typeface": PPTX_EA_FONT})
    # schema order: fill and effects come before the latin/ea fonts
    latin = properties.find(qn("a:latin"))
    if latin is not None:
        latin.addnext(east_asian)
    else:
        properties.append(east_asian)


def pptx_bytes(result, map_png: bytes, *, date: Date | None = None,
               units: Units = "gw") -> bytes:
    """A 16:9 slide: title, the map picture, the summary table as a native table, notes."""
    from PIL import Image
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    date = date or clock.today()
    tech = result.scenario.tech
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(_SLIDE_W), Inches(_SLIDE_H)
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank

    def text_box(left, top, width, height, text, size, *, bold=False, colour=None):
        frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width),
                                         Inches(height)).text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            _style_run(paragraph.add_run(), size, bold=bold, colour=colour)
            paragraph.runs[0].text = plain_text(line)
        return frame

    text_box(_MARGIN, 0.15, _SLIDE_W - 2 * _MARGIN, 0.6,
             f"内蒙古{_TECH_ZH.get(tech, tech)}基地选址简报", 26, bold=True)
    text_box(_MARGIN, 0.75, _SLIDE_W - 2 * _MARGIN, 0.4,
             f"Inner Mongolia {_TECH_EN.get(tech, tech)} base siting · "
             f"情景 scenario: {result.scenario.name} · {date.isoformat()}", 12,
             colour="404040")

    stamp = synthetic_stamp(result)
    if stamp:
        text_box(_SLIDE_W - _MARGIN - 3.6, 0.15, 3.6, 0.6, stamp, 11, bold=True,
                 colour=SYNTHETIC_STAMP_COLOUR.lstrip("#").upper())

    with Image.open(io.BytesIO(map_png)) as image:
        aspect = image.height / image.width
    width = min(7.9, 5.6 / aspect)
    slide.shapes.add_picture(io.BytesIO(map_png), Inches(_MARGIN), Inches(1.2), Inches(width),
                             Inches(width * aspect))

    left = _MARGIN + width + 0.25
    panel_w = _SLIDE_W - left - _MARGIN
    text_box(left, 1.15, panel_w, 0.7, target_line(result, units=units), 12, bold=True)
    table = briefing_table(result, units=units)
    rows, cols = len(table) + 1, len(table.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(1.9), Inches(panel_w),
                                   Inches(0.3 * rows))
    grid = shape.table
    for j, share in enumerate((0.12, 0.17, 0.19, 0.14, 0.14, 0.15, 0.09)):
        grid.columns[j].width = Emu(int(Inches(panel_w) * share))
    cells = [list(map(plain_text, table.columns))] + [[plain_text(v) for v in row]
                                     for row in table.itertuples(index=False)]
    for i, values in enumerate(cells):
        for j, value in enumerate(values):
            cell = grid.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(0.05)
            paragraph = cell.text_frame.paragraphs[0]
            if value:
                _style_run(paragraph.add_run(), 10, bold=i == 0)
                paragraph.runs[0].text = value
            # an empty cell is as tall as its end-of-paragraph mark (18 pt by default)
            paragraph._p.get_or_add_endParaRPr().set("sz", str(int(Pt(10).pt * 100)))
    below = 1.9 + 0.3 * rows + 0.1
    policy = policy_line(result, units=units)
    if policy:
        text_box(left, below, panel_w, 0.45, policy, 10)
        below += 0.5
    curve = supply.supply_curve(result.bases)
    room = 6.9 - below  # inches left above the provenance line
    if len(curve) and room >= 0.8:
        slide.shapes.add_picture(io.BytesIO(supply_curve_png(
            curve, result.scenario.targets.target_gw, units, size_in=(panel_w, room))),
            Inches(left), Inches(below), Inches(panel_w), Inches(room))
    text_box(_MARGIN, 6.95, _SLIDE_W - 2 * _MARGIN, 0.5, provenance_line(result), 8.5,
             colour="555555")
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def render_all(result, formats=FORMATS, *, date: Date | None = None,
               units: Units = "gw") -> dict[str, bytes]:
    """Each of ``formats`` as bytes, from one figure (``units``: 'gw' or 'wan')."""
    from siting.export import parse_formats
    from siting.units import check_units

    check_units(units)
    formats = parse_formats(",".join(formats), FORMATS)
    fig = figure(result, date=date, units=units)
    out = {}
    for fmt in formats:
        if fmt == "pptx":
            out[fmt] = pptx_bytes(result, _map_png(fig), date=date, units=units)
        else:
            out[fmt] = _save(fig, fmt)
    return out


def render(result, fmt: Snapshot, *, date: Date | None = None, units: Units = "gw") -> bytes:
    """One snapshot as bytes, for a download button.

    Parameters
    ----------
    fmt : {'png', 'pdf', 'pptx'}
        PNG 300 dpi (4,000 × 2,250 px), PDF (vectors, score raster at 1 km),
        or a 16:9 PPTX slide with the map and a native table.
    units : {'gw', 'wan'}
        GW/TWh (default) or 万千瓦/亿千瓦时 in the table, labels and chart.
    """
    if fmt not in FORMATS:
        raise SitingError(f"unknown snapshot format {fmt!r}; choose from {', '.join(FORMATS)}",
                          zh=f"未知快照格式 {fmt!r}；请从 {', '.join(FORMATS)} 中选择")
    return render_all(result, (fmt,), date=date, units=units)[fmt]


def write_briefing(result, out_dir, *, formats=FORMATS, date: Date | None = None,
                   units: Units = "gw", staged: bool = True) -> list[Path]:
    """Write ``briefing.png/.pdf/.pptx`` into ``out_dir``.

    Rendered first, then written as a set (``export.staged_folder``, keeping
    the folder's other run files), so a failure leaves ``out_dir`` as it was.
    ``staged=False`` writes straight into ``out_dir`` (already a staging folder).
    """
    from siting.export import staged_folder

    rendered = render_all(result, formats, date=date, units=units)

    def write(folder: Path) -> list[str]:
        names = []
        for fmt, data in rendered.items():
            with atomic_path(Path(folder) / FILENAMES[fmt]) as tmp:
                tmp.write_bytes(data)
            names.append(FILENAMES[fmt])
        return names

    if not staged:
        return [Path(out_dir) / name for name in write(Path(out_dir))]
    with staged_folder(out_dir, keep_existing=True) as stage:
        names = write(stage)
    return [Path(out_dir) / name for name in names]
