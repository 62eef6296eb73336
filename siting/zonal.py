"""Per-parcel statistics of rasters on the analysis grid.

Parcel ids are burnt onto the grid by cell centre, then each layer's mean per
parcel is one ``np.bincount`` (perf.md: faster than per-feature zonal
statistics). Parcels too small to own a cell centre take the value at their
interior point.

The engine works block by block (``raster_means``): for each block of the
grid that holds parcels it burns the parcels that touch it, warps each layer
onto the block and sums the cells per parcel, so no full-size layer or index
grid is ever in memory. The result is the same as burning and warping the
whole grid at once (``parcel_means``):

- the burn computes each cell in whole-grid pixel coordinates, with GDAL's
  rule and arithmetic (``rasterio.features.rasterize``), whatever the block;
- a layer's values are defined by warping the blocks of one fixed tiling
  (``BLOCK_ROWS`` × ``BLOCK_COLS``, the data layer's tiling), whichever
  blocks a run needs;
- a parcel inside one block is summed there in row-major order, as over the
  whole grid; a parcel that spans blocks adds its per-block sums in grid
  order, which can differ from the whole-grid sum in the last bits of a
  float64, and is the same on every run, serial or on Dask.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting.grid import AnalysisGrid

NO_PARCEL = -1

#: Block of the analysis grid warped and summed at once, cells (rows × columns). It must
#: be the tiling the data layer's whole-grid warp uses (``layers.align.BLOCK_ROWS`` /
#: ``BLOCK_COLS``, checked by tests/test_scale.py): GDAL's values depend slightly on the
#: window warped, so one fixed tiling makes every run agree bit for bit. 512 × 1024 float32
#: is 2 MB a layer (measured choice, see layers/align.py and docs/scaling.md).
BLOCK_ROWS = 512
BLOCK_COLS = 1024


def _noop(fraction, message):
    return None


# --- burning parcel ids ---------------------------------------------------------


@dataclass(frozen=True)
class ParcelEdges:
    """The ring edges of a set of polygons in pixel coordinates of a grid.

    Coordinates are whole-grid pixel coordinates (column, row; cell centres
    at .5), computed as GDAL's rasterize computes them. Edges are grouped by
    polygon part (GDAL burns the parts of a multipolygon one by one): those of
    part ``k`` are ``starts[k]:starts[k + 1]``, and ``ids[k]`` is the parcel
    (row number in the parcel table) the part belongs to.
    """

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    starts: np.ndarray
    ids: np.ndarray
    bounds: np.ndarray  # (parts, 4) pixel bounds per part: xmin, ymin, xmax, ymax

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, which: np.ndarray) -> ParcelEdges:
        """The edges of the parts at positions ``which`` (ascending)."""
        which = np.asarray(which, dtype=np.int64)
        lengths = self.starts[which + 1] - self.starts[which]
        take = _ranges(self.starts[which], lengths)
        starts = np.zeros(len(which) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return ParcelEdges(self.x0[take], self.y0[take], self.x1[take], self.y1[take], starts,
                           self.ids[which], self.bounds[which])


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for each start ``s`` and length ``n``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.asarray(starts, dtype=np.int64) - np.cumsum(lengths) + lengths,
                        lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _pixel_coordinates(grid: AnalysisGrid, x, y):
    """Map → pixel coordinates with GDAL's arithmetic (inverse geotransform, then
    ``T0 + X·T1``), so that a vertex lands exactly where GDAL puts it."""
    west, res, north = float(grid.west), float(grid.resolution_m), float(grid.north)
    inv_x0, inv_dx = -west / res, 1.0 / res
    inv_y0, inv_dy = -north / -res, 1.0 / -res
    return inv_x0 + np.asarray(x) * inv_dx, inv_y0 + np.asarray(y) * inv_dy


def parcel_edges(geometries, grid: AnalysisGrid) -> ParcelEdges:
    """Ring edges of polygons (shapely array in the grid's CRS) in pixel coordinates.

    Parcel ``i`` is ``geometries[i]``; empty or missing geometries and
    non-polygon parts have no edges.
    """
    import shapely

    geometries = np.asarray(geometries, dtype=object)
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    polygonal = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    parts, part_owner = parts[polygonal], part_owner[polygonal]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    # GDAL turns every ring, hole or not, clockwise before burning; orientation
    # matters only for a horizontal edge lying exactly on a row of cell centres
    ring_start = np.searchsorted(coord_ring, np.arange(len(rings)))
    ring_size = np.bincount(coord_ring, minlength=len(rings))
    flip = shapely.is_ccw(rings)[coord_ring]
    offset = np.arange(len(coords)) - ring_start[coord_ring]
    order = np.where(flip, ring_start[coord_ring] + ring_size[coord_ring] - 1 - offset,
                     np.arange(len(coords)))
    coords = coords[order]
    px, py = _pixel_coordinates(grid, coords[:, 0], coords[:, 1])
    same_ring = coord_ring[1:] == coord_ring[:-1]
    part = ring_part[coord_ring[:-1][same_ring]]
    x0, y0 = px[:-1][same_ring], py[:-1][same_ring]
    x1, y1 = px[1:][same_ring], py[1:][same_ring]
    n_parts = len(parts)
    counts = np.bincount(part, minlength=n_parts)
    starts = np.zeros(n_parts + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    bounds = np.full((n_parts, 4), np.nan)
    has = counts > 0
    if has.any():
        first = starts[:-1][has]
        for column, values in enumerate((np.minimum(x0, x1), np.minimum(y0, y1),
                                         np.maximum(x0, x1), np.maximum(y0, y1))):
            reduce = np.minimum if column < 2 else np.maximum
            bounds[has, column] = reduce.reduceat(values, first)
    return ParcelEdges(x0, y0, x1, y1, starts, part_owner.astype(np.int64), bounds)


def _spans(edges: ParcelEdges, row0: int, row1: int):
    """Burnt spans of rows ``row0:row1``: (group, row, first col, end col), GDAL's rule.

    The rule of ``GDALdllImageFilledPolygon``: a scanline through the cell
    centres (row + 0.5) crosses the edges with y0 <= row + 0.5 < y1; each
    crossing rounds to a column ``floor(x + 0.5)``; sorted crossings pair up
    (even-odd over all rings of a parcel); a horizontal edge lying exactly on
    the scanline and running right to left is burnt too.
    """
    group_of_edge = np.repeat(np.arange(len(edges), dtype=np.int64), np.diff(edges.starts))
    x0, y0, x1, y1 = edges.x0, edges.y0, edges.x1, edges.y1
    rising = y0 < y1
    dy1 = np.where(rising, y0, y1)
    dy2 = np.where(rising, y1, y0)
    dx1 = np.where(rising, x0, x1)
    dx2 = np.where(rising, x1, x0)
    sloped = np.flatnonzero(y0 != y1)
    # candidate rows with a margin of one; the exact test comes after
    first = np.clip(np.floor(dy1[sloped] - 0.5) - 1, row0, row1).astype(np.int64)
    last = np.clip(np.ceil(dy2[sloped] - 0.5) + 1, row0, row1).astype(np.int64)
    lengths = np.maximum(last - first, 0)
    which = np.repeat(sloped, lengths)
    rows = _ranges(first, lengths)
    centre = rows + 0.5
    hit = (dy1[which] <= centre) & (centre < dy2[which])
    which, rows, centre = which[hit], rows[hit], centre[hit]
    intersect = ((centre - dy1[which]) * (dx2[which] - dx1[which]) / (dy2[which] - dy1[which])
                 + dx1[which])
    cols = np.floor(intersect + 0.5)
    groups = group_of_edge[which]
    # sort crossings by (group, row, col) and pair them within each (group, row)
    order = np.lexsort((cols, rows, groups))
    groups, rows, cols = groups[order], rows[order], cols[order]
    new_line = np.ones(len(rows), dtype=bool)
    new_line[1:] = (groups[1:] != groups[:-1]) | (rows[1:] != rows[:-1])
    line_start = np.flatnonzero(new_line)
    line_size = np.diff(np.append(line_start, len(rows)))
    line_of = np.repeat(np.arange(len(line_start)), line_size)
    rank = np.arange(len(rows)) - line_start[line_of]
    opens = np.flatnonzero((rank % 2 == 0) & (rank + 1 < line_size[line_of]))
    span_group = groups[opens]
    span_row = rows[opens]
    span_a = cols[opens]
    span_b = cols[opens + 1]
    # horizontal edges exactly on a scanline, running right to left
    flat = np.flatnonzero((y0 == y1) & (x0 > x1))
    if len(flat):
        line = y0[flat] - 0.5
        on_line = (line == np.floor(line)) & (line >= row0) & (line < row1)
        flat = flat[on_line]
        span_group = np.concatenate([span_group, group_of_edge[flat]])
        span_row = np.concatenate([span_row, (y0[flat] - 0.5).astype(np.int64)])
        span_a = np.concatenate([span_a, np.floor(x1[flat] + 0.5)])
        span_b = np.concatenate([span_b, np.floor(x0[flat] + 0.5)])
    return span_group, span_row, span_a, span_b


def burn(edges: ParcelEdges, window, grid: AnalysisGrid) -> np.ndarray:
    """int32 parcel ids of the cells of ``window`` (-1 outside every parcel).

    Equal to the same window of ``rasterio.features.rasterize`` over the whole
    grid with the parcels burnt in order (a later parcel wins where parcels
    overlap).
    """
    row0, col0 = int(window.row_off), int(window.col_off)
    rows, cols = int(window.height), int(window.width)
    out = np.full(rows * cols, NO_PARCEL, dtype=np.int32)
    if len(edges) == 0:
        return out.reshape(rows, cols)
    group, row, a, b = _spans(edges, row0, row0 + rows)
    # GDAL clips spans to the raster; here the raster is the window
    a = np.clip(a, max(col0, 0), min(col0 + cols, grid.width)).astype(np.int64)
    b = np.clip(b, max(col0, 0), min(col0 + cols, grid.width)).astype(np.int64)
    lengths = np.maximum(b - a, 0)
    cells = _ranges((row - row0) * cols + (a - col0), lengths)
    ids = np.repeat(edges.ids[group].astype(np.int32), lengths)
    # a later parcel overwrites an earlier one: the largest id wins
    np.maximum.at(out, cells, ids)
    return out.reshape(rows, cols)


def parcel_index_raster(parcels, grid: AnalysisGrid) -> np.ndarray:
    """int32 raster of parcel row numbers (0..n-1) on the whole ``grid``; -1 outside parcels."""
    from rasterio.windows import Window

    geoms = parcels.to_crs(grid.crs).geometry.to_numpy()
    return burn(parcel_edges(geoms, grid), Window(0, 0, grid.width, grid.height), grid)


# --- whole-array statistics (reference; small grids) ----------------------------


def zonal_mean(values: np.ndarray, index: np.ndarray, n_parcels: int) -> np.ndarray:
    """Mean of ``values`` per parcel, ignoring NaN; NaN where a parcel has no valid cell."""
    values = np.asarray(values, dtype="float64").ravel()
    index = np.asarray(index).ravel()
    ok = (index >= 0) & np.isfinite(values)
    sums = np.bincount(index[ok], weights=values[ok], minlength=n_parcels)
    counts = np.bincount(index[ok], minlength=n_parcels)
    return _mean(sums, counts)


def _mean(sums, counts):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _point_cells(grid: AnalysisGrid, x, y):
    col = np.floor((np.asarray(x) - grid.west) / grid.resolution_m).astype(np.int64)
    row = np.floor((grid.north - np.asarray(y)) / grid.resolution_m).astype(np.int64)
    inside = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    return row, col, inside


def sample_at_points(values: np.ndarray, grid: AnalysisGrid, x, y) -> np.ndarray:
    """Value of the grid cell under each point (metres in the grid CRS); NaN outside."""
    row, col, inside = _point_cells(grid, x, y)
    out = np.full(len(col), np.nan)
    out[inside] = values[row[inside], col[inside]]
    return out


def parcel_means(layers: dict[str, np.ndarray], parcels, grid: AnalysisGrid) -> dict:
    """Mean of each whole-grid layer per parcel, with point fallback for tiny parcels.

    The whole-array form: every layer and the parcel index are full grids in
    memory. Use ``raster_means`` for real grids; this is its reference.

    Parameters
    ----------
    layers : dict
        ``{name: 2-D array on grid}``.
    parcels : geopandas.GeoDataFrame
        In any CRS; reprojected to the grid's.
    """
    index = parcel_index_raster(parcels, grid)
    n = len(parcels)
    points = parcels.to_crs(grid.crs).geometry.representative_point()
    out = {}
    for name, values in layers.items():
        mean = zonal_mean(values, index, n)
        missing = np.isnan(mean)
        if missing.any():
            mean[missing] = sample_at_points(values, grid, points.x.to_numpy()[missing],
                                             points.y.to_numpy()[missing])
        out[name] = mean
    return out


# --- block by block ----------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """A raster to average per parcel: its source and how to resample it."""

    source: object  # a raster source the ``open_warper`` of ``raster_means`` reads
    resampling: str = "bilinear"


@dataclass(frozen=True)
class StripJob:
    """One row of blocks and the parcels and interior points it needs (a Dask task)."""

    windows: tuple  # rasterio Windows of the blocks, left to right
    edges: ParcelEdges  # polygon parts touching the strip
    point_ids: np.ndarray  # parcels whose interior point falls in the strip
    point_rows: np.ndarray
    point_cols: np.ndarray


@dataclass
class StripResult:
    """Per-parcel partial sums of one strip, block by block (left to right)."""

    block_ids: list = field(default_factory=list)  # parcels with cells in each block
    block_sums: list = field(default_factory=list)  # {name: float64 per parcel} per block
    block_counts: list = field(default_factory=list)  # {name: int64 per parcel} per block
    point_ids: np.ndarray = None
    point_values: dict = field(default_factory=dict)  # name -> float32 per point
    cells_warped: int = 0


def _conservative_cells(bounds: np.ndarray, grid: AnalysisGrid):
    """Row and column ranges (inclusive) that can hold a part's burnt cells."""
    finite = np.isfinite(bounds).all(axis=1)
    safe = np.where(finite[:, None], bounds, -2.0)
    col0 = np.clip(np.floor(safe[:, 0]) - 1, 0, grid.width - 1).astype(np.int64)
    row0 = np.clip(np.floor(safe[:, 1]) - 1, 0, grid.height - 1).astype(np.int64)
    col1 = np.clip(np.ceil(safe[:, 2]) + 1, 0, grid.width - 1).astype(np.int64)
    row1 = np.clip(np.ceil(safe[:, 3]) + 1, 0, grid.height - 1).astype(np.int64)
    outside = ~finite | (safe[:, 2] < 0) | (safe[:, 3] < 0) | (safe[:, 0] > grid.width) \
        | (safe[:, 1] > grid.height)
    return row0, row1, col0, col1, outside


def plan_strips(parcels, grid: AnalysisGrid, *, block_rows: int, block_cols: int) -> list:
    """Cut the work into strips of blocks (``StripJob``), in whole-grid order.

    Strips with no parcel and no interior point are left out.
    """
    import shapely
    from rasterio.windows import Window

    geoms = parcels.to_crs(grid.crs).geometry.to_numpy()
    edges = parcel_edges(geoms, grid)
    row0, row1, _, _, outside = _conservative_cells(edges.bounds, grid)
    points = shapely.point_on_surface(geoms)
    empty = shapely.is_empty(points) | shapely.is_missing(points)
    # a point off the grid (or none) leaves the parcel's fallback value NaN
    px = np.where(empty, grid.west - grid.resolution_m, shapely.get_x(points))
    py = np.where(empty, grid.north + grid.resolution_m, shapely.get_y(points))
    point_row, point_col, point_inside = _point_cells(grid, px, py)
    point_ids = np.flatnonzero(point_inside & ~empty)
    point_strip = point_row[point_ids] // block_rows
    part_ids = np.flatnonzero(~outside)
    first_strip, last_strip = row0[part_ids] // block_rows, row1[part_ids] // block_rows
    jobs = []
    for strip, strip_row0 in enumerate(range(0, grid.height, block_rows)):
        members = part_ids[(first_strip <= strip) & (last_strip >= strip)]
        in_strip = point_ids[point_strip == strip]
        if len(members) == 0 and len(in_strip) == 0:
            continue
        height = min(block_rows, grid.height - strip_row0)
        windows = tuple(Window(c, strip_row0, min(block_cols, grid.width - c), height)
                        for c in range(0, grid.width, block_cols))
        jobs.append(StripJob(windows=windows, edges=edges.subset(members), point_ids=in_strip,
                             point_rows=point_row[in_strip], point_cols=point_col[in_strip]))
    return jobs


def strip_means(job: StripJob, layers: dict, grid: AnalysisGrid, open_warper,
                warp_threads: int = 1) -> StripResult:
    """Burn, warp and sum one strip, block by block (a pure task: Dask can run it).

    Parameters
    ----------
    job : StripJob
    layers : dict
        ``{name: Layer}``.
    grid : siting.grid.AnalysisGrid
    open_warper : callable
        ``open_warper(source, grid, resampling=, threads=)``: a context manager
        whose ``warp(window)`` gives the float32 values of a block (NaN = nodata);
        ``siting.inputs.open_warper`` in a run.
    warp_threads : int
        GDAL threads per warp (the values do not depend on it).
    """
    from contextlib import ExitStack

    result = StripResult()
    point_id_parts, point_value_parts = [], {n: [] for n in layers}
    _, _, col0_all, col1_all, _ = _conservative_cells(job.edges.bounds, grid)
    with ExitStack() as stack:
        warpers = {name: stack.enter_context(open_warper(layer.source, grid,
                                                         resampling=layer.resampling,
                                                         threads=warp_threads))
                   for name, layer in layers.items()}
        for window in job.windows:
            c0, w = int(window.col_off), int(window.width)
            r0, h = int(window.row_off), int(window.height)
            touching = np.flatnonzero((col1_all >= c0) & (col0_all < c0 + w))
            index = burn(job.edges.subset(touching), window, grid).ravel()
            cells = np.flatnonzero(index != NO_PARCEL)  # row-major, as over the whole grid
            at = (job.point_cols >= c0) & (job.point_cols < c0 + w)
            p_ids = job.point_ids[at]
            p_cells = (job.point_rows[at] - r0) * w + job.point_cols[at] - c0
            if len(cells) == 0 and len(p_ids) == 0:
                continue
            owners = index[cells]
            ids = np.unique(owners)
            compact = np.searchsorted(ids, owners)
            sums, counts = {}, {}
            for name, warper in warpers.items():
                # whole blocks only: the tiling defines a layer's values
                values = warper.warp(window).ravel()
                cell_values = values[cells]
                ok = np.isfinite(cell_values)
                sums[name] = np.bincount(compact[ok], weights=cell_values[ok],
                                         minlength=len(ids))
                counts[name] = np.bincount(compact[ok], minlength=len(ids))
                point_value_parts[name].append(values[p_cells])
            result.block_ids.append(ids)
            result.block_sums.append(sums)
            result.block_counts.append(counts)
            point_id_parts.append(p_ids)
            result.cells_warped += w * h * len(layers)
    result.point_ids = (np.concatenate(point_id_parts) if point_id_parts
                        else np.zeros(0, dtype=np.int64))
    result.point_values = {n: (np.concatenate(p) if p else np.zeros(0, dtype=np.float32))
                           for n, p in point_value_parts.items()}
    return result


def combine_strips(results: list, names, n_parcels: int) -> dict:
    """Per-parcel means from strip results, added up block by block in grid order.

    A parcel inside one block gets that block's sum as it is, which is the
    whole-grid sum bit for bit; a parcel that spans blocks adds its per-block
    sums in grid order, always the same order, so every run agrees.
    """
    sums = {n: np.zeros(n_parcels) for n in names}
    counts = {n: np.zeros(n_parcels, dtype=np.int64) for n in names}
    points = {n: np.full(n_parcels, np.nan) for n in names}
    for result in results:
        for ids, block_sums, block_counts in zip(result.block_ids, result.block_sums,
                                                 result.block_counts, strict=True):
            for n in names:
                sums[n][ids] += block_sums[n]
                counts[n][ids] += block_counts[n]
        for n in names:
            points[n][result.point_ids] = result.point_values[n]
    out = {}
    for n in names:
        mean = _mean(sums[n], counts[n])
        missing = np.isnan(mean)
        mean[missing] = points[n][missing]
        out[n] = mean
    return out


def raster_means(layers: dict, parcels, grid: AnalysisGrid, *, open_warper, runner=None,
                 block_rows: int | None = None, block_cols: int | None = None,
                 progress=_noop) -> dict:
    """Mean of each raster layer per parcel, block by block.

    At most one block (``BLOCK_ROWS`` × ``BLOCK_COLS`` cells) of each layer
    is in memory at a time. The same as warping every layer onto the whole
    grid block by block (the data layer's ``warp_grid``) and calling ``parcel_means``:
    bit for bit for a parcel inside one block, to float64 rounding (the order
    of the additions) for a parcel that spans blocks. Serial and Dask runs
    give identical numbers.

    Parameters
    ----------
    layers : dict
        ``{name: Layer}`` (source and resampling).
    parcels : geopandas.GeoDataFrame
        In any CRS; reprojected to the grid's.
    grid : siting.grid.AnalysisGrid
    open_warper : callable
        Opens a layer's warper onto blocks of ``grid`` (see ``strip_means``);
        the boundary's ``siting.inputs.open_warper`` in a run.
    runner : siting.distributed runner, optional
        Runs the strips (default: one after the other in this process).
    block_rows, block_cols : int, optional
        Block size in cells (default ``BLOCK_ROWS``/``BLOCK_COLS``).
    progress : callable
        ``progress(fraction, message)``.

    Returns
    -------
    dict
        ``{name: float64 array, one value per parcel}``; NaN where a parcel has
        neither a valid cell nor a valid value at its interior point.
    """
    import warnings

    from rasterio.errors import NotGeoreferencedWarning

    from siting.distributed import SerialRunner

    runner = runner or SerialRunner()
    jobs = plan_strips(parcels, grid, block_rows=block_rows or BLOCK_ROWS,
                       block_cols=block_cols or BLOCK_COLS)
    with warnings.catch_warnings():
        # rasterio hides this warning of its own in-memory datasets (they have no
        # transform for an instant) with catch_warnings, which races between the
        # threads of a threaded Dask worker: hide it for the whole run instead
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        parallel = getattr(runner, "parallel_threads", 1) > 1
        results = runner.map(strip_means, jobs,
                             shared={"layers": layers, "grid": grid,
                                     "open_warper": open_warper,
                                     "warp_threads": 1 if parallel else runner.warp_threads},
                             progress=lambda done, total: progress(
                                 done / max(total, 1), f"zonal statistics {done}/{total}"),
                             parallel=parallel)
    return combine_strips(results, list(layers), len(parcels))
