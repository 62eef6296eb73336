"""内蒙古新能源基地选址 — the planners' Streamlit app.

Widgets wired to engine calls, nothing else: data loading is cached, map
building lives in ``ui/``, domain logic in ``siting/``.
"""
from __future__ import annotations

import html
import logging

import streamlit as st
from streamlit_folium import st_folium

from layers.catalog import load_catalog
from layers.io import read_raster, read_vector
from siting.errors import SitingError
from ui import mapview
from ui.assets import install_leaflet
from ui.i18n import t

log = logging.getLogger("siting.app")

#: Layers shown when the page first opens.
DEFAULT_RASTER = "wind_speed_100m"
DEFAULT_VECTORS = ("leagues", "border", "desert", "mine")


@st.cache_resource
def catalog():
    """The layer catalog, read once per process."""
    return load_catalog()


@st.cache_resource
def leaflet_ready() -> str:
    """Copy Leaflet from its pip package into static/ once per process."""
    return str(install_leaflet())


@st.cache_data(show_spinner=False)
def raster_overlay(layer_id: str) -> mapview.Overlay:
    """The PNG overlay of a bundled raster (computed once)."""
    info = catalog()[layer_id]
    return mapview.raster_overlay(read_raster(info.path), layer_id=layer_id)


@st.cache_data(show_spinner=False)
def vector_layer(layer_id: str) -> tuple[dict, str]:
    """GeoJSON and geometry kind of a bundled vector layer (computed once)."""
    info = catalog()[layer_id]
    gdf = read_vector(info.path, layer=info.layer)
    simplify_deg, fields = mapview.VECTOR_DISPLAY.get(layer_id, (0.0, ()))
    return mapview.vector_geojson(gdf, simplify_deg=simplify_deg, columns=fields), \
        mapview.geometry_kind(gdf)


def badge(info, lang: str) -> str:
    """Provenance badge of a layer, e.g. '合成数据'."""
    return t(info.provenance.get("type", "real"), lang)


def sidebar(lang: str):
    """Layer toggles; returns (raster id or None, [vector ids], opacity)."""
    cat = catalog()
    rasters = [i for i in cat.values() if i.kind == "raster"]
    vectors = [i for i in cat.values() if i.kind == "vector"]
    st.sidebar.subheader(t("layers", lang))
    labels = {i.id: f"{i.name(lang)}（{badge(i, lang)}）" for i in cat.values()}
    raster_id = st.sidebar.radio(
        "raster", [None] + [i.id for i in rasters], label_visibility="collapsed",
        index=1 + [i.id for i in rasters].index(DEFAULT_RASTER),
        format_func=lambda i: "—" if i is None else labels[i], key="raster_layer")
    opacity = st.sidebar.slider(t("opacity", lang), 0.0, 1.0, 0.7, 0.05, key="opacity")
    chosen = [i.id for i in vectors
              if st.sidebar.checkbox(labels[i.id], value=i.id in DEFAULT_VECTORS,
                                     key=f"show_{i.id}")]
    return raster_id, chosen, opacity


def legend(raster_id, vector_ids, lang: str):
    """Legend: colour bar of the raster, swatches of the vectors, synthetic marked."""
    cat = catalog()
    rows = []
    if raster_id:
        info = cat[raster_id]
        if raster_id == "landcover":
            swatches = "".join(
                f"<span style='display:inline-block;margin-right:8px'><span style='display:"
                f"inline-block;width:12px;height:12px;background:{c};border:1px solid #888'>"
                f"</span> {zh if lang == 'zh' else en}</span>"
                for zh, en, c in mapview.IGBP_CLASSES.values())
            rows.append(f"<b>{info.name(lang)}</b> ({badge(info, lang)})<br>{swatches}")
        else:
            _, vmin, vmax = mapview.RASTER_STYLES[raster_id]
            rows.append(
                f"<b>{info.name(lang)}</b> ({badge(info, lang)}, {html.escape(info.units)})"
                f"<div style='display:flex;align-items:center;gap:6px'>{vmin:g}"
                f"<div style='width:220px;height:12px;background:"
                f"{mapview.legend_gradient_css(raster_id)}'></div>{vmax:g}</div>")
    for vid in vector_ids:
        info = cat[vid]
        color = info.display.get("color", "#333")
        mark = " ⚠️" if info.is_synthetic else ""
        rows.append(f"<span style='display:inline-block;width:14px;height:10px;"
                    f"background:{color};opacity:.7'></span> {info.name(lang)} "
                    f"<i>({badge(info, lang)}{mark})</i>")
    st.markdown(f"**{t('legend', lang)}**<br>" + "<br>".join(rows), unsafe_allow_html=True)


def about(lang: str):
    """About panel: every layer's provenance and the boundary disclaimer."""
    with st.expander(t("about", lang)):
        st.warning(t("disclaimer", lang))
        for info in catalog().values():
            p = info.provenance
            st.markdown(
                f"**{info.name(lang)}** `{info.id}` — {badge(info, lang)}  \n"
                f"{t('source', lang)}: {p.get('source', '')}  \n"
                f"{t('licence', lang)}: {p.get('licence', '')}  \n"
                f"{t('method', lang)}: {p.get('method', '')}")


def draw_map(raster_id, vector_ids, opacity, lang: str):
    """Build the offline map and show it."""
    cat = catalog()
    m = mapview.new_map()
    if raster_id:
        mapview.add_overlay(m, raster_overlay(raster_id), name=cat[raster_id].name(lang),
                            opacity=opacity)
    for vid in vector_ids:
        geojson, kind = vector_layer(vid)
        simplify_deg, fields = mapview.VECTOR_DISPLAY.get(vid, (0.0, ()))
        mapview.add_vector(m, geojson, name=cat[vid].name(lang), geometry_kind=kind,
                           color=cat[vid].display.get("color", "#333"), tooltip_fields=fields)
    remote = mapview.remote_assets(m)
    if remote:
        raise SitingError(f"map would load remote assets {remote}; refusing (offline app)")
    st_folium(m, height=620, use_container_width=True, returned_objects=[], key="map")
    st.caption(t("map_offline_note", lang))


def main():
    st.set_page_config(page_title="内蒙古新能源基地选址", page_icon="🌬️", layout="wide")
    lang = st.sidebar.radio(t("language"), ["zh", "en"], horizontal=True, key="lang",
                            format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    leaflet_ready()
    raster_id, vector_ids, opacity = sidebar(lang)
    with st.spinner(t("loading", lang)):
        draw_map(raster_id, vector_ids, opacity, lang)
    legend(raster_id, vector_ids, lang)
    about(lang)


try:
    main()
except SitingError as exc:
    st.error(f"{t('error')}: {exc}")
except Exception as exc:  # last resort: a clean message, the traceback goes to the log
    log.exception("unexpected error in the app")
    st.error(f"{t('error')}: {type(exc).__name__}: {exc}")
