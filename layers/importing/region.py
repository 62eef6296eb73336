"""The area an imported layer must overlap, and the error when it does not."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from layers.errors import DataFileError
from layers.importing.repair import crs_label, crs_mismatch_hint

#: Equal-area CRS in which coverage of the region is measured: Albers conic
#: equal-area centred on Inner Mongolia (central meridian 111°E, standard
#: parallels 40°N and 50°N, GRS80 = the CGCS2000 ellipsoid). The same
#: parameters as the engine's analysis grid (``siting.grid.ALBERS_PROJ4``),
#: restated here because ``layers/`` does not import the engine; only the
#: areas matter here (equal-area), not the grid.
COVERAGE_PROJ4 = ("+proj=aea +lat_0=45 +lon_0=111 +lat_1=40 +lat_2=50 "
                  "+x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs")
#: Spacing of the equal-area sample points that measure raster coverage, m.
COVERAGE_CELL_M = 5000.0
#: Tolerance used to simplify the region before measuring coverage, m (the
#: bundled outline has ~50,000 vertices; 500 m changes its area by < 0.01%).
REGION_SIMPLIFY_M = 500.0


def _human_bounds(bounds) -> str:
    return ", ".join(f"{v:.4g}" for v in bounds)


# --- the region -----------------------------------------------------------------------
@dataclass(frozen=True)
class Region:
    """The area coverage is measured against (default: the bundled province).

    ``geometry`` is in EPSG:4326; ``albers`` in ``COVERAGE_PROJ4`` (equal-area), simplified;
    ``sample_lon/lat`` are points on an equal-area grid inside it.
    """

    name: str
    geometry: object
    albers: object
    area_km2: float
    sample_lon: np.ndarray
    sample_lat: np.ndarray


def region_from_geometry(geometry, *, name: str = "the region",
                         cell_m: float = COVERAGE_CELL_M) -> Region:
    """A ``Region`` from a shapely geometry in EPSG:4326."""
    import shapely
    from affine import Affine
    from pyproj import Transformer
    from rasterio.features import geometry_mask

    to_albers = Transformer.from_crs("EPSG:4326", COVERAGE_PROJ4, always_xy=True)
    albers = shapely.transform(geometry, lambda xy: np.column_stack(
        to_albers.transform(xy[:, 0], xy[:, 1])))
    albers = shapely.simplify(albers, REGION_SIMPLIFY_M)
    west, south, east, north = albers.bounds
    width = max(1, math.ceil((east - west) / cell_m))
    height = max(1, math.ceil((north - south) / cell_m))
    transform = Affine(cell_m, 0.0, west, 0.0, -cell_m, north)
    inside = geometry_mask([albers], out_shape=(height, width), transform=transform,
                           invert=True)
    rows, cols = np.nonzero(inside)
    xs, ys = transform @ (cols + 0.5, rows + 0.5)
    lon, lat = to_albers.transform(np.asarray(xs), np.asarray(ys), direction="INVERSE")
    shapely.prepare(geometry)
    return Region(name=name, geometry=geometry, albers=albers, area_km2=albers.area / 1e6,
                  sample_lon=np.asarray(lon), sample_lat=np.asarray(lat))


@lru_cache(maxsize=1)
def default_region() -> Region:
    """Inner Mongolia from the bundled ``province`` layer."""
    from layers.catalog import resolve_layer
    from layers.io import read_vector

    info = resolve_layer("province")
    gdf = read_vector(info.path, layer=info.layer).to_crs("EPSG:4326")
    return region_from_geometry(gdf.geometry.union_all(), name="Inner Mongolia")


def _no_overlap(label: str, region: Region, bounds_wgs84, crs, source_bounds) -> DataFileError:
    hint = crs_mismatch_hint(crs, source_bounds) or (
        f"is the CRS right? The file says {crs_label(crs)}; if its coordinates are in another "
        "CRS, pass --crs EPSG:… (e.g. EPSG:4490, or a Gauss-Krüger zone such as EPSG:4527)")
    where = (f"it lies at {_human_bounds(bounds_wgs84)} (lon/lat)"
             if all(math.isfinite(v) for v in bounds_wgs84) else
             f"its coordinates {_human_bounds(source_bounds)} do not transform to lon/lat")
    hint_zh = crs_mismatch_hint(crs, source_bounds, zh=True) or (
        f"坐标系是否正确？文件中写的是 {crs_label(crs)}；如果其坐标属于另一坐标系，请传入 "
        "--crs EPSG:…（如 EPSG:4490，或高斯-克吕格投影带如 EPSG:4527）")
    where_zh = (f"它位于 {_human_bounds(bounds_wgs84)}（经纬度）"
                if all(math.isfinite(v) for v in bounds_wgs84) else
                f"其坐标 {_human_bounds(source_bounds)} 无法转换为经纬度")
    region_zh = "内蒙古" if region.name == "Inner Mongolia" else region.name
    return DataFileError(f"{label} does not overlap {region.name} (about 97.2-126.1°E, "
                         f"37.4-53.4°N): {where}; {hint}",
                         zh=f"{label} 与{region_zh}（约 97.2-126.1°E，37.4-53.4°N）没有重叠："
                            f"{where_zh}；{hint_zh}")

