"""Map furniture and geometry drawing of the briefing: polygons, lines, scale bar,
north arrow, inset locator, table and label placement."""
from __future__ import annotations

import math

import numpy as np

from siting.grid import ALBERS_CRS
from siting.outputs.briefing.style import INSET_BOX, _halo
from siting.outputs.text import plain_text


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

