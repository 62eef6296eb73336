"""The app's caches: loaded inputs, prepared parcel tables and map pieces.

One run path (``siting.inputs``) loads the inputs; ``st.cache_resource`` keeps
them, the slow prepared parcel tables and per-parcel-set pieces (memo,
geometries, pixel index) across reruns and sessions; ``st.cache_data`` keeps
the map overlays. Keys are ``siting.inputs.inputs_key`` / ``prepare_key``.
"""
from __future__ import annotations

import streamlit as st

from layers.catalog import load_catalog
from siting import connection, pipeline
from siting import scenario as sc
from siting.inputs import inputs_key, load_run_inputs, prepared_cache
from ui.assets import install_leaflet
from ui.i18n import progress_text, t


@st.cache_resource
def catalog():
    """The layer catalog, read once per process."""
    return load_catalog()


@st.cache_resource
def leaflet_ready() -> str:
    """Copy Leaflet from its pip package into static/ once per process."""
    return str(install_leaflet())


def scenario_key(scenario) -> str:
    """A cheap, exact cache key of a whole scenario (its JSON; ``sc.dumps`` writes the
    commented YAML a user reads and costs ~30× more)."""
    return scenario.model_dump_json()


def per_result(name: str, result, extra, build):
    """``build()`` once per evaluated ``result`` (and ``extra``, e.g. the language and
    units) in this session: a rerun that keeps the result (a tab's widget, the units,
    a click) reuses what was built; the result object itself is the key."""
    kept = st.session_state.get(name)
    if kept is not None and kept[0] is result and kept[1] == extra:
        return kept[2]
    value = build()
    st.session_state[name] = (result, extra, value)
    return value


#: How many sets of run inputs (bundled layers + one set of user files) stay in memory.
INPUTS_KEEP = 4


@st.cache_resource(show_spinner=False, max_entries=INPUTS_KEEP)
def _run_inputs(key: str, _scenario):
    return load_run_inputs(_scenario)


def run_inputs(scenario):
    """The inputs of ``scenario``'s run, from the one run path (``siting.inputs``):
    bundled layers with the scenario's own files in place, checked as ``import`` does."""
    return _run_inputs(inputs_key(scenario), scenario)


@st.cache_resource(show_spinner=False, max_entries=INPUTS_KEEP)
def _connection_points(key: str, _inputs, _scenario):
    return pipeline.connection_points(_inputs, _scenario)


def connection_points(scenario):
    """Grid connection points of the scenario's run (its substations and grid settings)."""
    key = inputs_key(scenario) + scenario.grid.model_dump_json()
    return _connection_points(key, run_inputs(scenario), scenario)


@st.cache_resource(show_spinner=False)
def corridors() -> list[dict]:
    """The UHV export corridors (data/uhv_corridors.yaml), read once."""
    return connection.read_corridors()


def bundled_inputs():
    """The bundled layers alone (the league list, the first view)."""
    return _run_inputs(inputs_key(sc.Scenario()), sc.Scenario())


#: How many prepared parcel tables (one per exclusion setting) stay in memory.
PREPARED_KEEP = 4


@st.cache_resource
def prepared_store() -> dict:
    """Prepared parcel tables by exclusion settings, shared by all sessions."""
    return {}


def prepared_ready(key: str, scenario) -> bool:
    """Whether the prepared table ``key`` needs no computing: in memory, or in the
    on-disk cache (``siting.inputs.prepared_cache``) under its fingerprint."""
    if key in prepared_store():
        return True
    from layers import parcel_cache

    where = parcel_cache.cache_dir()
    if where is None:
        return False
    name = prepared_cache.fingerprint(run_inputs(scenario), scenario) + parcel_cache.SUFFIX
    return (where / name).is_file()


def prepared(key: str, scenario, lang: str):
    """Parcels and their features for one set of exclusions (the slow stage), cached."""
    store = prepared_store()
    if key not in store:
        bar = st.progress(0.0, text=t("computing", lang))
        try:
            store[key] = prepared_cache.prepare(
                run_inputs(scenario), scenario,
                progress=lambda f, m: bar.progress(min(f, 1.0), text=progress_text(m, lang)))
        finally:
            bar.empty()
        while len(store) > PREPARED_KEEP:
            store.pop(next(iter(store)))
    return store[key]


@st.cache_resource(show_spinner=False, max_entries=4)
def memo(key: str) -> dict:
    """Weight-independent pieces of evaluation (e.g. wind full-load hours) per parcel set."""
    return {}


#: How many evaluated results all sessions share: a page reload, a second planner on
#: the default scenario or a setting changed back re-uses one (each holds the scored
#: parcel table, ~25 MB on the default region). Results are never modified in place.
RESULTS_KEEP = 4


@st.cache_resource(show_spinner=False, max_entries=RESULTS_KEEP)
def _evaluated(key: str, wanted: str, _prep, _scenario, _provenance):
    return pipeline.evaluate(_prep, _scenario, provenance=_provenance, memo=memo(key),
                             connections=connection_points(_scenario))


@st.cache_resource(show_spinner=False, max_entries=RESULTS_KEEP)
def _other_order(key: str, wanted: str, _result) -> dict:
    from siting import rerank

    return rerank.reselect(_result).summary


def other_order_summary(key: str, result) -> dict:
    """The summary of ``result`` ranked the other way (score ↔ LCOE): a selection-only
    re-rank (``siting.rerank``), shared by all sessions like :func:`scored`."""
    return _other_order(key, scenario_key(result.scenario), result)


def scored(key: str, scenario, prep, provenance):
    """The evaluated result of ``scenario`` on the prepared table ``key``: kept for
    the session (a map click, a pan or a tab change re-use it, no re-scoring) and
    shared by all sessions (the last ``RESULTS_KEEP``); any other scenario is
    evaluated."""
    wanted = (key, scenario_key(scenario))
    kept = st.session_state.get("_scored")
    if kept is not None and kept[0] == wanted:
        return kept[1]
    result = _evaluated(key, wanted[1], prep, scenario, provenance)
    st.session_state["_scored"] = (wanted, result)
    return result


@st.cache_resource(show_spinner=False, max_entries=4)
def parcel_geometries(key: str, _parcels) -> list:
    """Simplified WGS84 geometry of every parcel, for drawing the shortlist."""
    from ui import results

    return results.parcel_geometries_wgs84(_parcels)


@st.cache_resource(show_spinner=False, max_entries=4)
def pixel_index(key: str, _parcels):
    """Which parcel each pixel of the score overlay shows (once per parcel set)."""
    from ui import mapview

    return mapview.parcel_pixel_index(_parcels)


@st.cache_data(show_spinner=False, max_entries=32)
def raster_overlay(layer_id: str, path: str):
    """The PNG overlay of a raster layer (``ui.mapview.Overlay``): bundled, or the user's
    file that replaces it."""
    from layers.io import read_raster
    from ui import mapview

    return mapview.raster_overlay(read_raster(path), layer_id=layer_id)


@st.cache_data(show_spinner=False, max_entries=64)
def vector_layer(layer_id: str, key: str, _inputs) -> tuple[dict, str]:
    """GeoJSON and geometry kind of a vector layer of the run inputs ``key``."""
    from ui import mapview

    gdf = _inputs.vectors[layer_id]
    simplify_deg, fields = mapview.VECTOR_DISPLAY.get(layer_id, (0.0, ()))
    return (mapview.vector_geojson(gdf, simplify_deg=simplify_deg, columns=fields),
            mapview.geometry_kind(gdf))
