"""Build the offline Leaflet map (folium) from catalog layers.

Region-wide rasters go on the map as PNG overlays warped to Web Mercator;
vectors as GeoJSON styled in JavaScript (no per-feature Python styling,
perf.md). No tile server unless the user picks one; Leaflet is served by the
app (``ui.assets``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from siting import colours
from ui.assets import leaflet_css_url, leaflet_js_url

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
    properties are HTML-escaped (they are shown in tooltips).
    """
    import html

    gdf = gdf.to_crs("EPSG:4326")
    keep = [c for c in columns if c in gdf.columns]
    out = gdf[keep + ["geometry"]].copy()
    for column in keep:  # user text goes into tooltips as HTML: escape it
        if out[column].dtype == object or str(out[column].dtype).startswith("string"):
            out[column] = [html.escape(str(v)) if v is not None else "" for v in out[column]]
    if simplify_deg > 0:
        out["geometry"] = out.geometry.simplify(simplify_deg, preserve_topology=True)
    out = out[~out.geometry.is_empty]
    return json.loads(out.to_json(drop_id=True))


#: Fill opacity of polygon layers; context layers (boundaries) are outlines only.
POLYGON_FILL_OPACITY = 0.35
#: Layers drawn as an outline over a white halo, never filled, so they stay
#: readable over any raster below (the red line over the green score ramp).
OUTLINE_LAYERS = {"redline": "#b2182b"}


def _style_js(color: str, geometry_kind: str, fill_opacity: float = POLYGON_FILL_OPACITY) -> str:
    if geometry_kind == "polygon":
        return (f"function(f){{return {{color:'{color}',weight:1,fillColor:'{color}',"
                f"fillOpacity:{fill_opacity}}};}}")
    return f"function(f){{return {{color:'{color}',weight:2,opacity:0.9}};}}"


def _outline_style_js(color: str, *, halo: bool) -> str:
    if halo:
        return "function(f){return {color:'#ffffff',weight:4,opacity:0.9,fill:false};}"
    return (f"function(f){{return {{color:'{color}',weight:2,opacity:1,fill:false,"
            f"dashArray:'6 3'}};}}")


def _add_metric_scale(m):
    """Leaflet scale bar in kilometres only (folium's ``control_scale`` adds miles)."""
    from branca.element import MacroElement
    from folium.template import Template

    scale = MacroElement()
    scale._name = "MetricScale"
    scale._template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({metric: true, imperial: false, maxWidth: 150})"
        ".addTo({{ this._parent.get_name() }});"
        "{% endmacro %}")
    scale.add_to(m)


def new_map(*, center=REGION_CENTER_LATLON, zoom: int = DEFAULT_ZOOM):
    """A folium map with no tiles, a km-only scale bar and Leaflet served by the app."""
    import folium

    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=False,
                   prefer_canvas=True)
    m.default_js = [("leaflet", leaflet_js_url())]
    m.default_css = [("leaflet_css", leaflet_css_url())]
    _add_metric_scale(m)
    m.fit_bounds([list(corner) for corner in REGION_BOUNDS_LATLON])
    return m


def add_overlay(m, overlay: Overlay, *, name: str, opacity: float = 0.7, show: bool = True):
    """Add a raster overlay to map ``m`` as an image layer."""
    import folium

    folium.raster_layers.ImageOverlay(image=overlay.image, bounds=list(map(list, overlay.bounds)),
                                      opacity=opacity, name=name, show=show,
                                      interactive=False, zindex=1).add_to(m)


def add_vector(m, geojson: dict, *, name: str, color: str, geometry_kind: str,
               tooltip_fields=(), show: bool = True,
               fill_opacity: float = POLYGON_FILL_OPACITY, outline: str | None = None):
    """Add a GeoJSON layer styled in JavaScript; points become circle markers.

    ``outline`` (a colour) draws polygons as a dashed outline over a white
    halo, unfilled (see ``OUTLINE_LAYERS``).
    """
    import folium
    from folium.utilities import JsCode

    if geometry_kind == "polygon" and outline is not None:
        _add_outline(m, geojson, name=name, color=outline, show=show,
                     tooltip_fields=tooltip_fields)
        return
    options = {"style": JsCode(_style_js(color, geometry_kind, fill_opacity))}
    if geometry_kind == "point":
        options["pointToLayer"] = JsCode(
            f"function(f,ll){{return L.circleMarker(ll,{{radius:3,color:'{color}',"
            f"weight:1,fillOpacity:0.8}});}}")
    tooltip = None
    if tooltip_fields and geojson["features"]:
        fields = [f for f in tooltip_fields if f in geojson["features"][0]["properties"]]
        if fields:
            tooltip = folium.GeoJsonTooltip(fields=fields, labels=False)
    folium.GeoJson(geojson, name=name, show=show, tooltip=tooltip, **options).add_to(m)


def _add_outline(m, geojson: dict, *, name: str, color: str, show: bool, tooltip_fields=()):
    """Halo and dashed outline in one toggleable group (one entry in the layer control)."""
    import folium
    from folium.utilities import JsCode

    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(geojson, style=JsCode(_outline_style_js(color, halo=True)),
                   control=False).add_to(group)
    tooltip = None
    if tooltip_fields and geojson["features"]:
        fields = [f for f in tooltip_fields if f in geojson["features"][0]["properties"]]
        if fields:
            tooltip = folium.GeoJsonTooltip(fields=fields, labels=False)
    folium.GeoJson(geojson, style=JsCode(_outline_style_js(color, halo=False)),
                   tooltip=tooltip, control=False).add_to(group)
    group.add_to(m)


def remote_assets(m) -> list[str]:
    """Every http(s) JS/CSS link any element of the map would load (should be none)."""
    links = []

    def walk(element):
        for _, href in getattr(element, "default_js", []) + getattr(element, "default_css", []):
            if str(href).startswith(("http:", "https:", "//")):
                links.append(href)
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(m)
    return links


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
    """(arrays, metadata) of :func:`parcel_pixel_index`, computed."""
    from pyproj import Transformer
    from rasterio.features import rasterize
    from rasterio.transform import from_bounds

    merc = parcels.to_crs(WEB_MERCATOR)
    west, south, east, north = merc.total_bounds
    scale = max(east - west, north - south) / max_px
    width, height = int(np.ceil((east - west) / scale)), int(np.ceil((north - south) / scale))
    transform = from_bounds(west, south, east, north, width, height)
    index = rasterize(zip(merc.geometry.to_numpy(), np.arange(len(merc), dtype="int32"),
                          strict=True),
                      out_shape=(height, width), transform=transform, fill=-1, dtype="int32")
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, east], [south, north])
    return {"index": index}, {"bounds": [[lat0, lon0], [lat1, lon1]]}


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


def score_overlay(pixels: PixelIndex, scores) -> Overlay:
    """Parcel scores on the one score ramp; score 0 (excluded, too small) transparent."""
    return values_overlay(pixels, scores, cmap=colours.score_cmap(), vmin=colours.SCORE_MIN,
                          vmax=colours.SCORE_MAX, hide_zero=True)


def values_overlay(pixels: PixelIndex, values, *, cmap, vmin: float, vmax: float,
                   hide_zero: bool = False) -> Overlay:
    """Colour each parcel's value into an overlay image (NaN and no-parcel transparent).

    ``cmap`` is a matplotlib colour map or its name.
    """
    from matplotlib import colormaps

    values = np.asarray(values, dtype=float)
    # colour each parcel once, then look its colour up per pixel (one take, no per-pixel
    # colour mapping: the redraw after a weight change)
    show = np.isfinite(values)
    if hide_zero:
        show &= values > 0
    colour_map = colormaps[cmap] if isinstance(cmap, str) else cmap
    palette = np.zeros((len(values) + 1, 4), dtype="uint8")  # last row: no parcel
    scaled = np.clip((values[show] - vmin) / (vmax - vmin), 0, 1)
    palette[:-1][show] = np.round(colour_map(scaled) * 255).astype("uint8")
    idx = pixels.index
    rgba = palette[np.where(idx >= 0, idx, len(values))]
    return Overlay(image=rgba, bounds=pixels.bounds)


def _score_style_js(weight: float, fill_opacity: float) -> str:
    cases = "".join(f"if(s>={lo})c='{colour}';" for lo, colour in SCORE_CLASSES)
    return (f"function(f){{var s=f.properties.score;var c='#888';{cases}"
            f"return {{color:'#333',weight:{weight},fillColor:c,fillOpacity:{fill_opacity}}};}}")


def _tooltip(geojson: dict, fields, lang: str):
    """A tooltip of ``fields`` labelled in ``lang`` (never the raw column names)."""
    import folium

    from siting.fields import label
    from ui.i18n import t

    if not geojson["features"]:
        return None
    present = [f for f in fields if f in geojson["features"][0]["properties"]]
    names = {"cap_gw": t("cap_gw", lang), "land": label("land_type", lang)}
    aliases = [names.get(f) or label(f, lang) for f in present]
    return folium.GeoJsonTooltip(fields=present, aliases=aliases)


def add_shortlist(m, geojson: dict, *, name: str, show: bool = True, lang: str = "zh"):
    """Shortlisted parcels coloured by score in JavaScript, tooltip id/score/base."""
    import folium
    from folium.utilities import JsCode

    tooltip = _tooltip(geojson, ("parcel_id", "score", "base_id", "league"), lang)
    folium.GeoJson(geojson, name=name, show=show, tooltip=tooltip,
                   style=JsCode(_score_style_js(0.3, 0.75))).add_to(m)


def add_bases(m, geojson: dict, *, name: str, show: bool = True, lang: str = "zh"):
    """Candidate bases as bold outlines with a tooltip of their key figures."""
    import folium
    from folium.utilities import JsCode

    tooltip = _tooltip(geojson, ("base_id", "cap_gw", "league", "land"), lang)
    style = JsCode("function(f){return {color:'#0b3d91',weight:2.5,fill:true,"
                   "fillOpacity:0.0,dashArray:null};}")
    folium.GeoJson(geojson, name=name, show=show, tooltip=tooltip, style=style).add_to(m)


def add_base_links(m, bases, *, name: str, show: bool = True, max_bases: int = 300):
    """A line from each base's centre to its connection point and a GW label on the base.

    ``bases`` is ``Result.bases`` (``lon``, ``lat``, ``cap_mw``, ``base_id`` and, when
    connected, ``conn_lon``, ``conn_lat``, ``conn_name``); at most ``max_bases`` are drawn.
    """
    import folium

    group = folium.FeatureGroup(name=name, show=show)
    for _, base in bases.head(max_bases).iterrows():
        gw = base["cap_mw"] / 1000.0
        if "conn_lon" in base.index and np.isfinite(base.get("conn_lon", np.nan)):
            folium.PolyLine([(base["lat"], base["lon"]), (base["conn_lat"], base["conn_lon"])],
                            color="#d62728", weight=1.5, dash_array="4 4",
                            tooltip=f"{base['base_id']} → {base['conn_name']}").add_to(group)
            folium.CircleMarker((base["conn_lat"], base["conn_lon"]), radius=3,
                                color="#d62728", fill=True,
                                tooltip=str(base["conn_name"])).add_to(group)
        label = (f"<div style='font:600 11px sans-serif;color:#0b3d91;white-space:nowrap;"
                 f"text-shadow:0 0 2px #fff'>{base['base_id']} {gw:.1f} GW</div>")
        folium.Marker((base["lat"], base["lon"]),
                      icon=folium.DivIcon(html=label, icon_size=(90, 14),
                                          icon_anchor=(0, 7))).add_to(group)
    group.add_to(m)
    return group


#: Optional basemaps. None is the default (offline). Tianditu needs the user's
#: key; CGCS2000 ≈ WGS84 so it needs no offset. Amap/Gaode tiles are GCJ-02 and
#: would shift data by 0.3-0.6 km, so they are not offered.
TIANDITU_URL = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
TIANDITU_LAYERS = {"vec": "cva", "img": "cia", "ter": "cta"}  # base → labels
BASEMAPS = ("none", "osm", "tianditu_vec", "tianditu_img", "tianditu_ter")


def add_basemap(m, kind: str, *, tianditu_key: str = ""):
    """Add the chosen tile basemap (online; only when the user picks one)."""
    import folium

    if kind == "none":
        return
    if kind == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
        return
    base = kind.split("_", 1)[1]
    key = tianditu_key.strip()
    for layer in (base, TIANDITU_LAYERS[base]):
        folium.TileLayer(tiles=TIANDITU_URL.format(layer=layer, key=key), attr="天地图 Tianditu",
                         name=f"tianditu {layer}", subdomains="01234567",
                         control=False).add_to(m)


def cmap_gradient_css(cmap_name: str, n_stops: int = 6) -> str:
    """CSS ``linear-gradient`` of a matplotlib colour map (for legends)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    stops = [to_hex(colormaps[cmap_name](i / (n_stops - 1))) for i in range(n_stops)]
    return f"linear-gradient(to right, {', '.join(stops)})"


# --- a rendered map kept between reruns ------------------------------------------------

#: The streamlit-folium release whose internals :func:`rendered_map` follows
#: (requirements.txt pins it); any other release falls back to plain ``st_folium``.
STREAMLIT_FOLIUM_VERSION = "0.27.4"


def can_keep_rendered_map() -> bool:
    """Whether the installed streamlit-folium is the release :func:`rendered_map` follows."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("streamlit-folium") == STREAMLIT_FOLIUM_VERSION
    except PackageNotFoundError:
        return False


def rendered_map(m, groups, *, layer_control, key: str, height: int,
                 use_container_width: bool, returned_objects) -> dict:
    """The arguments ``st_folium`` sends to its component for map ``m`` with the feature
    groups ``groups``: rendered once, so sending the same map again (a click's rerun)
    costs no folium rendering. Follows ``streamlit_folium.st_folium`` of
    ``STREAMLIT_FOLIUM_VERSION`` step by step (no hover, no zoom/centre, no colormaps).
    """
    import streamlit_folium as sf

    m.get_root().render()
    m.render()
    html = sf._get_html(m)  # before _get_map_string, which alters the folium structure
    header = sf._get_header(m)
    leaflet = sf._get_map_string(m)
    m_id = sf.get_full_id(m)
    (south, west), (north, east) = m.get_bounds()
    defaults = {"last_clicked": None, "last_object_clicked": None,
                "bounds": {"_southWest": {"lat": south, "lng": west},
                           "_northEast": {"lat": north, "lng": east}},
                "zoom": m.options.get("zoom")}
    defaults = {k: v for k, v in defaults.items() if k in returned_objects}
    feature_groups = None
    if groups:
        feature_groups = "".join(sf._get_feature_group_string(g, map=m, idx=i)
                                 for i, g in enumerate(groups))
    control = sf._get_layer_control_string(layer_control, m)
    css, js = [], []
    for element in _walk(m):
        css += [href for _, href in getattr(element, "default_css", [])]
        js += [src for _, src in getattr(element, "default_js", [])]
    return dict(script=leaflet, header=header, html=html, id=m_id,
                key=sf.generate_js_hash(leaflet, key, False), height=height,
                width=None if use_container_width else 500,
                returned_objects=list(returned_objects), default=defaults, zoom=None,
                center=None, feature_group=feature_groups, return_on_hover=False,
                layer_control=control, pixelated=False, css_links=list(dict.fromkeys(css)),
                js_links=list(dict.fromkeys(js)), wrap_longitude=False)


def _walk(element):
    from folium.elements import JSCSSMixin

    if isinstance(element, JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def show_rendered_map(args: dict, *, key: str):
    """Send a map from :func:`rendered_map` to the streamlit-folium component; returns
    what ``st_folium`` returns (the map's state, e.g. the last click)."""
    import streamlit as st
    import streamlit_folium as sf

    def on_change():
        st.session_state[key] = st.session_state.get(args["key"], {})

    return sf._component_func(**args, on_change=on_change)
