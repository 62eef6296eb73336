"""The Streamlit page, run headless with AppTest on the embedded data."""
import pytest
from streamlit.testing.v1 import AppTest

from layers.catalog import REPO_DIR
from siting import scenario as sc

APP = str(REPO_DIR / "app.py")
pytestmark = [pytest.mark.slow, pytest.mark.full_region]


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
    app.sidebar.number_input(key="w_wt_resource").set_value(1.0).run()
    app.sidebar.number_input(key="w_wt_grid").set_value(0.0).run()
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
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title[0].value == "Inner Mongolia new-energy base siting"
    assert any(m.label == "Shortlisted capacity" for m in app.metric)
    assert "Legend" in " ".join(m.value for m in app.markdown)
    assert len(app.tabs) == 4


def test_english_switch_keeps_every_choice(app):
    app.sidebar.radio(key="w_tech").set_value("solar").run()
    app.sidebar.radio(key="w_weight_mode").set_value("ahp").run()
    app.select_slider(key="w_ahp_0_1").set_value("5").run()
    app.sidebar.multiselect(key="w_sl_land").set_value(["desert", "mine"]).run()
    gw_zh, yaml_zh = metric(app, "优选装机"), current_yaml(app)
    app.sidebar.radio(key="lang").set_value("en").run()
    assert not app.exception, app.exception
    assert app.sidebar.radio(key="w_tech").value == "solar"
    assert app.sidebar.radio(key="w_weight_mode").value == "ahp"
    assert app.select_slider(key="w_ahp_0_1").value == "5"
    assert app.sidebar.multiselect(key="w_sl_land").value == ["desert", "mine"]
    assert metric(app, "Shortlisted capacity") == gw_zh
    assert current_yaml(app) == yaml_zh
    app.sidebar.radio(key="lang").set_value("zh").run()
    assert app.sidebar.radio(key="w_tech").value == "solar"
    assert metric(app, "优选装机") == gw_zh
    assert current_yaml(app) == yaml_zh


def test_ahp_editor_starts_from_the_direct_weights(app):
    app.sidebar.radio(key="w_weight_mode").set_value("ahp").run()
    assert not app.exception
    # default weights .55/.25/.10/.10/0: resource/grid 2.2 → 2, resource/load 5.5 → 6
    # (ln 5.5 is nearer ln 6 than ln 5), encouragement 0 → as weak as the scale allows
    assert app.select_slider(key="w_ahp_0_1").value == "2"
    assert app.select_slider(key="w_ahp_0_2").value == "6"
    assert app.select_slider(key="w_ahp_0_4").value == "9"
    assert len([s for s in app.select_slider if s.key.startswith("w_ahp_")]) == 10
    assert any("CR" in s.value and "一致" in s.value for s in app.success)
    assert "mode: ahp" in current_yaml(app)
    # a cycle of strong judgements: flagged with the pairs to revise
    app.select_slider(key="w_ahp_0_1").set_value("9").run()
    app.select_slider(key="w_ahp_1_2").set_value("9").run()
    app.select_slider(key="w_ahp_0_2").set_value("1/9").run()
    warning = " ".join(w.value for w in app.warning)
    assert "CR" in warning and "资源（风速/辐射） ⟷ 距负荷中心" in warning


def test_every_widget_range_comes_from_the_model(app):
    from ui import controls

    for key, path in controls.numeric_paths().items():
        if key.startswith("w_wt_"):
            widget = app.sidebar.number_input(key=key)
        else:
            found = [w for w in list(app.sidebar.slider) + list(app.sidebar.number_input)
                     if w.key == key]
            assert found, f"no widget {key}"
            widget = found[0]
        rng = controls.field_range(path)
        assert (widget.min, widget.max, widget.step) == (rng.min, rng.max, rng.step), key


def test_loaded_target_250_and_buffer_15_are_kept(app):
    text = "targets: {target_gw: 250}\nexclusions: {redline_buffer_km: 15}\n"
    app.sidebar.text_area(key="w_paste").input(text).run()
    app.sidebar.button(key="w_load_pasted").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.sidebar.number_input(key="w_target").value == 250.0
    assert app.sidebar.slider(key="w_ex_redline_buf").value == 15.0
    saved = sc.loads(current_yaml(app))
    assert saved.targets.target_gw == 250.0 and saved.exclusions.redline_buffer_km == 15.0
    assert "250 GW" in next(m.help for m in app.metric if m.label == "占2030年目标")
    app.sidebar.button(key="w_target_300").click().run()
    assert sc.loads(current_yaml(app)).targets.target_gw == 300.0


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


def test_library_duplicate_makes_a_free_copy(app, tmp_path, monkeypatch):
    from layers.library import ScenarioStore
    from siting import library

    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path))
    app.sidebar.radio(key="w_tech").set_value("solar").run()
    app.text_input(key="lib_name").input("方案").run()
    app.button(key="lib_save").click().run()
    app.selectbox(key="lib_pick").set_value("方案").run()
    app.button(key="lib_dup").click().run()
    assert not app.exception, app.exception
    app.selectbox(key="lib_pick").set_value("方案").run()
    app.button(key="lib_dup").click().run()
    assert not app.exception, app.exception
    store = ScenarioStore(tmp_path)
    assert sorted(e.name for e in library.list_scenarios(store)) == ["方案", "方案 副本",
                                                                     "方案 副本 2"]
    assert library.load("方案 副本 2", store).tech == "solar"


def test_tables_are_built_once_per_result(app):
    """A rerun that keeps the result reuses the built tables; a language switch rebuilds
    them in the new language."""
    kept = app.session_state["_table_pieces"]
    app.run()
    assert app.session_state["_table_pieces"][2] is kept[2]
    app.sidebar.radio(key="lang").set_value("en").run()
    rebuilt = app.session_state["_table_pieces"][2]
    assert rebuilt is not kept[2]
    assert list(rebuilt["shortlist"].columns) != list(kept[2]["shortlist"].columns)
    assert any(table.value.columns.equals(rebuilt["shortlist"].columns)
               for table in app.dataframe)


def test_prepared_ready_sees_the_disk_cache(default_prepared):
    """The first view skips the layers-only map when the prepared table is on disk."""
    from siting.inputs import prepare_key
    from ui.cache import prepared_ready, prepared_store

    prepared_store().clear()
    scenario = sc.Scenario()
    assert prepared_ready(prepare_key(scenario), scenario)
    never = sc.Scenario(exclusions={"redline_buffer_km": 19.5})
    assert not prepared_ready(prepare_key(never), never)


def test_a_scenario_that_fails_to_run_can_be_replaced(app, tmp_path, monkeypatch):
    """A loaded scenario whose layer cannot be read shows the message, and the save/load
    panel is still there to load another one."""
    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path))
    broken = tmp_path / "broken_ghi.tif"
    broken.write_text("not a raster", encoding="utf-8")
    app.sidebar.text_area(key="w_paste").input(f"layers: {{ghi: '{broken}'}}\n").run()
    app.sidebar.button(key="w_load_pasted").click().run()
    assert not app.exception, app.exception
    assert any("broken" in e.value and "GeoTIFF" in e.value for e in app.error), \
        [e.value for e in app.error]
    assert not app.metric
    app.sidebar.text_area(key="w_paste").input("layers: {}\n").run()
    app.sidebar.button(key="w_load_pasted").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert metric(app, "优选装机").endswith("GW")


def test_evaluated_results_are_shared_and_reused(app):
    """A second session (a reload, another planner) and a setting changed back re-use the
    evaluated result instead of scoring again."""
    first = app.session_state["_scored"][1]
    assert new_app().session_state["_scored"][1] is first
    weight = app.sidebar.number_input(key="w_wt_resource")
    original = weight.value
    weight.set_value(original + 0.1).run()
    assert app.session_state["_scored"][1] is not first
    app.sidebar.number_input(key="w_wt_resource").set_value(original).run()
    assert app.session_state["_scored"][1] is first
