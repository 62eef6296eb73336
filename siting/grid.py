"""The analysis grid: an equal-area Albers raster grid over the region.

Areas, buffers and distances are computed in one equal-area projection for
Inner Mongolia (GRS80/CGCS2000 ellipsoid, central meridian 111°E, standard
parallels 40°N and 50°N; design.md). Cells are square, in metres.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from affine import Affine
from pyproj import CRS

from siting.errors import GridError

#: Equal-area Albers conic for the region (design.md: central meridian 111°E,
#: standard parallels ~40°N and 50°N, GRS80 = the CGCS2000 ellipsoid).
ALBERS_PROJ4 = ("+proj=aea +lat_0=45 +lon_0=111 +lat_1=40 +lat_2=50 "
                "+x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs")
ALBERS_CRS = CRS.from_proj4(ALBERS_PROJ4)

#: Default analysis resolution, metres (issue 2: default 1 km).
DEFAULT_RESOLUTION_M = 1000.0
#: Finest resolution supported on one machine, metres (Global Wind/Solar
#: Atlas cell size; perf.md).
MIN_RESOLUTION_M = 250.0
#: Coarsest resolution that still resolves a GW-scale base, metres.
MAX_RESOLUTION_M = 10_000.0


@dataclass(frozen=True)
class AnalysisGrid:
    """A north-up raster grid in the equal-area CRS.

    Attributes
    ----------
    west, north : float
        Coordinates of the upper-left corner, metres in ``crs``.
    resolution_m : float
        Cell size, metres (square cells).
    width, height : int
        Number of columns and rows.
    crs : pyproj.CRS
        The grid's CRS (the region's Albers by default).
    """

    west: float
    north: float
    resolution_m: float
    width: int
    height: int
    crs: CRS = ALBERS_CRS

    def __post_init__(self):
        if not (self.resolution_m > 0 and math.isfinite(self.resolution_m)):
            raise GridError(f"resolution_m must be a positive number of metres, "
                            f"got {self.resolution_m!r}",
                            zh=f"resolution_m 须为正数（米），当前为 {self.resolution_m!r}")
        if self.width < 1 or self.height < 1:
            raise GridError(f"grid must have at least one cell, got "
                            f"{self.width} × {self.height}",
                            zh=f"网格至少要有一个像元，当前为 {self.width} × {self.height}")

    @property
    def transform(self) -> Affine:
        """Affine transform from (col, row) to (x, y) metres."""
        return Affine(self.resolution_m, 0.0, self.west, 0.0, -self.resolution_m, self.north)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in metres."""
        return (self.west, self.north - self.height * self.resolution_m,
                self.west + self.width * self.resolution_m, self.north)

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell, km² (exact: the CRS is equal-area)."""
        return (self.resolution_m / 1000.0) ** 2


def grid_for_bounds(bounds, resolution_m=DEFAULT_RESOLUTION_M, *, crs=ALBERS_CRS,
                    min_resolution_m=MIN_RESOLUTION_M, max_resolution_m=MAX_RESOLUTION_M):
    """Grid covering ``bounds`` (west, south, east, north; metres in ``crs``).

    Edges snap outward to whole multiples of the resolution so grids of the
    same resolution always align cell for cell.
    """
    try:
        resolution_m = float(resolution_m)
    except (TypeError, ValueError):
        raise GridError(f"resolution must be a number of metres, got {resolution_m!r}",
                        zh=f"分辨率须为数字（米），当前为 {resolution_m!r}") from None
    if not (min_resolution_m <= resolution_m <= max_resolution_m):
        raise GridError(f"resolution {resolution_m:g} m is outside the supported range "
                        f"{min_resolution_m:g}-{max_resolution_m:g} m; pick e.g. 250, 500 or 1000",
                        zh=f"分辨率 {resolution_m:g} 米超出支持范围 "
                           f"{min_resolution_m:g}-{max_resolution_m:g} 米；"
                           "请选择如 250、500 或 1000")
    west, south, east, north = bounds
    if not (east > west and north > south):
        raise GridError(f"bounds {bounds!r} are empty: need west < east and south < north",
                        zh=f"范围 {bounds!r} 为空：须满足 西 < 东 且 南 < 北")
    west = math.floor(west / resolution_m) * resolution_m
    south = math.floor(south / resolution_m) * resolution_m
    east = math.ceil(east / resolution_m) * resolution_m
    north = math.ceil(north / resolution_m) * resolution_m
    return AnalysisGrid(west=west, north=north, resolution_m=resolution_m,
                        width=round((east - west) / resolution_m),
                        height=round((north - south) / resolution_m), crs=crs)


def grid_for_geometry(geometry_gdf, resolution_m=DEFAULT_RESOLUTION_M, **kwargs):
    """Grid covering a GeoDataFrame/GeoSeries after reprojecting it to Albers."""
    crs = kwargs.pop("crs", ALBERS_CRS)
    bounds = geometry_gdf.to_crs(crs).total_bounds
    return grid_for_bounds(tuple(bounds), resolution_m, crs=crs, **kwargs)
