"""Places the synthetic red line must leave out: approved and built large wind/PV bases
(``redline_keepout.yaml``, with sources) and the mine-restoration zones (``MINES`` of
:mod:`data.build.synthetic`). See docs/redline.md.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
import yaml

from data.build.common import BUNDLE_CRS

#: The list of base sites (name, lon/lat, radius, source), next to this module.
KEEPOUT_FILE = Path(__file__).with_name("redline_keepout.yaml")
#: Margin around each mine-restoration zone kept out of the red line, km ❌ assumption
#: (room for the restoration PV's roads and substation).
MINE_BUFFER_KM = 2.0
#: Equal-area CRS for the disc radii (the build's Albers, see data.build.synthetic).
_ALBERS = "+proj=aea +lat_1=40 +lat_2=50 +lat_0=45 +lon_0=111 +ellps=GRS80 +units=m +no_defs"


def load_sites(path=KEEPOUT_FILE):
    """The base sites as a list of dicts (name_zh, name_en, kind, lon, lat, radius_km,
    source), checked for the fields and plausible values."""
    sites = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["sites"]
    for site in sites:
        missing = {"name_zh", "name_en", "kind", "lon", "lat", "radius_km", "source"} - set(site)
        if missing:
            raise ValueError(f"{path}: site {site!r} lacks {sorted(missing)}")
        if not (97 <= site["lon"] <= 127 and 37 <= site["lat"] <= 54
                and 0 < site["radius_km"] <= 60):
            raise ValueError(f"{path}: site {site['name_en']!r} has an implausible "
                             "position or radius")
    return sites


def site_discs(sites=None):
    """GeoDataFrame of the site discs (WGS84), one row per site."""
    sites = load_sites() if sites is None else sites
    points = gpd.GeoSeries([shapely.Point(s["lon"], s["lat"]) for s in sites], crs=BUNDLE_CRS)
    discs = points.to_crs(_ALBERS).buffer([s["radius_km"] * 1000.0 for s in sites],
                                          quad_segs=16).to_crs(BUNDLE_CRS)
    return gpd.GeoDataFrame([{k: s[k] for k in ("name_zh", "name_en", "kind", "lon", "lat",
                                                "radius_km", "source")} for s in sites],
                            geometry=list(discs), crs=BUNDLE_CRS)


def mine_zones(buffer_km=MINE_BUFFER_KM):
    """The mine-restoration outlines of MINES, buffered by ``buffer_km`` (WGS84)."""
    from data.build.synthetic import MINES, mine_outline

    outlines = gpd.GeoSeries([mine_outline(m) for m in MINES], crs=BUNDLE_CRS)
    return list(outlines.to_crs(_ALBERS).buffer(buffer_km * 1000.0).to_crs(BUNDLE_CRS))


def keepout_geometry():
    """Union (WGS84) of the base-site discs and the buffered mine zones."""
    return shapely.union_all(list(site_discs().geometry) + mine_zones())
