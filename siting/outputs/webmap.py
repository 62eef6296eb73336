"""Interactive offline map of a run: one self-contained ``map.html`` (folium).

It opens in any browser with no network: no tiles; Leaflet's JS and CSS inlined from
``xstatic-leaflet`` (icons as data URIs); folium's CDN links removed. Layers: every
parcel's score as one palette PNG, the shortlist as GeoJSON styled in JavaScript by
score class (perf.md), the bases, the league boundaries; with a km scale bar, a layer
control, a title box, the legend and the synthetic-data warning. User text is escaped.
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import shapely

from siting import colours
from siting.fields import label
from siting.labels import tech_label
from siting.outputs.briefing.style import BASE_COLOUR
from siting.outputs.text import disclaimer, plain_text
from siting.units import check_units, convert, format_energy, format_power, power_unit

WEB_MERCATOR = "EPSG:3857"
#: Longest side of the score image, px (~1.6 km a pixel over the region; perf.md: < 1 MB).
SCORE_IMAGE_MAX_PX = 1400
#: Opacity of the score image and of the shortlisted parcels' fill.
SCORE_OPACITY, SHORTLIST_FILL_OPACITY = 0.7, 0.8
#: Decimal places of the vector coordinates (1e-5° ≈ 1 m).
COORD_DECIMALS = 5
#: Most shortlisted parcels drawn as vectors, best rank first (perf.md: ≤ 10k
#: JS-styled features keep the browser fast); all parcels stay in the score image.
MAX_SHORTLIST_FEATURES = 10_000
#: League boundaries: display generalisation in degrees (~500 m), outline colour.
BOUNDARY_SIMPLIFY_DEG, BOUNDARY_COLOUR = 0.005, "#444444"

#: The map's fixed words, (zh, en).
WORDS = {
    "title": ("内蒙古新能源基地选址", "Inner Mongolia new-energy base siting"),
    "score_layer": ("综合评分（全部地块）", "Score (all parcels)"),
    "shortlist": ("入选地块", "Shortlisted parcels"),
    "bases": ("候选基地", "Candidate bases"),
    "leagues": ("盟市边界", "League boundaries"),
    "totals": ("入选 {gw} · {twh} · 基地 {n} 个", "Shortlisted {gw} · {twh} · {n} bases"),
    "zero": ("评分 0（排除）不着色", "score 0 (excluded): not coloured"),
    "capped": ("仅绘出排名前 {n} 的入选地块", "only the {n} best-ranked shortlisted parcels drawn"),
    "synthetic": ("含合成数据：{layers}。决策前请替换为真实数据。",
                  "Contains synthetic data: {layers}. Replace them with real data before use."),
    "offline": ("底图：无（离线地图）", "Basemap: none (offline map)"),
}


def _word(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "zh" else 1]


def _text(value) -> str:
    """User text made safe for HTML: no control characters, ``<>&"'`` escaped."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "" if missing else html.escape(plain_text(value))


def score_index(parcels, *, max_px: int = SCORE_IMAGE_MAX_PX):
    """``(index, bounds)``: the parcels' scores burnt into a Web Mercator grid (longest
    side ``max_px``) as uint8 palette indices, 0 where there is no parcel or the score is
    0 or NaN, else the score rounded to 1-100; ``bounds`` ((south, west), (north, east))."""
    from pyproj import Transformer
    from rasterio.features import rasterize
    from rasterio.transform import from_bounds

    merc = parcels.to_crs(WEB_MERCATOR)
    west, south, east, north = merc.total_bounds
    scale = max(east - west, north - south) / max_px
    width = max(1, int(np.ceil((east - west) / scale)))
    height = max(1, int(np.ceil((north - south) / scale)))
    score = np.nan_to_num(merc["score"].to_numpy(dtype=float), nan=0.0)
    value = np.where(score > 0, np.clip(np.round(score), 1, 100), 0).astype("uint8")
    shown = value > 0
    index = np.zeros((height, width), dtype="uint8")
    if shown.any():
        index = rasterize(zip(merc.geometry.to_numpy()[shown], value[shown], strict=True),
                          out_shape=(height, width), fill=0, dtype="uint8",
                          transform=from_bounds(west, south, east, north, width, height))
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, east], [south, north])
    return index, ((lat0, lon0), (lat1, lon1))


def score_png(index: np.ndarray) -> bytes:
    """A palette PNG of ``score_index``: index k is score k on the one score ramp
    (``siting.colours``), index 0 transparent."""
    from PIL import Image

    cmap = colours.score_cmap()
    span = colours.SCORE_MAX - colours.SCORE_MIN
    rgb = np.round(cmap((np.arange(256) - colours.SCORE_MIN) / span)[:, :3] * 255)
    image = Image.fromarray(index)  # mode L; the palette makes it P
    image.putpalette(rgb.astype("uint8").ravel().tolist())
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, transparency=bytes([0] + [255] * 255))
    return out.getvalue()


def features(gdf, columns, *, simplify_deg: float = 0.0) -> dict:
    """GeoJSON dict of ``gdf`` in WGS84 with coordinates rounded to ``COORD_DECIMALS``
    and only ``columns`` as properties; text HTML-escaped (tooltips show it as HTML)."""
    out = gdf[[c for c in columns if c in gdf.columns] + ["geometry"]].to_crs("EPSG:4326")
    for column in out.columns.drop("geometry"):
        if out[column].dtype.kind not in "iufb":
            out[column] = [_text(v) for v in out[column]]
    geoms = out.geometry.to_numpy()
    if simplify_deg > 0:
        geoms = shapely.simplify(geoms, simplify_deg, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    out = out.set_geometry(geoms)
    out = out[~out.geometry.is_empty & out.geometry.notna()]
    return json.loads(out.to_json(drop_id=True))


def _score_style_js() -> str:
    """Shortlist style: fill by score class (``colours.class_colours``), in JavaScript."""
    width = (colours.SCORE_MAX - colours.SCORE_MIN) / colours.SCORE_CLASSES
    ramp = ",".join(f"'{c}'" for c in colours.class_colours())
    return (f"function(f){{var s=Number(f.properties.score);var i=Math.min("
            f"{colours.SCORE_CLASSES - 1},Math.max(0,Math.floor((s-{colours.SCORE_MIN})/"
            f"{width})));if(!isFinite(i))i=0;return {{color:'#333333',weight:0.4,"
            f"fillColor:[{ramp}][i],fillOpacity:{SHORTLIST_FILL_OPACITY}}};}}")


#: Style of an outline (bases, leagues): colour, weight in px.
OUTLINE_JS = "function(f){{return {{color:'{}',weight:{},opacity:1,fill:true,fillOpacity:0}};}}"


def _geojson(m, gdf, columns, aliases, *, name: str, style: str, simplify_deg: float = 0.0):
    """``gdf`` onto ``m``, styled by the JavaScript ``style``, tooltip ``columns``/``aliases``."""
    import folium
    from folium.utilities import JsCode

    data = features(gdf, columns, simplify_deg=simplify_deg)
    tooltip = folium.GeoJsonTooltip(fields=list(columns), aliases=list(aliases)) \
        if data["features"] and columns else None
    folium.GeoJson(data, name=name, style=JsCode(style), tooltip=tooltip,
                   zoom_on_click=False).add_to(m)


def _raw(text: str):
    """A branca element that writes ``text`` as it is (not read as a template)."""
    from branca.element import Element

    element = Element()
    element.render = lambda **kwargs: text
    return element


def leaflet_inline() -> tuple[str, str]:
    """Leaflet's JS and CSS from ``xstatic-leaflet``, ready to inline: the CSS's
    icons as data URIs, the attribution's link to leafletjs.com dropped (no web
    address in the file; the licence banner stays)."""
    import xstatic.pkg.leaflet as xleaflet

    folder = Path(xleaflet.BASE_DIR)
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    js = js.replace('<a href="https://leafletjs.com" ', "<a ")
    css = re.sub(r"url\((images/[\w.-]+\.png)\)", lambda match: "url(data:image/png;base64,"
                 f"{base64.b64encode((folder / match.group(1)).read_bytes()).decode()})",
                 (folder / "leaflet.css").read_text(encoding="utf-8"))
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _drop_remote_links(element) -> None:
    """Empty ``default_js``/``default_css`` of ``element`` and all below it: folium's
    CDN links (Leaflet, jQuery, Bootstrap, awesome-markers) are not written."""
    if hasattr(element, "default_js"):
        element.default_js = []
    if hasattr(element, "default_css"):
        element.default_css = []
    for child in getattr(element, "_children", {}).values():
        _drop_remote_links(child)


def _panel_html(result, lang: str, units: str, notice, capped: int) -> str:
    """Title box (top left) and legend (bottom right), HTML with every user text escaped."""
    from siting.synthetic import layers_in, synthetic_layer_ids

    s = result.summary
    totals = _word("totals", lang).format(
        gw=format_power(s.get("capacity_gw", 0.0), units, lang=lang),
        twh=format_energy(s.get("energy_twh", 0.0), units, lang=lang),
        n=len(result.bases))
    lines = [f"<b>{_text(_word('title', lang))} · {_text(tech_label(result.scenario.tech, lang))}"
             f"</b>", _text(getattr(result.scenario, "name", "")), _text(totals)]
    # the layers named in the shortlist's ``synthetic`` column that the run's provenance calls
    # synthetic (the briefing's stamp, ``briefing.content.synthetic_stamp``, in ``lang``)
    synthetic = [i for i in layers_in(result.shortlist)
                 if i in synthetic_layer_ids(result.provenance)]
    if synthetic:
        key = "name_zh" if lang == "zh" else "name_en"
        names = "、".join(str(result.provenance.get(i, {}).get(key) or i) for i in synthetic)
        lines.append(f'<span class="wm-warn">{_text(_word("synthetic", lang).format(layers=names))}'
                     "</span>")
    lines.append(f'<span class="wm-small">{_text(disclaimer(lang, notice))} '
                 f'{_text(_word("offline", lang))}</span>')
    title = "<br>".join(line for line in lines if line)
    box = '<div><span class="wm-box" style="border:{}px solid {}"></span>{}</div>'
    legend = [f"<b>{_text(label('score', lang))}</b>",
              f'<div class="wm-ramp" style="background:{colours.gradient_css()}"></div>',
              '<div class="wm-ticks">' + "".join(f"<span>{v:g}</span>" for v in (
                  colours.SCORE_MIN, (colours.SCORE_MIN + colours.SCORE_MAX) / 2,
                  colours.SCORE_MAX)) + "</div>",
              f'<span class="wm-small">{_text(_word("zero", lang))}</span>',
              box.format(3, BASE_COLOUR, _text(_word("bases", lang))),
              box.format(1, BOUNDARY_COLOUR, _text(_word("leagues", lang)))]
    if capped:
        legend.append(f'<br><span class="wm-small">{_text(_word("capped", lang).format(n=capped))}'
                      "</span>")
    style = ("<style>.wm-panel{position:fixed;z-index:1000;background:rgba(255,255,255,.92);"
             "padding:6px 10px;border-radius:4px;box-shadow:0 1px 5px rgba(0,0,0,.4);"
             "font:13px/1.4 sans-serif;max-width:420px}.wm-title{top:10px;left:54px}"
             ".wm-legend{bottom:24px;right:10px;width:210px}.wm-warn{color:#c62828;"
             "font-weight:bold}.wm-small{font-size:11px;color:#555}.wm-ramp{height:12px;"
             "margin:3px 0}.wm-ticks{display:flex;justify-content:space-between;font-size:11px}"
             ".wm-box{display:inline-block;width:14px;height:10px;margin-right:6px}</style>")
    return (f'{style}<div class="wm-panel wm-title">{title}</div>'
            f'<div class="wm-panel wm-legend">{"".join(legend)}</div>')


def _add_layers(m, result, lang: str, units: str, boundaries, index, bounds) -> int:
    """Score image (``score_index``), league outlines, shortlist and bases onto ``m``; returns
    the number of shortlisted parcels drawn when capped (``MAX_SHORTLIST_FEATURES``), else 0."""
    import folium

    png = base64.b64encode(score_png(index)).decode("ascii")
    folium.raster_layers.ImageOverlay(
        f"data:image/png;base64,{png}", bounds=list(map(list, bounds)), opacity=SCORE_OPACITY,
        name=_word("score_layer", lang), interactive=False).add_to(m)
    leagues = boundaries.get("leagues") if isinstance(boundaries, dict) else boundaries
    if leagues is not None and len(leagues):
        name = "name_zh" if lang == "zh" else "name_en"
        fields = [name] if name in leagues.columns else []
        _geojson(m, leagues, fields, [label("league", lang)] * len(fields),
                 name=_word("leagues", lang), style=OUTLINE_JS.format(BOUNDARY_COLOUR, 1.2),
                 simplify_deg=BOUNDARY_SIMPLIFY_DEG)
    short = result.shortlist
    short = short.sort_values("rank", kind="stable") if "rank" in short else short
    capped = MAX_SHORTLIST_FEATURES if len(short) > MAX_SHORTLIST_FEATURES else 0
    short = short.head(MAX_SHORTLIST_FEATURES).copy()
    short["score"] = short["score"].astype(float).round(1)
    columns = ["parcel_id", "score", "base_id", "league"]
    _geojson(m, short, columns, [label(c, lang) for c in columns],
             name=_word("shortlist", lang), style=_score_style_js())
    bases = result.bases.copy()
    bases["capacity"] = [round(float(convert(mw / 1000.0, "GW", units)[0]), 2)
                         for mw in bases["cap_mw"]]
    aliases = [label("base_id", lang), f"{label('cap_mw', lang, with_unit=False)} "
               f"({power_unit(units)})", label("leagues", lang)]
    _geojson(m, bases, ["base_id", "capacity", "leagues"], aliases, name=_word("bases", lang),
             style=OUTLINE_JS.format(BASE_COLOUR, 3))
    return capped


def render_webmap(result, *, lang: str = "zh", boundaries=None, units: str = "gw",
                  notice: dict | None = None) -> bytes:
    """``map.html`` of ``result`` as UTF-8 bytes: an interactive map that works offline.

    ``lang`` ('zh' or 'en') words the title, legend, layers and tooltips; ``boundaries``
    are the league outlines (a GeoDataFrame, or ``siting.inputs.briefing_boundaries``);
    ``units`` ('gw' or 'wan') the totals and capacities; ``notice`` the data's disclaimer
    ``{'zh', 'en'}`` (``siting.inputs.disclaimer_texts``).
    """
    import folium
    from branca.element import MacroElement
    from folium.template import Template
    check_units(units)
    lang = "zh" if lang == "zh" else "en"
    index, bounds = score_index(result.parcels)
    (south, west), (north, east) = bounds  # start there: no zoom animation from the world
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=5, tiles=None,
                   control_scale=False, prefer_canvas=True, attribution_control=False,
                   zoom_snap=0.5)  # a closer fit of the region than whole zoom levels
    m.fit_bounds([list(corner) for corner in bounds])
    capped = _add_layers(m, result, lang, units, boundaries, index, bounds)
    scale = MacroElement()  # km only (folium's control_scale adds miles)
    scale._template = Template(
        "{% macro script(this, kwargs) %}L.control.scale({metric: true, imperial: false, "
        "maxWidth: 150}).addTo({{ this._parent.get_name() }});{% endmacro %}")
    scale.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    figure = m.get_root()
    figure.title = _text(f"{_word('title', lang)} · {getattr(result.scenario, 'name', '')}")
    _drop_remote_links(figure)
    js, css = leaflet_inline()
    figure.header.add_child(_raw(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    figure.header.add_child(_raw(f"<script>{js}</script>"), name="leaflet_js_inline", index=1)
    figure.html.add_child(_raw(_panel_html(result, lang, units, notice, capped)), name="panels")
    return figure.render().encode("utf-8")
