"""Per-parcel raw features: resource means, exclusion shares, encouraged-land
shares and distances. This is the only stage that touches rasters; scoring
afterwards works on the resulting table alone.

Rasters are averaged block by block (``siting.zonal.raster_means``) and the
vector overlays run on partitions of the parcels; both go through the current
runner (``siting.distributed``), so a Dask run computes the same table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from siting import exclusions as ex
from siting.errors import SitingError
from siting.grid import ALBERS_CRS, grid_for_bounds
from siting.overlay import (
    Memo,
    TiledUnion,
    covered_area_km2,
    group_covered_km2,
    shapes_key,
    tiled_union,
)
from siting.tech import KINDS

#: Column of a vector exclusion layer holding each feature's own extent, km, added to
#: the entry's buffer: the settlements layer's built-up radius from population
#: (data/build: sqrt(P / (π × 5,000 persons/km²)), clipped to 0.3-12 km).
PER_FEATURE_BUFFER = "buffer_km"

#: Desert-layer kinds that count as desert/gobi and as sandy land.
DESERT_KINDS = ("gobi_desert", "desert", "gobi")
SANDY_KINDS = ("sandy_land",)
#: Share of a parcel that makes it "desert", "sandy" or "mine" land (dominant type).
LAND_TYPE_MIN_SHARE = 0.3
#: Raster features: column -> (layer id, resampling). Fields are interpolated.
RASTER_FEATURES = {"wind_ms": ("wind_speed_100m", "bilinear"),
                   "weibull_k": ("weibull_k", "bilinear"),
                   "ghi_kwh": ("ghi", "bilinear"),
                   "elev_m": ("elevation", "bilinear"),
                   "slope_deg": ("slope", "bilinear")}
#: How exclusions are overlaid on parcels (see ``prepare``).
ExclusionsMethod = Literal["exact", "raster"]
#: Optional raster features, read only when the user gives the layer (NaN otherwise).
OPTIONAL_RASTER_FEATURES = {"pvout_kwh": ("pvout", "bilinear"),
                            # the bundled pvlib yields (dropped when the user's GHI replaces
                            # the bundled one: PV then falls back to GHI × gain × PR)
                            "pv_yield_kwh": ("pv_yield", "bilinear"),
                            "pv_yield_trk_kwh": ("pv_yield_tracker", "bilinear")}


@dataclass
class Prepared:
    """Parcels with their raw features (GeoDataFrame in the equal-area CRS)."""

    parcels: object
    exclusion_area_km2: dict  # {tech: total excluded km² over the region}


def _noop(fraction, message):
    return None


def _albers(gdf):
    return gdf.to_crs(ALBERS_CRS).geometry.to_numpy()


def split_lines(geoms, *, max_vertices: int = 16) -> np.ndarray:
    """Cut long lines into pieces of at most ``max_vertices`` vertices.

    A nearest-feature search against one 3,000 km border line costs its whole
    vertex count per query; short pieces let the spatial index do the work.
    """
    import shapely

    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    pieces = []
    for part in parts:
        if not isinstance(part, shapely.LineString):
            pieces.append(part)
            continue
        coords = shapely.get_coordinates(part)
        for start in range(0, len(coords) - 1, max_vertices - 1):
            chunk = coords[start:start + max_vertices]
            if len(chunk) >= 2:
                pieces.append(shapely.LineString(chunk))
    return np.array(pieces, dtype=object)


def _nearest_km(geoms, targets) -> np.ndarray:
    """Distance from each parcel to the nearest target (pieces from ``split_lines``), km.

    Exact, and equal to ``STRtree.query_nearest``, at under half its cost on
    parcels far from a long border: the piece holding the target vertex
    nearest a parcel's centre bounds the distance from above, and only the
    pieces within that bound are measured.
    """
    import shapely
    from scipy.spatial import cKDTree

    geoms = np.asarray(geoms, dtype=object)
    targets = np.asarray(targets, dtype=object)
    out = np.full(len(geoms), np.nan)
    vertices, vertex_piece = shapely.get_coordinates(targets, return_index=True)
    valid = np.flatnonzero(~(shapely.is_empty(geoms) | shapely.is_missing(geoms)))
    if len(vertices) == 0 or len(valid) == 0:
        return out
    parcels = geoms[valid]
    bounds = shapely.bounds(parcels)
    centres = np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2,
                               (bounds[:, 1] + bounds[:, 3]) / 2])
    _, nearest_vertex = cKDTree(vertices).query(centres)
    upper = shapely.distance(parcels, targets[vertex_piece[nearest_vertex]])
    # a hair of slack: the within-distance test must not drop the piece at the bound
    idx_parcel, idx_piece = shapely.STRtree(targets).query(
        parcels, predicate="dwithin", distance=upper * (1 + 1e-9) + 1e-3)
    nearest = np.full(len(parcels), np.inf)
    np.minimum.at(nearest, idx_parcel, shapely.distance(parcels[idx_parcel],
                                                        targets[idx_piece]))
    out[valid] = nearest / 1000.0
    return out


def covered_partition(geoms, *, unions: dict, parcels_key: str = "") -> dict:
    """Covered km² of each parcel by each union, for some parcels (a Dask task).

    Every parcel is computed on its own, so partitions give the same numbers as
    one call over all parcels. ``parcels_key`` (only for all the parcels in one
    partition) keeps the parcel-piece pairs in memory.
    """
    return {key: covered_area_km2(geoms, union, parcels_key=parcels_key)
            for key, union in unions.items()}


#: How many per-parcel covers (one float array per parcel set and union) are kept in
#: memory, so an exclusion change overlays only the changed source. Assumption: as
#: ``siting.overlay.MEMO_UNIONS`` (~1.5 MB each at 185k parcels).
MEMO_COVERS = 48

_COVERS = Memo(MEMO_COVERS)


def memoised_covers(geoms, unions: dict, *, runner, progress=None,
                    parcels_key: str = "") -> dict:
    """``covered_area_km2`` of ``geoms`` by each union, reusing earlier results.

    A union built by ``tiled_union`` carries a digest of its shapes; with a digest of
    the parcels it keys the memo (``MEMO_COVERS``). The others are overlaid on
    partitions of the parcels by ``runner``.
    """
    parcels_key = parcels_key or shapes_key(geoms)
    out, todo = {}, {}
    for name, union in unions.items():
        key = (parcels_key, union.key)
        hit = _COVERS.get(key) if union.key else None
        if hit is not None:
            out[name] = hit
        else:
            todo[name] = union
    if todo:
        pieces = [geoms[piece] for piece in runner.partitions(len(geoms))]
        kwargs = {"progress": progress} if progress else {}
        whole = parcels_key if len(pieces) == 1 else ""
        done = _concatenate(runner.map(covered_partition, pieces,
                                       shared={"unions": todo, "parcels_key": whole},
                                       **kwargs), todo)
        for name, union in todo.items():
            out[name] = done[name]
            if union.key:
                _COVERS.put((parcels_key, union.key), done[name])
    return out


def distance_partition(geoms, *, targets: dict) -> dict:
    """Nearest distance (km) from each parcel to each target set (a Dask task)."""
    return {key: _nearest_km(geoms, pieces) for key, pieces in targets.items()}


def _concatenate(parts: list, keys) -> dict:
    return {key: np.concatenate([part[key] for part in parts]) if parts else np.zeros(0)
            for key in keys}


#: Keys of the per-kind dicts ``exclusion_shapes`` and ``exclusion_sources`` return.
EXCLUSION_KEYS = {"w": "wind", "pv": "pv"}


def _entry_shapes(entry, inputs, settings, read_raster) -> np.ndarray | None:
    """Shapes of one registry entry (equal-area metres, buffer applied); None if empty."""
    buffer_km, threshold = settings
    if entry.source == "vector":
        layer = inputs.vectors[entry.layer]
        if PER_FEATURE_BUFFER in layer:
            # a per-feature extent (e.g. a settlement's built-up radius, km) plus the
            # entry's setback; features without one get the setback alone
            extra = np.nan_to_num(layer[PER_FEATURE_BUFFER].to_numpy(dtype=float), nan=0.0)
            buffer_km = buffer_km + np.clip(extra, 0.0, None)
        return ex.buffered(_albers(layer), buffer_km)
    raster = read_raster(entry.layer)
    if entry.source == "landcover":
        mask = ex.class_mask(raster.array, entry.classes)
    else:  # "above": cells over the threshold (NaN is not over it)
        mask = np.nan_to_num(raster.array, nan=0.0) > threshold
        if not mask.any():
            return None
    return ex.buffered(ex.mask_to_polygons(mask, raster.transform, raster.crs), buffer_km)


def exclusion_shapes(inputs, exclusions) -> dict[str, dict[str, np.ndarray]]:
    """The shapes of every exclusion source (equal-area metres, buffers applied), per
    technology ('wind', 'pv'), from the entries of ``siting.registry.EXCLUSIONS``.

    An entry whose layer the run lacks is skipped when it is optional. Sources with
    the same settings for both kinds are the same array object in both.
    """
    from siting import registry

    rasters = {}

    def read_raster(layer_id):
        # read once: a user's file-backed raster reads its whole band on each access
        if layer_id not in rasters:
            rasters[layer_id] = inputs.rasters[layer_id].read()
        return rasters[layer_id]

    made: dict[tuple, np.ndarray | None] = {}
    by_tech = {EXCLUSION_KEYS[kind]: {} for kind in KINDS}
    for entry in registry.EXCLUSIONS:
        layers = inputs.vectors if entry.source == "vector" else inputs.rasters
        if entry.optional and entry.layer not in layers:
            continue
        for kind in KINDS:
            settings = registry.settings(entry, exclusions, kind)
            if settings is None:
                continue
            key = (entry.id, settings)
            if key not in made:
                made[key] = _entry_shapes(entry, inputs, settings, read_raster)
            if made[key] is not None:
                by_tech[EXCLUSION_KEYS[kind]][entry.id] = made[key]
    return by_tech


def exclusion_sources(inputs, exclusions) -> dict[str, dict[str, TiledUnion]]:
    """Tiled unions of every exclusion source, per technology ('wind', 'pv').

    Sources that do not depend on the technology are computed once and shared.
    """
    unions: dict[int, TiledUnion] = {}
    by_tech = {}
    for tech, sources in exclusion_shapes(inputs, exclusions).items():
        by_tech[tech] = {}
        for name, shapes in sources.items():
            if id(shapes) not in unions:
                unions[id(shapes)] = tiled_union(shapes)
            by_tech[tech][name] = unions[id(shapes)]
    return by_tech


def start_unions(inputs, scenario):
    """Build the exclusion sources' and encouraged land's tiled unions on a thread of
    their own (they depend on the inputs and the settings, not on the parcels), so that
    the parcels can be made beside them: :func:`prepare` then finds them in memory
    (``siting.overlay.tiled_union``'s memo, the same objects it would build). Returns
    the thread (``join()`` it); None in a Dask run or on one core, where nothing runs.
    A failure is left for :func:`prepare` to meet (and report) itself.
    """
    import threading

    from siting import distributed

    runner = distributed.current()
    if not (OVERLAP_RASTER_STAGE and isinstance(runner, distributed.SerialRunner)
            and runner.parallel_threads > 1):
        return None

    def work():
        try:
            exclusion_sources(inputs, scenario.exclusions)
            desert = inputs.vectors["desert"]
            _kind_union(desert, DESERT_KINDS)
            _kind_union(desert, SANDY_KINDS)
            tiled_union(_albers(inputs.vectors["mine"]))
        except Exception:  # noqa: BLE001 - prepare computes again and reports it
            return

    thread = threading.Thread(target=work, name="siting-unions", daemon=True)
    thread.start()
    return thread


def _kind_union(gdf, kinds):
    if "kind" not in gdf.columns:
        return tiled_union(gdf.to_crs(ALBERS_CRS).geometry.to_numpy())
    chosen = gdf[gdf["kind"].isin(kinds)]
    return tiled_union(chosen.to_crs(ALBERS_CRS).geometry.to_numpy())


def land_type(desert_frac, sandy_frac, mine_frac, in_border_belt,
              *, min_share: float = LAND_TYPE_MIN_SHARE) -> np.ndarray:
    """Dominant encouraged land type per parcel: desert | sandy | mine | border | other."""
    shares = np.column_stack([desert_frac, sandy_frac, mine_frac])
    names = np.array(["desert", "sandy", "mine"], dtype=object)
    best = np.argmax(shares, axis=1)
    out = np.where(shares[np.arange(len(best)), best] >= min_share, names[best], "other")
    out = np.where((out == "other") & np.asarray(in_border_belt, bool), "border", out)
    return out.astype(object)


def exclusion_columns(inputs, scenario, geoms, area, *, runner=None, progress=_noop,
                      exclusions_method: ExclusionsMethod = "exact",
                      exclusion_resolution_m: float = ex.RASTER_RESOLUTION_M):
    """The exclusion columns of parcels: what an exclusion change recomputes.

    With the exact method, what did not change comes from memory: buffers and
    polygonised masks (``siting.exclusions``), each source's tiled union and
    per-parcel cover (``memoised_covers``); a technology's total cover is built
    from its sources' covers, overlaying only parcels that two sources share
    (``siting.overlay.group_covered_km2``). A red-line buffer change then
    buffers, unions and overlays the red line alone.

    Returns
    -------
    (dict, dict)
        ``{column: values}`` with ``x_<source>_<w|pv>`` (share of the parcel
        excluded by each source) and ``avail_<w|pv>_km2``, in table order; and
        the total excluded km² per technology.
    """
    from siting import distributed

    runner = runner or distributed.current()
    if exclusions_method == "raster":
        sources = exclusion_shapes(inputs, scenario.exclusions)
    else:
        sources = exclusion_sources(inputs, scenario.exclusions)
    # each distinct source is overlaid once, even where wind and PV share it
    unions, keys, key_of_union, groups = {}, {}, {}, {}
    for tech, tech_sources in sources.items():
        suffix = "w" if tech == "wind" else "pv"
        for name, union in tech_sources.items():
            key = key_of_union.setdefault(id(union), f"u{len(key_of_union)}")
            unions[key] = union
            keys[f"x_{name}_{suffix}"] = key
        groups[f"all_{suffix}"] = [keys[f"x_{name}_{suffix}"] for name in tech_sources]
    progress(0.4, "exclusion overlays")
    if exclusions_method == "raster":
        fine = grid_for_bounds(tuple(shapely_bounds(geoms)), exclusion_resolution_m,
                               min_resolution_m=1.0)
        shares = ex.excluded_fractions(geoms, unions, groups, fine)
        covered = {key: share * area for key, share in shares.items()}
    else:
        # each source's cover comes from memory when only another source changed; a
        # group's union is overlaid only where two of its sources share a parcel
        parcels_key = shapes_key(geoms)
        covered = memoised_covers(
            geoms, unions, runner=runner, parcels_key=parcels_key,
            progress=lambda done, total: progress(0.4 + 0.5 * done / total,
                                                  f"exclusion overlays {done}/{total}"))
        for group, members in groups.items():
            covered[group] = group_covered_km2(geoms, [unions[key] for key in members],
                                               [covered[key] for key in members],
                                               parcels_key=parcels_key)
    columns, total_excluded = {}, {}
    for tech, tech_sources in sources.items():
        suffix = "w" if tech == "wind" else "pv"
        for name in tech_sources:
            column = f"x_{name}_{suffix}"
            columns[column] = np.clip(covered[keys[column]] / np.maximum(area, 1e-12), 0, 1)
        excluded = covered[f"all_{suffix}"]
        columns[f"avail_{suffix}_km2"] = np.clip(area - excluded, 0, None)
        total_excluded[tech] = float(excluded.sum())
    return columns, total_excluded


def is_exclusion_column(column: str) -> bool:
    """True for the columns ``exclusion_columns`` makes."""
    return (column.startswith("x_") and column.endswith(("_w", "_pv"))) or \
        column in ("avail_w_km2", "avail_pv_km2")


def replace_exclusions(prepared: Prepared, inputs, scenario, *, progress=_noop,
                       exclusions_method: ExclusionsMethod = "exact",
                       exclusion_resolution_m: float = ex.RASTER_RESOLUTION_M) -> Prepared:
    """``prepared`` with its exclusion columns recomputed for ``scenario.exclusions``.

    Parcels, resource means, encouraged land and distances are kept: the table
    equals a full ``prepare`` of ``scenario`` on the same parcels, column for
    column, when only the exclusions changed.
    """
    table = prepared.parcels
    area = table["area_km2"].to_numpy()
    columns, total = exclusion_columns(inputs, scenario, table.geometry.to_numpy(), area,
                                       progress=progress, exclusions_method=exclusions_method,
                                       exclusion_resolution_m=exclusion_resolution_m)
    old = [c for c in table.columns if is_exclusion_column(c)]
    at = list(table.columns).index(old[0]) if old else len(table.columns)
    kept = [c for c in table.columns if c not in old]
    before = [c for c in kept if list(table.columns).index(c) < at]
    after = [c for c in kept if c not in before]
    out = table[before].copy()
    for column, values in columns.items():
        out[column] = values
    for column in after:
        out[column] = table[column].to_numpy()
    out = out.set_geometry(table.geometry.name)
    progress(1.0, "features ready")
    return Prepared(parcels=out, exclusion_area_km2=total)


def shapely_bounds(geoms) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a shapely array."""
    import shapely

    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    return (float(np.nanmin(bounds[:, 0])), float(np.nanmin(bounds[:, 1])),
            float(np.nanmax(bounds[:, 2])), float(np.nanmax(bounds[:, 3])))


#: In one process on 2+ cores, the raster means (GDAL warps, numpy sums) run on a thread
#: of their own while the exclusions and distances (GEOS) run on this one: the two
#: stages release the GIL for most of their time, so their wall times overlap (measured
#: at 250 m: ~20 s of rasters beside ~15 s of overlays and searches). Each stage
#: computes what it computed alone, so the table is the same bit for bit.
OVERLAP_RASTER_STAGE = True


class _Done:
    """A finished job's result (the form of ``concurrent.futures.Future.result``)."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value


def _start_raster_means(layers, parcels, grid, open_warper, runner, *, progress):
    """``raster_means`` of the parcels: on a thread of its own beside this one when the
    runner is this process on 2+ cores (``OVERLAP_RASTER_STAGE``), else at once.

    Returns an object whose ``result()`` gives the means. The thread reports no
    progress (a progress bar may belong to this thread, e.g. the app's), only the
    start here.
    """
    from siting import distributed
    from siting.zonal import raster_means

    geoms = parcels[[parcels.geometry.name]]  # its own frame: this thread adds columns
    if not (OVERLAP_RASTER_STAGE and isinstance(runner, distributed.SerialRunner)
            and runner.parallel_threads > 1):
        return _Done(raster_means(layers, geoms, grid, open_warper=open_warper,
                                  runner=runner, progress=progress))
    import threading
    from concurrent.futures import Future

    future: Future = Future()

    def work():
        try:
            future.set_result(raster_means(layers, geoms, grid, open_warper=open_warper,
                                           runner=runner))
        except BaseException as exc:  # handed to the caller's result()
            future.set_exception(exc)

    threading.Thread(target=work, name="siting-raster-means", daemon=True).start()
    return future


def prepare(inputs, scenario, parcels, *, progress=_noop,
            exclusions_method: ExclusionsMethod = "exact",
            exclusion_resolution_m: float = ex.RASTER_RESOLUTION_M) -> Prepared:
    """Compute every parcel's raw features (no scoring).

    Parameters
    ----------
    inputs : layers.bundle.Inputs
    scenario : siting.scenario.Scenario
    parcels : geopandas.GeoDataFrame
        From ``siting.parcels`` (equal-area CRS) with league and banner.
    progress : callable
        ``progress(fraction, message)``.
    exclusions_method : {"exact", "raster"}
        "exact" overlays the tiled unions of the exclusions (areas to the cm²);
        "raster" burns them on an ``exclusion_resolution_m`` grid in blocks
        (``siting.exclusions.excluded_fractions``: within ~1 % of a parcel's area
        at 100 m, and no unions to build).
    exclusion_resolution_m : float
        Cell size of the "raster" method, metres.
    """
    from siting import distributed
    from siting.inputs import open_warper
    from siting.zonal import Layer

    if exclusions_method not in ("exact", "raster"):
        raise SitingError(f"exclusions_method must be 'exact' or 'raster', "
                          f"got {exclusions_method!r}",
                          zh=f"排除区计算方式只能是 'exact' 或 'raster'（当前值："
                             f"{exclusions_method!r}）")
    runner = distributed.current()
    out = parcels.copy()
    geoms = out.geometry.to_numpy()
    area = out["area_km2"].to_numpy()

    progress(0.05, "resource layers → grid")
    grid = grid_for_bounds(tuple(out.total_bounds), scenario.resolution_m)
    layers = {column: Layer(inputs.rasters[layer_id], resampling)
              for column, (layer_id, resampling) in {**RASTER_FEATURES,
                                                     **OPTIONAL_RASTER_FEATURES}.items()
              if layer_id in inputs.rasters}
    for column in OPTIONAL_RASTER_FEATURES:
        out[column] = np.nan
    raster_job = _start_raster_means(layers, out, grid, open_warper, runner,
                                     progress=lambda f, m: progress(0.05 + 0.3 * f, m))

    progress(0.35, "exclusions")
    excluded_columns, total_excluded = exclusion_columns(
        inputs, scenario, geoms, area, runner=runner, exclusions_method=exclusions_method,
        exclusion_resolution_m=exclusion_resolution_m,
        progress=lambda f, m: progress(0.35 + 0.35 * f, m))
    progress(0.7, "encouraged land")
    unions = {}
    desert = inputs.vectors["desert"]
    unions["desert"] = _kind_union(desert, DESERT_KINDS)
    unions["sandy"] = _kind_union(desert, SANDY_KINDS)
    unions["mine"] = tiled_union(_albers(inputs.vectors["mine"]))
    if "custom_encouragement" in inputs.vectors:
        unions["custom"] = tiled_union(_albers(inputs.vectors["custom_encouragement"]))
    towns = inputs.vectors["settlements"]
    big = towns[towns["population"] >= scenario.bounds.load_centre_min_population]
    targets = {"grid_km": split_lines(_albers(inputs.vectors["substations"])),
               "load_km": split_lines(_albers(big if len(big) else towns)),
               "border_km": split_lines(_albers(inputs.vectors["border"]))}

    covered = memoised_covers(geoms, unions, runner=runner)
    pieces = [geoms[piece] for piece in runner.partitions(len(geoms))]
    progress(0.85, "distances")
    nearest = _concatenate(runner.map(distance_partition, pieces, shared={"targets": targets}),
                           targets)

    # the raster means join the table where they always stood (before the exclusions)
    if not isinstance(raster_job, _Done):
        progress(0.95, "zonal statistics")  # waiting for the raster thread
    for column, values in raster_job.result().items():
        out[column] = values
    for column, values in excluded_columns.items():
        out[column] = values
    for column, key in (("desert_frac", "desert"), ("sandy_frac", "sandy"),
                        ("mine_frac", "mine")):
        out[column] = np.clip(covered[key] / area, 0, 1)
    out["custom_frac"] = (np.clip(covered["custom"] / area, 0, 1) if "custom" in covered
                          else 0.0)
    for column in targets:
        out[column] = nearest[column]
    progress(1.0, "features ready")
    return Prepared(parcels=out, exclusion_area_km2=total_excluded)
