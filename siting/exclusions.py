"""Hard exclusions: turn layers into exclusion shapes (with buffers) in the
equal-area CRS, and explain why a parcel is out.

Raster-based exclusions (land-cover classes, slope) become the exact polygons
of their cells, so every exclusion is a vector overlay and a parcel's
available area never counts excluded land.
"""
from __future__ import annotations

import hashlib

import numpy as np

from siting.grid import ALBERS_CRS
from siting.overlay import Memo

#: IGBP land-cover classes of each land-cover exclusion (MODIS MCD12C1).
WATER_CLASSES = (0, 11)          # water bodies, permanent wetlands
URBAN_CLASSES = (13,)            # urban and built-up
FOREST_CLASSES = (1, 2, 3, 4, 5)  # all forest classes (key state forests; domain.md ✅)
CROPLAND_CLASSES = (12, 14)      # croplands, cropland/natural mosaic (PV may not use; ✅)


#: How many polygonised masks are kept in memory (an exclusion change then does not
#: polygonise the unchanged land-cover classes again). Assumption: ~6 masks per setting.
MEMO_MASKS = 16

_MASKS = Memo(MEMO_MASKS)


def mask_to_polygons(mask, transform, crs):
    """Polygons (equal-area CRS, shapely array) of the True cells of ``mask``.

    Each polygon is the exact outline of its cells in the raster's CRS,
    reprojected to the equal-area CRS. The same mask, transform and CRS give
    back the same array from memory (``MEMO_MASKS``).
    """
    mask = np.ascontiguousarray(mask, dtype="uint8")
    digest = hashlib.blake2b(mask.tobytes(), digest_size=16)
    digest.update(repr((mask.shape, tuple(transform), str(crs))).encode())
    key = digest.hexdigest()
    hit = _MASKS.get(key)
    if hit is not None:
        return hit
    return _MASKS.put(key, _mask_to_polygons(mask, transform, crs))


def _mask_to_polygons(mask, transform, crs):
    import geopandas as gpd
    from rasterio.features import shapes
    from shapely.geometry import shape

    mask = np.asarray(mask, dtype="uint8")
    polys = [shape(geom) for geom, value in shapes(mask, mask=mask.astype(bool),
                                                   transform=transform) if value == 1]
    if not polys:
        return np.array([], dtype=object)
    series = gpd.GeoSeries(polys, crs=crs)
    if series.crs != ALBERS_CRS:
        # densify lon/lat edges so long straight cell runs follow the projection
        series = series.segmentize(0.05) if series.crs.is_geographic else series
        series = series.to_crs(ALBERS_CRS)
    return series.make_valid().to_numpy()


def class_mask(landcover, classes) -> np.ndarray:
    """True where the land-cover array holds one of ``classes`` (NaN is False)."""
    values = np.asarray(landcover)
    finite = np.isfinite(values)
    out = np.zeros(values.shape, dtype=bool)
    out[finite] = np.isin(values[finite].astype(int), classes)
    return out


#: How many buffered shape sets are kept in memory (an exclusion change then buffers
#: only the changed source). Assumption: ~5 buffered sources per setting.
MEMO_BUFFERS = 16

_BUFFERS = Memo(MEMO_BUFFERS)


def buffered(geoms, buffer_km):
    """Buffer shapes (metres) by ``buffer_km``: one distance, or one per shape (km);
    0 returns polygons unchanged.

    Points and lines need a positive buffer to exclude any area. The same
    shapes and distances give back the same array from memory (``MEMO_BUFFERS``).
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    distances = np.asarray(buffer_km, dtype=float)
    if np.any(distances < 0) or not np.all(np.isfinite(distances)):
        from siting.errors import SitingError

        shown = buffer_km if distances.ndim == 0 else np.nanmin(distances)
        raise SitingError(f"buffer must be ≥ 0 km, got {shown} (a finite distance)",
                          zh=f"缓冲距离须 ≥ 0 千米，当前为 {shown}（须为有限值）")
    if np.all(distances == 0):
        return geoms
    from siting.overlay import shapes_key

    key = shapes_key(geoms, distances.tobytes() if distances.ndim else float(distances))
    hit = _BUFFERS.get(key)
    if hit is not None:
        return hit
    return _BUFFERS.put(key, shapely.buffer(geoms, distances * 1000.0, quad_segs=16))



# --- rasterised exclusions -----------------------------------------------------

#: Cell size of the rasterised exclusions, metres. Cells are burnt by their centre, so
#: an exclusion edge parallel to the grid is off by up to half a cell along its whole
#: length: at 100 m a 5 km edge across a 25 km² parcel can move its share by 2 %; at
#: 50 m every full 5 km parcel of the bundled region is within 1 % of the exact overlay.
RASTER_RESOLUTION_M = 50.0
#: Cell size of the exported eligibility mask, metres.
MASK_RESOLUTION_M = 100.0
#: Block edge of the rasterised exclusions, cells (4 M cells: 16 MB of parcel ids).
RASTER_BLOCK_CELLS = 2048
#: Parcels with fewer cells than this get the exact overlay instead: an edge as long as
#: the parcel is wide moves its share by up to 0.5 / sqrt(cells), 1 % at 2,500 cells
#: (a 2.5 km parcel at 50 m); smaller ones are mostly clipped edge parcels.
MIN_PARCEL_CELLS = 2500
#: Eligibility mask values: excluded, eligible, outside every parcel (nodata).
MASK_EXCLUDED, MASK_ELIGIBLE, MASK_NODATA = 0, 1, 255


def _burnable(geoms) -> np.ndarray:
    """Polygons of ``geoms`` with area, big ones split so a block burns only its part."""
    import shapely

    from siting.overlay import SUBDIVIDE_MAX_VERTICES, subdivide

    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    # the exact overlay reads an invalid ring as make_valid does; the burn must too
    parts = shapely.get_parts(shapely.make_valid(geoms))
    parts = parts[~shapely.is_empty(parts)]
    parts = parts[shapely.area(parts) > 0]
    big = shapely.get_num_coordinates(parts) > SUBDIVIDE_MAX_VERTICES
    if big.any():
        split = [piece for g in parts[big] for piece in subdivide(g)]
        parts = np.concatenate([parts[~big], np.array(split, dtype=object)])
    return parts


class _Burner:
    """Burns sets of shapes (cell centres) on windows of a grid."""

    def __init__(self, sources: dict):
        import shapely

        self.shapes = {name: _burnable(geoms) for name, geoms in sources.items()}
        self.trees = {name: shapely.STRtree(parts) for name, parts in self.shapes.items()
                      if len(parts)}

    def masks(self, window, grid) -> tuple[dict, object]:
        """({source name: bool mask} of the sources touching ``window``, its transform)."""
        import shapely
        from affine import Affine
        from rasterio.features import rasterize

        transform = grid.transform @ Affine.translation(window.col_off, window.row_off)
        res = grid.resolution_m
        x0, y1 = grid.west + window.col_off * res, grid.north - window.row_off * res
        box = shapely.box(x0, y1 - window.height * res, x0 + window.width * res, y1)
        out = {}
        for name, tree in self.trees.items():
            hits = tree.query(box, predicate="intersects")
            if len(hits):
                out[name] = rasterize(self.shapes[name][hits],
                                      out_shape=(int(window.height), int(window.width)),
                                      transform=transform, fill=0, default_value=1,
                                      dtype="uint8").view(bool)
        return out, transform


def parcel_blocks(parcels, grid, *, block_cells: int = RASTER_BLOCK_CELLS):
    """Yield ``(window, parcel ids)`` for the blocks of ``grid`` that hold a parcel cell.

    Ids are row numbers of ``parcels`` (cell centres, as ``siting.zonal.burn``), -1
    outside every parcel.
    """
    from rasterio.windows import Window

    from siting.zonal import _conservative_cells, burn, parcel_edges

    edges = parcel_edges(np.asarray(parcels, dtype=object), grid)
    row0, row1, col0, col1, outside = _conservative_cells(edges.bounds, grid)
    for r in range(0, grid.height, block_cells):
        rows = min(block_cells, grid.height - r)
        in_rows = ~outside & (row1 >= r) & (row0 < r + rows)
        for c in range(0, grid.width, block_cells):
            members = np.flatnonzero(in_rows & (col1 >= c) & (col0 < c + block_cells))
            if len(members) == 0:
                continue
            window = Window(c, r, min(block_cells, grid.width - c), rows)
            ids = burn(edges.subset(members), window, grid)
            if (ids >= 0).any():
                yield window, ids


def excluded_fractions(parcels, sources: dict, groups: dict, grid, *,
                       block_cells: int = RASTER_BLOCK_CELLS,
                       min_cells: int = MIN_PARCEL_CELLS) -> dict[str, np.ndarray]:
    """Share of each parcel covered by each source and by each group's union, by raster.

    Every source is burnt (cell centres) on ``grid`` block by block, as are the
    parcels; a parcel's share is its excluded cells over its cells. Parcels
    owning fewer than ``min_cells`` cells get the exact overlay.

    Parameters
    ----------
    parcels : array of shapely polygons, equal-area metres
    sources : dict
        ``{name: shapely array}`` (equal-area metres, buffers already applied).
    groups : dict
        ``{name: [source names]}``: the share of the union of those sources.
    grid : siting.grid.AnalysisGrid
        The exclusion grid (``RASTER_RESOLUTION_M``).

    Returns
    -------
    dict
        ``{source or group name: share 0-1 per parcel}``.
    """
    parcels = np.asarray(parcels, dtype=object)
    n = len(parcels)
    names = list(sources) + list(groups)
    counts = {name: np.zeros(n, dtype=np.int64) for name in names}
    cells = np.zeros(n, dtype=np.int64)
    burner = _Burner(sources)
    for window, ids in parcel_blocks(parcels, grid, block_cells=block_cells):
        inside = ids >= 0
        owner = ids[inside]
        cells += np.bincount(owner, minlength=n)
        masks, _ = burner.masks(window, grid)
        for name, mask in masks.items():
            counts[name] += np.bincount(owner[mask[inside]], minlength=n)
        for group, members_of in groups.items():
            chosen = [masks[m] for m in members_of if m in masks]
            if chosen:
                union = np.logical_or.reduce(chosen) if len(chosen) > 1 else chosen[0]
                counts[group] += np.bincount(owner[union[inside]], minlength=n)
    out = {name: counts[name] / np.maximum(cells, 1) for name in names}
    few = np.flatnonzero(cells < min_cells)
    if len(few):
        _exact_fractions(parcels, few, burner.shapes, groups, out)
    return out


def _exact_fractions(parcels, rows, shapes: dict, groups: dict, out: dict) -> None:
    """Exact covered shares of the parcels at ``rows`` (too small for the raster)."""
    import shapely

    geoms = parcels[rows]
    area = np.maximum(shapely.area(geoms), 1e-9)
    unions = {}
    for name, parts in shapes.items():
        tree = shapely.STRtree(parts)
        unions[name] = [shapely.union_all(parts[tree.query(g)]) for g in geoms]
        out[name][rows] = shapely.area(shapely.intersection(geoms, unions[name])) / area
    for group, members_of in groups.items():
        merged = [shapely.union_all([unions[m][i] for m in members_of if m in unions])
                  for i in range(len(geoms))]
        out[group][rows] = shapely.area(shapely.intersection(geoms, merged)) / area


def eligibility_blocks(parcels, sources: dict, grid, *, fraction: bool = False,
                       block_cells: int = RASTER_BLOCK_CELLS):
    """Yield ``(window, uint8 block)`` of the eligibility mask on ``grid``.

    A cell is ``MASK_ELIGIBLE`` (1) inside a parcel and outside every source,
    ``MASK_EXCLUDED`` (0) inside a parcel and a source, ``MASK_NODATA`` (255)
    outside every parcel. With ``fraction`` the block holds instead each
    parcel's eligible share in percent (0-100) on its cells. Blocks with no
    parcel are not yielded (they are all nodata).
    """
    parcels = np.asarray(parcels, dtype=object)
    burner = _Burner(sources)
    shares = None
    if fraction:
        groups = {"all": list(sources)}
        excluded = excluded_fractions(parcels, sources, groups, grid,
                                      block_cells=block_cells)["all"]
        shares = np.round(100 * (1 - excluded)).astype(np.uint8)
    for window, ids in parcel_blocks(parcels, grid, block_cells=block_cells):
        inside = ids >= 0
        block = np.full(ids.shape, MASK_NODATA, dtype=np.uint8)
        if shares is not None:
            block[inside] = shares[ids[inside]]
        else:
            masks, _ = burner.masks(window, grid)
            excluded = np.logical_or.reduce(list(masks.values())) if masks else \
                np.zeros(ids.shape, dtype=bool)
            block[inside] = np.where(excluded[inside], MASK_EXCLUDED, MASK_ELIGIBLE)
        yield window, block
