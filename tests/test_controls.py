"""Widget ranges from the Scenario model and the AHP editor's arithmetic (pure)."""
import math

import pytest

from siting import scenario as sc
from ui import controls


def test_every_numeric_widget_range_is_the_model_bound():
    numeric = controls.numeric_paths()
    assert "w_ex_redline_buf" in numeric and "w_target" in numeric
    for key, path in numeric.items():
        rng = controls.field_range(path)
        assert rng.min < rng.max and rng.step > 0, key
        info = controls.model_field(path)
        if path.startswith("weights.direct."):
            assert (rng.min, rng.max) == (0.0, sc.WEIGHT_MAX)
            continue
        if getattr(info.annotation, "__origin__", None) is dict:  # e.g. a group's cap
            extra = info.json_schema_extra
            assert (rng.min, rng.max) == (extra["item_ge"], extra["item_le"]), key
            continue
        bounds = {type(m).__name__: m for m in info.metadata}
        assert rng.min == bounds["Ge"].ge and rng.max == bounds["Le"].le, key


def test_hand_checked_ranges():
    assert controls.field_range("exclusions.redline_buffer_km") == controls.Range(0, 20, 0.5)
    assert controls.field_range("cost.lifetime_years").kwargs() == {
        "min_value": 5, "max_value": 50, "step": 1}
    assert controls.field_range("targets.target_gw").kwargs() == {
        "min_value": 1.0, "max_value": 5000.0, "step": 10.0}


def test_a_model_value_at_the_bound_is_valid_and_beyond_it_is_not():
    rng = controls.field_range("exclusions.redline_buffer_km")
    sc.from_dict({"exclusions": {"redline_buffer_km": rng.max}})
    with pytest.raises(sc.SitingError, match="redline_buffer_km"):
        sc.from_dict({"exclusions": {"redline_buffer_km": rng.max + rng.step}})


def test_radio_options_come_from_the_model():
    assert controls.field_options("tech") == ("wind", "solar", "hybrid")
    assert controls.field_options("bases.contiguity") == ("queen", "rook")


def test_seed_values_fills_missing_keys_and_forces_on_language_change():
    base = sc.Scenario(tech="solar").model_dump(mode="json")
    state = {"w_tech": "hybrid"}
    assert controls.seed_values(base, state, force=False).get("w_tech") is None
    assert controls.seed_values(base, state, force=False)["w_ex_border"] == 2.0
    assert controls.seed_values(base, state, force=True)["w_tech"] == "solar"


def test_fraction_text_and_copy_name():
    assert controls.fraction_text(3.0) == "3" and controls.fraction_text(1 / 7) == "1/7"
    assert controls.copy_name("方案", [], suffix="副本") == "方案 副本"
    assert controls.copy_name("方案", ["方案 副本", "方案 副本 2"], suffix="副本") == "方案 副本 3"
    assert math.isclose(controls.SAATY_VALUES["1/9"], 1 / 9)


def test_exclusion_controls_are_built_from_the_registry():
    from siting import registry
    from ui import i18n

    controls_by_path = {c.path: c for c in controls.exclusion_controls()}
    for entry in registry.EXCLUSIONS:
        for name in entry.fields():
            control = controls_by_path[f"exclusions.{name}"]
            assert control.entry == entry.id
            assert controls.all_widget_paths()[control.key] == control.path
            # bundled entries are always drawn; optional ones only with their layer
            drawn = controls.WIDGET_PATHS if entry.optional is False else \
                controls.LAYER_WIDGET_PATHS
            assert control.key in drawn
            for lang in i18n.LANGS:
                assert controls.control_label(control, lang)  # every label key exists
    # the sidebar's historic keys are kept; a new entry gets w_ex_<field>
    assert controls.WIDGET_PATHS["w_ex_redline_buf"] == "exclusions.redline_buffer_km"
    assert controls.WIDGET_PATHS["w_ex_settle_pv"] == "exclusions.settlement_buffer_pv_km"
    farmland = controls_by_path["exclusions.basic_farmland_buffer_km"]
    assert farmland.key == "w_ex_basic_farmland_buffer_km"
    assert farmland.follows == "w_ex_basic_farmland" and farmland.layer == "basic_farmland"
    assert controls.control_label(farmland, "zh") == "永久基本农田 · 缓冲距离（千米）"


def test_layer_widgets_load_and_apply_like_the_others():
    base = sc.Scenario().model_dump()
    assert controls.widget_values(base)["w_ex_basic_farmland_buffer_km"] == 0.0
    out = controls.apply_widgets(base, {"w_ex_basic_farmland_buffer_km": 1.5})
    assert out["exclusions"]["basic_farmland_buffer_km"] == 1.5
    assert sc.from_dict(out).exclusions.basic_farmland_buffer_km == 1.5
