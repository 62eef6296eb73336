"""Exact area of each parcel covered by the union of a set of shapes.

Shapes are cut into square tiles and unioned tile by tile, so a union never
holds a continent-sized polygon and the pieces of different tiles never
overlap: summing parcel ∩ piece areas gives the exact overlay area.
All geometries are in the equal-area CRS (metres).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

#: Tile edge for the piecewise union, metres. 50 km keeps pieces small
#: (fast intersections) and tiles few (~1,700 over the region).
TILE_SIZE_M = 50_000.0


@dataclass(frozen=True)
class TiledUnion:
    """The union of some shapes, split into disjoint per-tile pieces."""

    pieces: np.ndarray   # shapely geometries, one per non-empty tile
    tile_ids: np.ndarray  # int tile index of each piece
    key: str = ""  # digest of the shapes it was built from ("" = not memoised)

    @property
    def area_km2(self) -> float:
        """Total area of the union, km²."""
        import shapely

        return float(shapely.area(self.pieces).sum() / 1e6)


#: Precision grid of every union, metres. Snapping to 1 cm removes the
#: near-zero slivers that floating-point unions can leave, which otherwise make
#: a parcel ∩ piece come back empty (a red-line parcel counted as available).
PRECISION_M = 0.01

#: Shapes with more vertices than this are split in halves before tiling, so
#: no intersection ever walks a whole province outline (~50k vertices).
SUBDIVIDE_MAX_VERTICES = 512


def subdivide(geom, *, max_vertices: int = SUBDIVIDE_MAX_VERTICES) -> list:
    """Split a shape into pieces of at most ``max_vertices`` vertices (same union).

    Halves the bounding box along its longer side recursively (like PostGIS
    ST_Subdivide); total cost O(n log n) instead of O(n) per tile.
    """
    import shapely

    if shapely.get_num_coordinates(geom) <= max_vertices:
        return [geom]
    xmin, ymin, xmax, ymax = geom.bounds
    if xmax - xmin >= ymax - ymin:
        mid = (xmin + xmax) / 2
        halves = ((xmin, ymin, mid, ymax), (mid, ymin, xmax, ymax))
    else:
        mid = (ymin + ymax) / 2
        halves = ((xmin, ymin, xmax, mid), (xmin, mid, xmax, ymax))
    out = []
    for box in halves:
        part = shapely.make_valid(shapely.clip_by_rect(geom, *box))
        part = shapely.get_parts(part)
        for p in part:
            if p.area > 0 and p.geom_type in ("Polygon", "MultiPolygon"):
                out.extend(subdivide(p, max_vertices=max_vertices))
            elif p.geom_type == "GeometryCollection":
                out.extend(q for q in shapely.get_parts(p) if q.area > 0)
    return out


def _tile_index(x, y, tile_m):
    return np.floor(x / tile_m).astype(np.int64), np.floor(y / tile_m).astype(np.int64)


class Memo:
    """A least-recently-used memo of at most ``limit`` items, safe across threads (the
    app serves each browser session on its own thread)."""

    def __init__(self, limit: int):
        self.limit = int(limit)
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value under ``key`` (now the most recent), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key, value):
        """Keep ``value`` under ``key``, dropping the least recently used beyond the limit."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: How many tiled unions are kept in memory (least recently used dropped first), so
#: that an exclusion change rebuilds only the changed source's union. Assumption: the
#: app's sources (~15) for two or three recent settings; each holds a few MB.
MEMO_UNIONS = 48

_UNIONS = Memo(MEMO_UNIONS)


def shapes_key(geoms, *extra) -> str:
    """Digest of a shapely array (its WKB) and ``extra`` values: a memo key."""
    import shapely

    digest = hashlib.blake2b(repr(extra).encode(), digest_size=16)
    geoms = np.asarray(geoms, dtype=object)
    digest.update(str(len(geoms)).encode())
    for wkb in shapely.to_wkb(geoms, hex=False):
        digest.update(wkb if wkb is not None else b"-")
    return digest.hexdigest()


def tiled_union(geoms, *, tile_m: float = TILE_SIZE_M) -> TiledUnion:
    """Union ``geoms`` (shapely array, metres) tile by tile.

    Invalid inputs are repaired with ``make_valid``; points and lines (no area)
    contribute nothing. The same shapes give back the same union from memory
    (``MEMO_UNIONS``; keyed by their WKB).
    """
    geoms = np.asarray(geoms, dtype=object)
    key = shapes_key(geoms, tile_m)
    hit = _UNIONS.get(key)
    if hit is not None:
        return hit
    union = _tiled_union(geoms, tile_m)
    return _UNIONS.put(key, TiledUnion(union.pieces, union.tile_ids, key))


def _tiled_union(geoms, tile_m: float) -> TiledUnion:
    import shapely

    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    geoms = shapely.make_valid(geoms)
    geoms = geoms[shapely.area(geoms) > 0]
    if len(geoms) == 0:
        return TiledUnion(pieces=np.array([], dtype=object), tile_ids=np.array([], dtype=np.int64))
    big = shapely.get_num_coordinates(geoms) > SUBDIVIDE_MAX_VERTICES
    if big.any():
        split = [piece for g in geoms[big] for piece in subdivide(g)]
        geoms = np.concatenate([geoms[~big], np.array(split, dtype=object)])
    bounds = shapely.bounds(geoms)
    tx0, ty0 = _tile_index(bounds[:, 0], bounds[:, 1], tile_m)
    tx1, ty1 = _tile_index(bounds[:, 2], bounds[:, 3], tile_m)
    # every (shape, tile) pair whose bounding boxes meet
    pairs_shape, pairs_tx, pairs_ty = [], [], []
    for i in range(len(geoms)):
        xs, ys = np.meshgrid(np.arange(tx0[i], tx1[i] + 1), np.arange(ty0[i], ty1[i] + 1))
        pairs_shape.append(np.full(xs.size, i))
        pairs_tx.append(xs.ravel())
        pairs_ty.append(ys.ravel())
    shape_idx = np.concatenate(pairs_shape)
    tx = np.concatenate(pairs_tx)
    ty = np.concatenate(pairs_ty)
    tiles = shapely.box(tx * tile_m, ty * tile_m, (tx + 1) * tile_m, (ty + 1) * tile_m)
    clipped = shapely.intersection(geoms[shape_idx], tiles)
    keep = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 0)
    tile_key = (tx[keep] << 32) + (ty[keep] & 0xFFFFFFFF)
    clipped = clipped[keep]
    order = np.argsort(tile_key, kind="stable")
    tile_key, clipped = tile_key[order], clipped[order]
    unique_keys, starts = np.unique(tile_key, return_index=True)
    ends = np.append(starts[1:], len(tile_key))
    pieces = np.array([shapely.union_all(clipped[s:e], grid_size=PRECISION_M)
                       if e - s > 1 else clipped[s]
                       for s, e in zip(starts, ends, strict=True)], dtype=object)
    pieces = shapely.make_valid(shapely.set_precision(pieces, PRECISION_M))
    return TiledUnion(pieces=pieces, tile_ids=unique_keys)


def combine(unions: list[TiledUnion]) -> TiledUnion:
    """Union of several tiled unions (same tile size), tile by tile."""
    import shapely

    unions = [u for u in unions if len(u.pieces)]
    if not unions:
        return TiledUnion(pieces=np.array([], dtype=object), tile_ids=np.array([], dtype=np.int64))
    keys = np.concatenate([u.tile_ids for u in unions])
    pieces = np.concatenate([u.pieces for u in unions])
    order = np.argsort(keys, kind="stable")
    keys, pieces = keys[order], pieces[order]
    unique_keys, starts = np.unique(keys, return_index=True)
    ends = np.append(starts[1:], len(keys))
    merged = np.array([shapely.union_all(pieces[s:e], grid_size=PRECISION_M)
                       if e - s > 1 else pieces[s]
                       for s, e in zip(starts, ends, strict=True)], dtype=object)
    return TiledUnion(pieces=merged, tile_ids=unique_keys)


def _box_or_overlay(parcels, pieces) -> np.ndarray:
    """``parcels[i] ∩ pieces[i]`` (rectangle clipping for box parcels), shapely array."""
    import shapely

    out = np.empty(len(parcels), dtype=object)
    if len(parcels) == 0:
        return out
    boxes = axis_aligned_boxes(parcels)
    other = np.flatnonzero(~boxes)
    if len(other):
        out[other] = shapely.intersection(parcels[other], pieces[other])
    rows = np.flatnonzero(boxes)
    if len(rows):
        bounds = shapely.bounds(parcels[rows])
        try:
            # the ufunc under shapely.clip_by_rect takes arrays (its wrapper only scalars):
            # the same GEOS call per pair without a Python loop, ~10× faster
            out[rows] = shapely.lib.clip_by_rect(pieces[rows], *bounds.T)
        except (AttributeError, TypeError):  # a shapely without that ufunc
            clip = shapely.clip_by_rect
            out[rows] = [clip(piece, *box)
                         for piece, box in zip(pieces[rows], bounds.tolist(), strict=True)]
    return out


#: How many (parcel, piece) pair lists of ``touching`` are kept in memory. Assumption: as
#: ``MEMO_UNIONS``.
MEMO_PAIRS = 48

_PAIRS = Memo(MEMO_PAIRS)


def touching(parcels, union: TiledUnion, *, parcels_key: str = "") -> tuple:
    """(parcel index, piece index) of every parcel and piece of ``union`` that intersect.

    Kept in memory (``MEMO_PAIRS``) when ``parcels_key`` (``shapes_key`` of the
    parcels) and the union's key are given.
    """
    import shapely

    key = (parcels_key, union.key)
    hit = _PAIRS.get(key) if parcels_key and union.key else None
    if hit is not None:
        return hit
    if len(union.pieces) == 0 or len(parcels) == 0:
        pairs = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    else:
        pairs = tuple(shapely.STRtree(union.pieces).query(parcels, predicate="intersects"))
    if parcels_key and union.key:
        _PAIRS.put(key, pairs)
    return pairs


def group_covered_km2(parcels, members: list[TiledUnion], covered: list, *,
                      parcels_key: str = "") -> np.ndarray:
    """Area of each parcel inside the union of ``members``, km², from their own covers.

    ``covered[k]`` is ``covered_area_km2(parcels, members[k])``. A parcel that
    at most one member touches, or that one member covers whole, takes that
    member's area as it is; only parcels that two or more members cover in part
    are overlaid, with the union of the pieces cut to the parcel (snapped to
    ``PRECISION_M`` like ``combine``). ``parcels_key`` keeps the parcel-piece pairs
    in memory (``touching``). Equal to ``covered_area_km2(parcels,
    combine(members))`` to float rounding, without a union over the region: an
    exclusion change then costs the changed source and the parcels it shares.
    """
    parcels = np.asarray(parcels, dtype=object)
    key = (parcels_key, tuple(m.key for m in members))
    hit = _GROUPS.get(key) if parcels_key and all(key[1]) else None
    if hit is not None:
        return hit
    out = _group_covered_km2(parcels, members, covered, parcels_key)
    if parcels_key and all(key[1]):
        _GROUPS.put(key, out)
    return out


_GROUPS = Memo(MEMO_PAIRS)


def _group_covered_km2(parcels, members, covered, parcels_key) -> np.ndarray:
    import shapely

    n = len(parcels)
    if not members or n == 0:
        return np.zeros(n)
    cover = np.column_stack([np.asarray(c, dtype=float) for c in covered])
    touched = np.zeros(n, dtype=np.int64)
    pairs = []
    for union in members:
        parcel_idx, piece_idx = touching(parcels, union, parcels_key=parcels_key)
        pairs.append((parcel_idx, piece_idx))
        touched += np.bincount(np.unique(parcel_idx), minlength=n)
    area_km2 = shapely.area(parcels) / 1e6
    best = cover.max(axis=1)
    out = np.where(touched <= 1, cover.sum(axis=1), best)
    shared = (touched > 1) & (best < area_km2 * (1 - 1e-12))
    if not shared.any():
        return out
    rows, cuts = [], []
    for union, (parcel_idx, piece_idx) in zip(members, pairs, strict=True):
        keep = shared[parcel_idx]
        rows.append(parcel_idx[keep])
        cuts.append(_box_or_overlay(parcels[parcel_idx[keep]], union.pieces[piece_idx[keep]]))
    rows = np.concatenate(rows)
    # a cut can be a collection with lines or points on the parcel's edge: keep its areas
    cuts, part_of = shapely.get_parts(np.concatenate(cuts), return_index=True)
    polygonal = np.isin(shapely.get_type_id(cuts), (shapely.GeometryType.POLYGON,
                                                    shapely.GeometryType.MULTIPOLYGON))
    cuts, rows = cuts[polygonal], rows[part_of[polygonal]]
    order = np.argsort(rows, kind="stable")
    rows, cuts = rows[order], cuts[order]
    out[shared] = 0.0
    which, starts = np.unique(rows, return_index=True)
    ends = np.append(starts[1:], len(rows))
    merged = [shapely.union_all(cuts[s:e], grid_size=PRECISION_M)
              for s, e in zip(starts, ends, strict=True)]
    if merged:
        out[which] = shapely.area(np.array(merged, dtype=object)) / 1e6
    return out


def covered_area_km2(parcels, union: TiledUnion, *, parcels_key: str = "") -> np.ndarray:
    """Area of each parcel (shapely array, metres) inside ``union``, km².

    ``parcels_key`` (``shapes_key`` of all the parcels) keeps the parcel-piece
    pairs in memory for ``group_covered_km2``.
    """

    parcels = np.asarray(parcels, dtype=object)
    out = np.zeros(len(parcels))
    if len(union.pieces) == 0 or len(parcels) == 0:
        return out
    parcel_idx, piece_idx = touching(parcels, union, parcels_key=parcels_key)
    if len(parcel_idx) == 0:
        return out
    areas = intersection_areas(parcels[parcel_idx], union.pieces[piece_idx])
    return np.bincount(parcel_idx, weights=areas, minlength=len(parcels)) / 1e6


def axis_aligned_boxes(geoms) -> np.ndarray:
    """True for each polygon that is exactly its own bounding box (a grid parcel)."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(geoms)
    simple = ((shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON)
              & (shapely.get_num_coordinates(geoms) == 5)
              & (shapely.get_num_interior_rings(geoms) == 0))
    box_area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    # four corners whose polygon has the bounding box's area are its corners
    return simple & (np.abs(shapely.area(geoms) - box_area) <= 1e-9 * np.abs(box_area))


def intersection_areas(parcels, pieces) -> np.ndarray:
    """Area of ``parcels[i] ∩ pieces[i]`` for each pair, m².

    A parcel that is an axis-aligned box (every grid parcel not clipped by the
    boundary) is cut out of its piece with GEOS's rectangle clipping, ~3× faster
    than a general overlay and equal to it to float rounding (tests/test_overlay.py);
    other parcels get the general intersection.
    """
    import shapely

    parcels = np.asarray(parcels, dtype=object)
    pieces = np.asarray(pieces, dtype=object)
    if len(parcels) == 0:
        return np.zeros(0)
    return shapely.area(_box_or_overlay(parcels, pieces))
