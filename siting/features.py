"""Per-parcel raw features: resource means, exclusion shares, encouraged-land
shares and distances. This is the only stage that touches rasters; scoring
afterwards works on the resulting table alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting import exclusions as ex
from siting.grid import ALBERS_CRS, grid_for_bounds
from siting.overlay import TiledUnion, combine, covered_area_km2, tiled_union

#: Desert-layer kinds that count as desert/gobi and as sandy land.
DESERT_KINDS = ("gobi_desert", "desert", "gobi")
SANDY_KINDS = ("sandy_land",)
#: Share of a parcel that makes it "desert", "sandy" or "mine" land (dominant type).
LAND_TYPE_MIN_SHARE = 0.3


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
    import shapely

    targets = split_lines(np.asarray(targets, dtype=object))
    if len(targets) == 0:
        return np.full(len(geoms), np.nan)
    tree = shapely.STRtree(targets)
    (idx_parcel, _), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
    out = np.full(len(geoms), np.nan)
    out[idx_parcel] = dist / 1000.0
    return out


def exclusion_sources(inputs, exclusions) -> dict[str, dict[str, TiledUnion]]:
    """Tiled unions of every exclusion source, per technology ('wind', 'pv').

    Sources that do not depend on the technology are computed once and shared.
    """
    cfg = exclusions
    landcover = inputs.rasters["landcover"]
    slope = inputs.rasters["slope"]
    shared: dict[str, TiledUnion] = {}
    if cfg.redline:
        shared["redline"] = tiled_union(ex.buffered(_albers(inputs.vectors["redline"]),
                                                    cfg.redline_buffer_km))
    for name, enabled, classes, buffer_km in (
            ("water", cfg.water, ex.WATER_CLASSES, cfg.water_buffer_km),
            ("urban", cfg.urban, ex.URBAN_CLASSES, cfg.urban_buffer_km),
            ("forest", cfg.forest, ex.FOREST_CLASSES, 0.0)):
        if enabled:
            polys = ex.mask_to_polygons(ex.class_mask(landcover.array, classes),
                                        landcover.transform, landcover.crs)
            shared[name] = tiled_union(ex.buffered(polys, buffer_km))
    if cfg.border_strip_km > 0:
        shared["border"] = tiled_union(ex.buffered(_albers(inputs.vectors["border"]),
                                                   cfg.border_strip_km))
    cropland = None
    if cfg.cropland_pv or cfg.cropland_wind:
        cropland = tiled_union(ex.mask_to_polygons(
            ex.class_mask(landcover.array, ex.CROPLAND_CLASSES), landcover.transform,
            landcover.crs))
    towns = _albers(inputs.vectors["settlements"])
    by_tech = {}
    for tech, settle_km, slope_max, crop in (
            ("wind", cfg.settlement_buffer_wind_km, cfg.slope_max_wind_deg, cfg.cropland_wind),
            ("pv", cfg.settlement_buffer_pv_km, cfg.slope_max_pv_deg, cfg.cropland_pv)):
        sources = dict(shared)
        if crop and cropland is not None:
            sources["cropland"] = cropland
        if cfg.settlements and settle_km > 0:
            sources["settlements"] = tiled_union(ex.buffered(towns, settle_km))
        steep = np.nan_to_num(slope.array, nan=0.0) > slope_max
        if steep.any():
            sources["slope"] = tiled_union(ex.mask_to_polygons(steep, slope.transform,
                                                               slope.crs))
        by_tech[tech] = sources
    return by_tech


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


def prepare(inputs, scenario, parcels, *, progress=_noop) -> Prepared:
    """Compute every parcel's raw features (no scoring).

    Parameters
    ----------
    inputs : layers.bundle.Inputs
    scenario : siting.scenario.Scenario
    parcels : geopandas.GeoDataFrame
        From ``siting.parcels`` (equal-area CRS) with league and banner.
    progress : callable
        ``progress(fraction, message)``.
    """
    from layers.align import warp_array_to_grid
    from siting.zonal import parcel_means

    out = parcels.copy()
    geoms = out.geometry.to_numpy()
    area = out["area_km2"].to_numpy()

    progress(0.05, "resource layers → grid")
    grid = grid_for_bounds(tuple(out.total_bounds), scenario.resolution_m)
    aligned = {}
    for column, layer_id, resampling in (
            ("wind_ms", "wind_speed_100m", "bilinear"), ("weibull_k", "weibull_k", "bilinear"),
            ("ghi_kwh", "ghi", "bilinear"), ("elev_m", "elevation", "bilinear"),
            ("slope_deg", "slope", "bilinear")):
        raster = inputs.rasters[layer_id]
        aligned[column] = warp_array_to_grid(raster.array, raster.transform, raster.crs, grid,
                                             resampling=resampling)
    progress(0.2, "zonal statistics")
    for column, values in parcel_means(aligned, out, grid).items():
        out[column] = values
    del aligned

    progress(0.35, "exclusions")
    sources = exclusion_sources(inputs, scenario.exclusions)
    total_excluded = {}
    for i, (tech, tech_sources) in enumerate(sources.items()):
        progress(0.35 + 0.25 * i, f"exclusions ({tech})")
        suffix = "w" if tech == "wind" else "pv"
        for name, union in tech_sources.items():
            covered = covered_area_km2(geoms, union)
            out[f"x_{name}_{suffix}"] = np.clip(covered / np.maximum(area, 1e-12), 0, 1)
        union_all = combine(list(tech_sources.values()))
        excluded = covered_area_km2(geoms, union_all)
        out[f"avail_{suffix}_km2"] = np.clip(area - excluded, 0, None)
        total_excluded[tech] = float(excluded.sum())

    progress(0.85, "encouraged land and distances")
    desert = inputs.vectors["desert"]
    out["desert_frac"] = np.clip(covered_area_km2(geoms, _kind_union(desert, DESERT_KINDS))
                                 / area, 0, 1)
    out["sandy_frac"] = np.clip(covered_area_km2(geoms, _kind_union(desert, SANDY_KINDS))
                                / area, 0, 1)
    out["mine_frac"] = np.clip(covered_area_km2(geoms, tiled_union(_albers(inputs.vectors["mine"])))
                               / area, 0, 1)
    out["grid_km"] = _nearest_km(geoms, _albers(inputs.vectors["substations"]))
    towns = inputs.vectors["settlements"]
    big = towns[towns["population"] >= scenario.bounds.load_centre_min_population]
    out["load_km"] = _nearest_km(geoms, _albers(big if len(big) else towns))
    out["border_km"] = _nearest_km(geoms, _albers(inputs.vectors["border"]))
    progress(1.0, "features ready")
    return Prepared(parcels=out, exclusion_area_km2=total_excluded)
