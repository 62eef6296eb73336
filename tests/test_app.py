"""The Streamlit page, run headless with AppTest on the embedded data."""
import pytest
from streamlit.testing.v1 import AppTest

from layers.catalog import REPO_DIR
from siting import scenario as sc
from ui import mapview

APP = str(REPO_DIR / "app.py")
pytestmark = pytest.mark.slow


def new_app():
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture
def app():
    return new_app()


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def shortlist_ids(at):
    table = next(d.value for d in at.dataframe if "地块编号" in d.value.columns
                 or "parcel id" in " ".join(d.value.columns).lower())
    return list(table.iloc[:, 1])


def current_yaml(at) -> str:
    return next(c.value for c in at.code if c.value.startswith("# 内蒙古新能源基地选址"))


def test_page_runs_chinese_first_with_results(app):
    assert app.title[0].value == "内蒙古新能源基地选址"
    assert metric(app, "优选装机").endswith("GW")
    assert int(metric(app, "候选基地数")) > 0
    text = " ".join(m.value for m in app.markdown)
    assert "图例" in text
    assert any("审图号" in w.value for w in app.warning)
    assert len(shortlist_ids(app)) > 100


def test_weight_and_technology_change_the_ranking(app):
    before = shortlist_ids(app)[:50]
    app.sidebar.slider(key="w_wt_resource").set_value(1.0).run()
    app.sidebar.slider(key="w_wt_grid").set_value(0.0).run()
    after_weight = shortlist_ids(app)[:50]
    assert after_weight != before
    app.sidebar.radio(key="w_tech").set_value("solar").run()
    assert not app.exception
    after_tech = shortlist_ids(app)[:50]
    assert after_tech != after_weight
    assert "tech: solar" in current_yaml(app)


def test_saved_scenario_loads_back_identically(app):
    app.sidebar.radio(key="w_tech").set_value("hybrid").run()
    app.sidebar.slider(key="w_sl_min_score").set_value(40.0).run()
    saved = current_yaml(app)
    app.sidebar.radio(key="w_tech").set_value("wind").run()
    app.sidebar.slider(key="w_sl_min_score").set_value(70.0).run()
    assert current_yaml(app) != saved
    app.sidebar.text_area(key="w_paste").input(saved).run()
    app.sidebar.button(key="w_load_pasted").click().run()
    assert not app.exception
    assert current_yaml(app) == saved
    assert sc.loads(saved) == sc.loads(current_yaml(app))


def test_bad_scenario_names_the_field(app):
    app.sidebar.text_area(key="w_paste").input("tech: nuclear\n").run()
    app.sidebar.button(key="w_load_pasted").click().run()
    assert not app.exception
    messages = " ".join(e.value for e in app.sidebar.error)
    assert "tech" in messages and "nuclear" in messages


def test_english_switch_changes_labels(app):
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Inner Mongolia new-energy base siting"
    assert any(m.label == "Shortlisted capacity" for m in app.metric)
    assert "Legend" in " ".join(m.value for m in app.markdown)


def test_ahp_mode_shows_consistency_ratio(app):
    app.sidebar.radio(key="w_weight_mode").set_value("ahp").run()
    assert not app.exception
    texts = " ".join(s.value for s in app.sidebar.success) + \
        " ".join(w.value for w in app.sidebar.warning)
    assert "CR" in texts


def test_map_loads_nothing_from_the_internet():
    """Every layer on one map: no http(s) script or stylesheet anywhere."""
    from layers.catalog import load_catalog
    from layers.io import read_raster, read_vector

    m = mapview.new_map()
    for info in load_catalog().values():
        if info.kind == "raster":
            mapview.add_overlay(m, mapview.raster_overlay(read_raster(info.path),
                                                          layer_id=info.id), name=info.id)
        else:
            gdf = read_vector(info.path, layer=info.layer)
            simplify, fields = mapview.VECTOR_DISPLAY[info.id]
            mapview.add_vector(m, mapview.vector_geojson(gdf, simplify_deg=simplify,
                                                         columns=fields),
                               name=info.id, color="#000",
                               geometry_kind=mapview.geometry_kind(gdf), tooltip_fields=fields)
    assert mapview.remote_assets(m) == []
    html = m.get_root().render()
    assert "/app/static/leaflet/leaflet.js" in html
    assert "cdn.jsdelivr" not in html and "tile.openstreetmap" not in html


def test_csv_download_is_prepared_for_the_current_scenario(app):
    app.selectbox(key="dl_format").set_value("csv").run()
    app.button(key="dl_make").click().run()
    assert not app.exception
    (fmt, *_), (name, data, mime) = app.session_state["download"]
    assert fmt == "csv" and name.endswith(".csv") and mime.startswith("text/csv")
    text = data.decode("utf-8-sig")
    assert "parcel_id" in text.splitlines()[0] or "地块编号" in text.splitlines()[0]
    assert len(text.splitlines()) > 100


def test_library_saves_loads_and_compares(app, tmp_path, monkeypatch):
    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path))
    app.sidebar.radio(key="w_tech").set_value("solar").run()
    app.text_input(key="lib_name").input("光伏试算").run()
    app.text_input(key="lib_note").input("测试备注").run()
    app.button(key="lib_save").click().run()
    assert not app.exception
    assert any("光伏试算" in s.value for s in app.success)
    app.sidebar.radio(key="w_tech").set_value("wind").run()
    app.button(key="lib_load").click().run()
    assert "tech: solar" in current_yaml(app)
    app.selectbox(key="cmp_b").set_value("光伏试算").run()
    app.sidebar.radio(key="w_tech").set_value("wind").run()
    app.button(key="cmp_go").click().run()
    assert not app.exception, app.exception
    assert any(m.label == "B GW" for m in app.metric)
