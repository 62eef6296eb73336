"""Candidate parcels: a square or hexagonal grid clipped to the region, or the
user's own polygons, each tagged with its league and banner.

Parcels live in the equal-area CRS (``siting.grid.ALBERS_CRS``) so their
areas are exact.
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np

from siting.errors import SitingError
from siting.grid import ALBERS_CRS

ParcelShape = Literal["square", "hex"]
PARCEL_SHAPES = ("square", "hex")
#: Default parcel size, km (edge of a square; flat-to-flat width of a hexagon).
#: 5 km squares are 25 km²: ~75 MW of wind or ~250 MW of PV, so a 1 GW base is
#: a handful to a dozen parcels (base-scale planning).
DEFAULT_PARCEL_SIZE_KM = 5.0
#: Parcels with less than this share of their full cell inside the region
#: (slivers along the boundary) are dropped.
MIN_INSIDE_SHARE = 0.05


def _square_cells(bounds, size_m):
    west, south, east, north = bounds
    x0 = math.floor(west / size_m) * size_m
    y0 = math.floor(south / size_m) * size_m
    xs = np.arange(x0, east, size_m)
    ys = np.arange(y0, north, size_m)[::-1]  # north to south: rows read like a map
    gx, gy = np.meshgrid(xs, ys)
    import shapely

    return shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size_m, gy.ravel() + size_m)


def _hex_cells(bounds, size_m):
    """Pointy-top hexagons of flat-to-flat width ``size_m`` in rows offset by half."""
    import shapely

    west, south, east, north = bounds
    width = size_m                      # flat-to-flat (horizontal)
    radius = width / math.sqrt(3)       # centre to vertex
    row_step = 1.5 * radius
    rows = np.arange(math.floor(south / row_step) - 1, math.ceil(north / row_step) + 1)[::-1]
    centres = []
    for r in rows:
        offset = (r % 2) * width / 2
        cols = np.arange(math.floor((west - offset) / width) - 1,
                         math.ceil((east - offset) / width) + 1)
        cx = cols * width + offset
        centres.append(np.column_stack([cx, np.full_like(cx, r * row_step, dtype=float)]))
    centres = np.vstack(centres)
    angles = np.deg2rad(90 + 60 * np.arange(6))
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * radius
    coords = centres[:, None, :] + ring[None, :, :]
    return shapely.polygons(coords)


def grid_parcels(region, *, shape: ParcelShape = "square",
                 size_km: float = DEFAULT_PARCEL_SIZE_KM):
    """Parcels covering ``region``, clipped to it.

    Parameters
    ----------
    region : geopandas.GeoDataFrame
        The study area (any CRS); its union is the clip polygon.
    shape : {'square', 'hex'}
    size_km : float
        Square edge or hexagon flat-to-flat width, km (1-50).

    Returns
    -------
    geopandas.GeoDataFrame
        ``parcel_id`` (P000001 …), ``area_km2`` (clipped) and ``full_km2`` (cell
        before clipping), in the equal-area CRS.
    """
    import geopandas as gpd
    import shapely

    if shape not in PARCEL_SHAPES:
        raise SitingError(f"parcel shape {shape!r} is not one of {PARCEL_SHAPES}",
                          zh=f"地块形状 {shape!r} 不在 {PARCEL_SHAPES} 之中")
    try:
        size_km = float(size_km)
    except (TypeError, ValueError):
        raise SitingError(f"parcel size {size_km!r} is not a number of km; the default is "
                          f"{DEFAULT_PARCEL_SIZE_KM:g} km",
                          zh=f"地块大小 {size_km!r} 不是以千米计的数字；默认为 "
                             f"{DEFAULT_PARCEL_SIZE_KM:g} 千米") from None
    if not (1.0 <= size_km <= 50.0):
        raise SitingError(f"parcel size {size_km:g} km is outside 1-50 km; "
                          f"the default is {DEFAULT_PARCEL_SIZE_KM:g} km",
                          zh=f"地块大小 {size_km:g} 千米超出 1-50 千米的范围；"
                             f"默认为 {DEFAULT_PARCEL_SIZE_KM:g} 千米")
    from siting.overlay import tiled_union

    region_geoms = region.to_crs(ALBERS_CRS).geometry.to_numpy()
    size_m = float(size_km) * 1000.0
    make = _square_cells if shape == "square" else _hex_cells
    cells = make(tuple(shapely.total_bounds(region_geoms)), size_m)
    # clip against the region cut into 50 km tiles: each piece has few vertices
    pieces = tiled_union(region_geoms).pieces
    tree = shapely.STRtree(pieces)
    cell_idx, piece_idx = tree.query(cells, predicate="intersects")
    # a cell inside one piece is itself, once (it also touches the next tile's piece
    # along the tile edge: that pair would only give an edge)
    # (tested on the intersecting pairs only: a cell within a piece intersects it, and
    # the pairs' candidates are the tree's envelope hits the "within" query would test)
    inside = np.zeros(len(cells), dtype=bool)
    inside[cell_idx[shapely.within(cells[cell_idx], pieces[piece_idx])]] = True
    whole = np.unique(cell_idx[inside[cell_idx]])
    cut = ~inside[cell_idx]
    cell_idx = np.concatenate([whole, cell_idx[cut]])
    parts = np.concatenate([cells[whole],
                            shapely.intersection(cells[cell_idx[len(whole):]],
                                                 pieces[piece_idx[cut]])])
    solid = shapely.area(parts) > 0  # drop edge-touch slivers (lines, points)
    cell_idx, parts = cell_idx[solid], parts[solid]
    hit = np.unique(cell_idx)
    order = np.argsort(cell_idx, kind="stable")
    cell_idx, parts = cell_idx[order], parts[order]
    starts = np.searchsorted(cell_idx, hit)
    ends = np.append(starts[1:], len(cell_idx))
    clipped = np.array([parts[a] if b - a == 1 else shapely.union_all(parts[a:b])
                        for a, b in zip(starts, ends, strict=True)], dtype=object)
    cells = cells[hit]
    full_km2 = shapely.area(cells) / 1e6
    area_km2 = shapely.area(clipped) / 1e6
    keep = area_km2 >= MIN_INSIDE_SHARE * full_km2
    gdf = gpd.GeoDataFrame({"area_km2": area_km2[keep], "full_km2": full_km2[keep]},
                           geometry=clipped[keep], crs=ALBERS_CRS)
    gdf.insert(0, "parcel_id", [f"P{i:06d}" for i in range(1, len(gdf) + 1)])
    return gdf


def user_parcels(gdf, *, id_column: str | None = None):
    """The user's own parcel polygons, reprojected and given ids and areas."""
    import geopandas as gpd

    gdf = gdf.to_crs(ALBERS_CRS)
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise SitingError("the parcels file holds no polygons; parcels must be areas "
                          "(Polygon/MultiPolygon), not points or lines",
                          zh="地块文件中没有面；地块须为面（Polygon/MultiPolygon），不能是点或线")
    if id_column and id_column not in polys.columns:
        raise SitingError(f"parcel id column {id_column!r} not in the file; columns: "
                          f"{', '.join(map(str, polys.columns))}",
                          zh=f"文件中没有地块编号列 {id_column!r}；其列为："
                             f"{', '.join(map(str, polys.columns))}")
    ids = (polys[id_column].astype(str) if id_column
           else [f"P{i:06d}" for i in range(1, len(polys) + 1)])
    area = polys.geometry.area.to_numpy() / 1e6
    return gpd.GeoDataFrame({"parcel_id": list(ids), "area_km2": area, "full_km2": area},
                            geometry=polys.geometry.values, crs=ALBERS_CRS)


def attach_admin(parcels, banners):
    """Add ``league`` and ``banner`` (Chinese names) by each parcel's interior point.

    ``banners`` needs ``name_zh`` and ``league_zh`` columns. Parcels whose point
    falls in no banner (rare boundary slivers) take the nearest banner.
    """
    import geopandas as gpd

    points = gpd.GeoDataFrame({"_i": np.arange(len(parcels))},
                              geometry=parcels.geometry.representative_point().to_numpy(),
                              crs=parcels.crs)
    admin = banners.to_crs(parcels.crs)[["name_zh", "league_zh", "geometry"]]
    within = gpd.sjoin(points, admin, how="left", predicate="within").drop_duplicates("_i")
    within = within.sort_values("_i")
    missing = within["name_zh"].isna().to_numpy()
    if missing.any():
        nearest = gpd.sjoin_nearest(points[missing], admin, how="left").drop_duplicates("_i")
        within.loc[within["_i"].isin(nearest["_i"]), ["name_zh", "league_zh"]] = \
            nearest.sort_values("_i")[["name_zh", "league_zh"]].to_numpy()
    out = parcels.copy()
    out["league"] = within["league_zh"].to_numpy()
    out["banner"] = within["name_zh"].to_numpy()
    return out
