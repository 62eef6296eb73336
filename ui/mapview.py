"""The map's content, built for the app's Leaflet component (``ui.sitemap``).

Region-wide rasters go on the map as PNG overlays warped to Web Mercator; parcel
values (score, excluded fraction) as one colour code per parcel that the browser
paints through a pixel index of the parcels (a weight change sends only the codes);
vectors as GeoJSON styled in JavaScript (no per-feature Python styling, perf.md).
Layer data is served by the app (``ui.map_files``); no tile server unless the user
picks one; Leaflet is served by the app (``ui.assets``).
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from siting import colours

#: Region centre, zoom and extent of the default view (whole of Inner Mongolia;
#: extent 97.2-126.1°E, 37.4-53.4°N, domain.md).
REGION_CENTER_LATLON = (45.4, 111.6)
DEFAULT_ZOOM = 5
REGION_BOUNDS_LATLON = ((37.4, 97.2), (53.4, 126.1))
#: Longest side of a raster overlay PNG, pixels (~2.5 km per pixel over the
#: region: sharp enough for the overview, ≤ 1 MB of payload).
OVERLAY_MAX_PX = 1200
WEB_MERCATOR = "EPSG:3857"

#: MODIS IGBP classes: (label zh, label en, colour).
IGBP_CLASSES = {
    0: ("水体", "water", "#4a90d9"), 1: ("常绿针叶林", "evergreen needleleaf forest", "#05450a"),
    2: ("常绿阔叶林", "evergreen broadleaf forest", "#086a10"),
    3: ("落叶针叶林", "deciduous needleleaf forest", "#54a708"),
    4: ("落叶阔叶林", "deciduous broadleaf forest", "#78d203"),
    5: ("混交林", "mixed forest", "#009900"), 6: ("郁闭灌丛", "closed shrubland", "#c6b044"),
    7: ("稀疏灌丛", "open shrubland", "#dcd159"), 8: ("木本稀树草原", "woody savanna", "#dade48"),
    9: ("稀树草原", "savanna", "#fbff13"), 10: ("草地", "grassland", "#b6ff05"),
    11: ("永久湿地", "permanent wetland", "#27ff87"), 12: ("农田", "cropland", "#c24f44"),
    13: ("城镇", "urban", "#a5a5a5"), 14: ("农田/自然植被", "cropland/natural mosaic", "#ff6d4c"),
    15: ("冰雪", "snow and ice", "#69fff8"), 16: ("裸地（戈壁、沙漠）", "barren (gobi, desert)",
                                               "#f9ffa4"),
}

#: Colour map and value range of each bundled raster (units of the layer).
RASTER_STYLES = {
    "elevation": ("terrain", 0.0, 2500.0),
    "slope": ("YlOrBr", 0.0, 6.0),
    "ghi": ("YlOrRd", 1300.0, 1950.0),
    "wind_speed_100m": ("viridis", 4.5, 9.5),
    "weibull_k": ("PuBu", 1.6, 2.8),
}


@dataclass(frozen=True)
class Overlay:
    """An RGBA image placed on the map by its lat/lon bounds."""

    image: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east))


def _mercator_grid(raster, max_px):
    from rasterio.transform import array_bounds
    from rasterio.warp import calculate_default_transform

    rows, cols = raster.shape
    west, south, east, north = array_bounds(rows, cols, raster.transform)
    transform, width, height = calculate_default_transform(
        raster.crs, WEB_MERCATOR, cols, rows, west, south, east, north)
    scale = max(width, height) / max_px
    if scale > 1:
        width, height = int(np.ceil(width / scale)), int(np.ceil(height / scale))
        transform, width, height = calculate_default_transform(
            raster.crs, WEB_MERCATOR, cols, rows, west, south, east, north,
            dst_width=width, dst_height=height)
    return transform, width, height


def raster_overlay(raster, *, layer_id: str, max_px: int = OVERLAY_MAX_PX) -> Overlay:
    """Colour a raster and warp it to Web Mercator for a Leaflet image overlay.

    Parameters
    ----------
    raster : layers.io.RasterData
        Values with NaN for nodata.
    layer_id : str
        Picks the colour map (``RASTER_STYLES``, or IGBP classes for land cover).
    """
    from pyproj import Transformer
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, reproject

    transform, width, height = _mercator_grid(raster, max_px)
    categorical = layer_id == "landcover"
    merc = np.full((height, width), np.nan, dtype="float32")
    reproject(source=raster.array.astype("float32"), destination=merc,
              src_transform=raster.transform, src_crs=raster.crs, src_nodata=np.nan,
              dst_transform=transform, dst_crs=WEB_MERCATOR, dst_nodata=np.nan,
              resampling=Resampling.nearest if categorical else Resampling.bilinear)
    rgba = colorize(merc, layer_id)
    west, south, east, north = array_bounds(height, width, transform)
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, east], [south, north])
    return Overlay(image=rgba, bounds=((lat0, lon0), (lat1, lon1)))


def colorize(values: np.ndarray, layer_id: str) -> np.ndarray:
    """RGBA uint8 image of ``values``; NaN is transparent."""
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    rgba = np.zeros(values.shape + (4,), dtype="uint8")
    valid = np.isfinite(values)
    if layer_id == "landcover":
        for code, (_, _, colour) in IGBP_CLASSES.items():
            rgba[valid & (values == code)] = np.array(to_rgba(colour)) * 255
        return rgba
    cmap_name, vmin, vmax = RASTER_STYLES.get(layer_id, ("viridis", np.nanmin(values),
                                                          np.nanmax(values)))
    scaled = np.clip((values - vmin) / (vmax - vmin), 0, 1)
    rgba[valid] = (colormaps[cmap_name](scaled[valid]) * 255).astype("uint8")
    return rgba


def legend_gradient_css(layer_id: str, n_stops: int = 6) -> str:
    """CSS ``linear-gradient`` of a raster layer's colour map (for the legend)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap_name = RASTER_STYLES[layer_id][0]
    stops = [to_hex(colormaps[cmap_name](i / (n_stops - 1))) for i in range(n_stops)]
    return f"linear-gradient(to right, {', '.join(stops)})"



def vector_geojson(gdf, *, simplify_deg: float = 0.0, columns=()) -> dict:
    """GeoJSON dict (WGS84) of ``gdf`` with only ``columns`` as properties.

    ``simplify_deg`` generalises lines for display only (degrees). Text
    properties stay as they are: the map shows them as text, never as HTML
    (``frontend/sitemap.js`` puts them into tooltips with ``textContent``).
    """
    gdf = gdf.to_crs("EPSG:4326")
    keep = [c for c in columns if c in gdf.columns]
    out = gdf[keep + ["geometry"]].copy()
    if simplify_deg > 0:
        out["geometry"] = out.geometry.simplify(simplify_deg, preserve_topology=True)
    out = out[~out.geometry.is_empty]
    return json.loads(out.to_json(drop_id=True))


#: Fill opacity of polygon layers; context layers (boundaries) are outlines only.
POLYGON_FILL_OPACITY = 0.35
#: Layers drawn as an outline over a white halo, never filled, so they stay
#: readable over any raster below (the red line over the green score ramp).
OUTLINE_LAYERS = {"redline": "#b2182b"}

#: Display generalisation (degrees) and tooltip fields of each vector layer.
VECTOR_DISPLAY = {
    "province": (0.005, ("name_zh", "name_en")),
    "leagues": (0.005, ("name_zh", "name_en")),
    "banners": (0.005, ("name_zh", "league_zh")),
    "border": (0.005, ("country_zh", "country_en")),
    "redline": (0.01, ("zone_zh", "zone_en")),
    "desert": (0.01, ("name_zh", "name_en", "kind", "source")),
    "mine": (0.0, ("name_zh", "name_en", "mineral")),
    "substations": (0.0, ("name_zh", "voltage_kv")),
    "lines": (0.0, ("name_zh", "voltage_kv")),
    "settlements": (0.0, ("name_zh", "name_en", "population")),
}


def geometry_kind(gdf) -> str:
    """'polygon', 'line' or 'point' from the layer's first geometry type."""
    geom_type = str(gdf.geom_type.dropna().iloc[0]) if len(gdf) else "Polygon"
    if "Polygon" in geom_type:
        return "polygon"
    return "line" if "Line" in geom_type else "point"



# --- results on the map --------------------------------------------------------

#: Score classes of the shortlist polygons: (lower bound, colour) from the one
#: score ramp (``siting.colours``: red = low, dark green = high).
SCORE_CLASSES = tuple((int(i * 100 / colours.SCORE_CLASSES), colour)
                      for i, colour in enumerate(colours.class_colours()))
#: Longest side of the score overlay, pixels.
SCORE_OVERLAY_MAX_PX = 1400


@dataclass(frozen=True)
class PixelIndex:
    """Which parcel (row number, -1 = none) each pixel of a Web Mercator image shows."""

    index: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]


def _burn_pixel_index(parcels, max_px: int) -> tuple[dict, dict]:
    """(arrays, metadata) of :func:`parcel_pixel_index`, computed.

    Each pixel's centre is looked up in the parcels' spatial index (in their own CRS),
    the rule GDAL's rasterize uses without ``all_touched``; where two parcels share an
    edge the later row wins, as in a burn. Not ``rasterio.features.rasterize``: in the
    app's script thread it took 12-18 s instead of ~1.2 s in some runs, holding the GIL
    (seen with py-spy; cause not found), while these vectorised calls take ~2 s."""
    import shapely
    from pyproj import Transformer
    from rasterio.transform import from_bounds

    west, south, east, north = parcels.to_crs(WEB_MERCATOR).total_bounds
    scale = max(east - west, north - south) / max_px
    width, height = int(np.ceil((east - west) / scale)), int(np.ceil((north - south) / scale))
    transform = from_bounds(west, south, east, north, width, height)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    xs = transform.c + cols.ravel() * transform.a
    ys = transform.f + rows.ravel() * transform.e
    px, py = Transformer.from_crs(WEB_MERCATOR, parcels.crs, always_xy=True).transform(xs, ys)
    pixel, parcel = parcels.sindex.query(shapely.points(px, py), predicate="intersects")
    order = np.argsort(parcel, kind="stable")  # the highest row last: it wins
    index = np.full(width * height, -1, dtype="int32")
    index[pixel[order]] = parcel[order]
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, east], [south, north])
    return {"index": index.reshape(height, width)}, {"bounds": [[lat0, lon0], [lat1, lon1]]}


def parcel_pixel_index(parcels, *, max_px: int = SCORE_OVERLAY_MAX_PX) -> PixelIndex:
    """Burn parcel row numbers into a Web Mercator image once per parcel set.

    Colouring a new score is then one ``take`` (fast re-render after a weight change).
    For a prepared table (``siting.inputs.prepared_cache.prepare``) the image is stored beside
    it on disk, so a warm start or an exclusion change reads it back.
    """
    from siting.inputs import prepared_cache

    arrays, meta = prepared_cache.derived(parcels, f"pixels-{int(max_px)}",
                                          lambda: _burn_pixel_index(parcels, max_px),
                                          code=(_burn_pixel_index,))
    (lat0, lon0), (lat1, lon1) = meta["bounds"]
    return PixelIndex(index=arrays["index"], bounds=((lat0, lon0), (lat1, lon1)))



#: Optional basemaps. None is the default (offline). Tianditu needs the user's
#: key; CGCS2000 ≈ WGS84 so it needs no offset. Amap/Gaode tiles are GCJ-02 and
#: would shift data by 0.3-0.6 km, so they are not offered.
TIANDITU_URL = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
TIANDITU_LAYERS = {"vec": "cva", "img": "cia", "ter": "cta"}  # base → labels
BASEMAPS = ("none", "osm", "tianditu_vec", "tianditu_img", "tianditu_ter")

def cmap_gradient_css(cmap_name: str, n_stops: int = 6) -> str:
    """CSS ``linear-gradient`` of a matplotlib colour map (for legends)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    stops = [to_hex(colormaps[cmap_name](i / (n_stops - 1))) for i in range(n_stops)]
    return f"linear-gradient(to right, {', '.join(stops)})"


# --- parcel values: codes per parcel, painted by the browser ---------------------------

#: Colour codes of a parcel layer: 0 = not drawn, 1..255 = the value's place on the ramp.
CODE_LEVELS = 255


def parcel_codes(values, *, vmin: float, vmax: float, hide_zero: bool = False) -> np.ndarray:
    """One colour code (uint8) per parcel: 0 where the value is NaN (or 0 with
    ``hide_zero``), else 1 + the value's place between ``vmin`` and ``vmax`` in 254 steps."""
    values = np.asarray(values, dtype=float)
    show = np.isfinite(values)
    if hide_zero:
        show &= values > 0
    codes = np.zeros(len(values), dtype="uint8")
    scaled = np.clip((values[show] - vmin) / (vmax - vmin), 0, 1)
    codes[show] = 1 + np.round(scaled * (CODE_LEVELS - 1)).astype("uint8")
    return codes


def code_palette(cmap) -> np.ndarray:
    """RGBA (256 × 4, uint8) of each code of :func:`parcel_codes`; code 0 transparent.
    ``cmap`` is a matplotlib colour map or its name."""
    from matplotlib import colormaps

    colour_map = colormaps[cmap] if isinstance(cmap, str) else cmap
    palette = np.zeros((CODE_LEVELS + 1, 4), dtype="uint8")
    palette[1:] = np.round(colour_map(np.linspace(0, 1, CODE_LEVELS)) * 255).astype("uint8")
    return palette


def paint(pixels: PixelIndex, codes: np.ndarray, palette: np.ndarray) -> Overlay:
    """The image the browser paints from ``codes`` (``frontend/sitemap.js`` ``paint``):
    each pixel takes its parcel's colour, pixels of no parcel are transparent."""
    idx = pixels.index
    colour_of_pixel = np.where(idx >= 0, codes[np.clip(idx, 0, None)], 0)
    return Overlay(image=palette[colour_of_pixel], bounds=pixels.bounds)


def score_overlay(pixels: PixelIndex, scores) -> Overlay:
    """Parcel scores on the one score ramp; score 0 (excluded, too small) transparent."""
    codes = parcel_codes(scores, vmin=colours.SCORE_MIN, vmax=colours.SCORE_MAX, hide_zero=True)
    return paint(pixels, codes, code_palette(colours.score_cmap()))


def index_image(pixels: PixelIndex) -> np.ndarray:
    """The pixel index as an RGB image the browser decodes: parcel row + 1 in 24 bits
    (0 = no parcel)."""
    rows = (pixels.index.astype("int64") + 1).astype("uint32")
    if rows.max(initial=0) >= 1 << 24:
        raise ValueError("more than 16.7 million parcels cannot be drawn on the map")
    return np.stack([(rows >> 16) & 255, (rows >> 8) & 255, rows & 255],
                    axis=-1).astype("uint8")


# --- the map spec (the component's arguments) ------------------------------------------

#: Where the app serves its own files; every other URL in a spec is remote.
LOCAL_URL_PREFIX = "/app/static/"


def parcels_layer(layer_id: str, name: str, *, index_url: str, bounds, codes: np.ndarray,
                  palette: np.ndarray, opacity: float) -> dict:
    """A parcel layer: the pixel index by URL, the codes inline (one byte per parcel)."""
    raw = np.ascontiguousarray(codes, dtype="uint8").tobytes()
    return {"id": layer_id, "type": "parcels", "name": name, "index_url": index_url,
            "bounds": _bounds(bounds), "codes": base64.b64encode(raw).decode("ascii"),
            "codes_key": hashlib.sha1(raw + palette.tobytes()).hexdigest()[:16],
            "palette": palette.tolist(), "opacity": float(opacity)}


def image_layer(layer_id: str, name: str, *, url: str, bounds, opacity: float) -> dict:
    """A raster overlay (PNG by URL)."""
    return {"id": layer_id, "type": "image", "name": name, "url": url,
            "bounds": _bounds(bounds), "opacity": float(opacity)}


def vector_layer(layer_id: str, name: str, *, url: str, kind: str, color: str,
                 fill_opacity: float = POLYGON_FILL_OPACITY, outline: str | None = None,
                 tooltip=()) -> dict:
    """A GeoJSON layer by URL; ``outline`` draws polygons as a dashed line over a white
    halo, unfilled (``OUTLINE_LAYERS``); ``tooltip`` is ``[(property, label), ...]``."""
    return {"id": layer_id, "type": "geojson", "role": "context", "name": name, "url": url,
            "kind": kind, "color": color, "fill_opacity": float(fill_opacity),
            "outline": outline if kind == "polygon" else None,
            "tooltip": [list(pair) for pair in tooltip]}


def shortlist_layer(name: str, *, url: str, tooltip) -> dict:
    """Shortlisted parcels coloured by score class in the browser (``SCORE_CLASSES``)."""
    return {"id": "shortlist", "type": "geojson", "role": "shortlist", "name": name,
            "url": url, "kind": "polygon", "classes": [list(c) for c in SCORE_CLASSES],
            "tooltip": [list(pair) for pair in tooltip]}


def shortlist_json(shortlist, geometries) -> bytes:
    """The shortlisted parcels as GeoJSON bytes with the properties the map styles on
    (``parcel_id``, ``score``, ``base_id``, ``league``); ``geometries`` is the shapely
    array of the full parcel table's WGS84 outlines, by row position like
    ``shortlist.index``. Coordinates are rounded to ``ui.results.MAP_DECIMALS``."""
    import shapely

    from ui.results import MAP_DECIMALS

    rows = np.asarray(shortlist.index, dtype="int64")
    shown = shapely.transform(np.asarray(geometries)[rows],
                              lambda c: np.round(c, MAP_DECIMALS))
    properties = [json.dumps({"parcel_id": str(pid), "score": round(float(score), 1),
                              "base_id": base if isinstance(base, str) else "",
                              "league": str(league)}, ensure_ascii=False)
                  for pid, score, base, league in zip(
                      shortlist["parcel_id"], shortlist["score"], shortlist["base_id"],
                      shortlist["league"], strict=True)]
    features = ",".join(f'{{"type":"Feature","geometry":{g},"properties":{p}}}'
                        for g, p in zip(shapely.to_geojson(shown), properties, strict=True))
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


def bases_layer(name: str, *, url: str, bases, tooltip) -> dict:
    """Candidate bases as bold outlines (GeoJSON by URL), each with a GW label and a
    line to its connection point (:func:`base_links`): one entry in the layer control."""
    return {"id": "bases", "type": "geojson", "role": "bases", "name": name, "url": url,
            "kind": "polygon", "tooltip": [list(pair) for pair in tooltip],
            "links": base_links(bases)}


#: At most this many bases get a connection line and a GW label.
MAX_BASE_LINKS = 300


def base_links(bases) -> list[dict]:
    """A line from each base's centre to its connection point and a GW label on the base.

    ``bases`` is ``Result.bases`` (``lon``, ``lat``, ``cap_mw``, ``base_id`` and, when
    connected, ``conn_lon``, ``conn_lat``, ``conn_name``)."""
    links = []
    for _, base in bases.head(MAX_BASE_LINKS).iterrows():
        connected = "conn_lon" in base.index and np.isfinite(base.get("conn_lon", np.nan))
        links.append({
            "base_id": str(base["base_id"]), "lat": round(float(base["lat"]), 5),
            "lon": round(float(base["lon"]), 5),
            "label": f"{base['base_id']} {base['cap_mw'] / 1000.0:.1f} GW",
            "conn_lat": round(float(base["conn_lat"]), 5) if connected else None,
            "conn_lon": round(float(base["conn_lon"]), 5) if connected else None,
            "conn_name": str(base["conn_name"]) if connected else ""})
    return links


def basemap_tiles(kind: str, *, tianditu_key: str = "") -> list[dict]:
    """Tile layers of the chosen basemap (online; only when the user picks one)."""
    if kind == "none":
        return []
    if kind == "osm":
        return [{"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                 "attribution": "© OpenStreetMap contributors", "subdomains": "abc"}]
    base = kind.split("_", 1)[1]
    key = tianditu_key.strip()
    return [{"url": TIANDITU_URL.format(layer=layer, key=key),
             "attribution": "天地图 Tianditu", "subdomains": "01234567"}
            for layer in (base, TIANDITU_LAYERS[base])]


def map_spec(layers: list[dict], *, basemap: list[dict] | None = None,
             height: int) -> dict:
    """The component's arguments: the region's extent, the basemap, the layers in draw
    order (rasters, then vectors, then results) and a version the page marks when drawn."""
    spec = {"bounds": _bounds(REGION_BOUNDS_LATLON), "height": int(height),
            "basemap": basemap or [], "layers": layers}
    spec["version"] = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return spec


def remote_urls(spec: dict) -> list[str]:
    """Every URL of a spec's layers the browser would load from elsewhere than the app
    (should be none; the basemap, the user's own choice, is not a layer)."""
    urls = [layer.get(k) for layer in spec["layers"] for k in ("url", "index_url")]
    return [u for u in urls if u and not str(u).startswith(LOCAL_URL_PREFIX)]


def _bounds(bounds) -> list[list[float]]:
    (south, west), (north, east) = bounds
    return [[float(south), float(west)], [float(north), float(east)]]
