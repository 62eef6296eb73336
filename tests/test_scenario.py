"""The Scenario model: YAML round trip, the commented template, errors naming the field."""
import os
import re
import stat

import pytest
import yaml

from layers.workspace import atomic_write, atomic_write_text
from siting import scenario as sc
from siting.errors import SitingError

KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):(.*)$")


def test_default_round_trip_is_identical():
    default = sc.Scenario()
    again = sc.loads(sc.dumps(default))
    assert again.model_dump() == default.model_dump()


def test_round_trip_of_a_changed_scenario():
    changed = sc.from_dict({
        "name": "a: tricky # name", "tech": "hybrid", "parcel_shape": "hex",
        "layers": {"ghi": "C:/data/ghi 2024.tif"},
        "exclusions": {"redline_buffer_km": 1.5, "cropland_wind": True},
        "encouragement": {"border_belt_km": [5, 40]},
        "weights": {"direct": {"resource": 3, "grid": 1}},
        "shortlist": {"leagues": ["阿拉善盟"], "target_multiple": None},
        "targets": {"target_gw": 300},
    })
    again = sc.loads(sc.dumps(changed))
    assert again.model_dump() == changed.model_dump()
    assert again.encouragement.border_belt_km == (5.0, 40.0)
    assert again.shortlist.target_multiple is None


def test_every_template_key_is_a_valid_yaml_mapping():
    data = yaml.safe_load(sc.dumps(sc.Scenario()))
    assert set(data) == set(sc.Scenario.model_fields)
    assert set(data["exclusions"]) == set(sc.Exclusions.model_fields)


def key_lines(text):
    """(index, key, is_section) of every mapping key line of the template."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        match = KEY_LINE.match(line)
        if match:
            value = match.group(3).split("#")[0].strip()
            out.append((i, match.group(2), value == ""))
    return lines, out


def test_template_has_a_comment_line_above_every_field():
    lines, keys = key_lines(sc.dumps(sc.Scenario()))
    leaves = [(i, key) for i, key, section in keys if not section]
    assert len(leaves) > 60
    for i, key in leaves:
        assert lines[i - 1].lstrip().startswith("# "), f"no comment above {key!r}"


def test_template_sections_carry_a_comment():
    lines, keys = key_lines(sc.dumps(sc.Scenario()))
    sections = [(i, key) for i, key, section in keys if section]
    assert [key for _, key in sections] == ["exclusions", "encouragement", "bounds", "weights",
                                            "capacity", "energy", "cost", "shortlist", "bases",
                                            "grid", "targets"]
    for i, key in sections:
        assert "# " in lines[i], f"section {key!r} has no comment"


def test_template_has_a_comment_line_above_every_key():
    lines, keys = key_lines(sc.dumps(sc.Scenario()))
    missing = [key for i, key, _ in keys if not lines[i - 1].lstrip().startswith("#")]
    assert missing == []


def test_unknown_field_is_named():
    with pytest.raises(SitingError, match=r"invalid scenario test.yaml: colour: Extra inputs"):
        sc.from_dict({"colour": "blue"}, source="test.yaml")


def test_unknown_nested_field_is_named_with_its_section():
    with pytest.raises(SitingError, match=r"exclusions\.redlin: Extra inputs are not permitted"):
        sc.from_dict({"exclusions": {"redlin": False}})


def test_wrong_tech_names_the_field_and_the_allowed_values():
    with pytest.raises(SitingError, match=r"tech: .*'wind', 'solar' or 'hybrid'.*got 'nuclear'"):
        sc.from_dict({"tech": "nuclear"})


def test_wrong_type_and_range_name_the_field():
    with pytest.raises(SitingError, match=r"resolution_m: .*greater than or equal to 250"):
        sc.from_dict({"resolution_m": 100})
    with pytest.raises(SitingError, match=r"capacity\.wind_mw_per_km2: .*got 'lots'"):
        sc.from_dict({"capacity": {"wind_mw_per_km2": "lots"}})
    with pytest.raises(SitingError, match=r"bounds\.ghi_kwh_m2: .*low < high"):
        sc.from_dict({"bounds": {"ghi_kwh_m2": [1900, 1300]}})


def test_bad_yaml_text():
    with pytest.raises(SitingError, match=r"scenario s.yaml is not valid YAML"):
        sc.loads("tech: [wind\nname: x", source="s.yaml")


def test_yaml_that_is_not_a_mapping():
    with pytest.raises(SitingError, match=r"expected a mapping of fields, got list"):
        sc.loads("- wind\n- solar\n")


def test_empty_yaml_is_the_default():
    assert sc.loads("").model_dump() == sc.Scenario().model_dump()


def test_ahp_mode_without_matrix():
    with pytest.raises(SitingError, match=r"weights: .*mode 'ahp' needs ahp_matrix as a 5×5"):
        sc.from_dict({"weights": {"mode": "ahp"}})


def test_ahp_matrix_of_the_wrong_size():
    with pytest.raises(SitingError, match=r"needs ahp_matrix as a 2×2 list of lists in the "
                                          r"order \['resource', 'grid'\]"):
        sc.from_dict({"weights": {"mode": "ahp", "direct": {"resource": 1, "grid": 1},
                                  "ahp_matrix": [[1, 2, 3], [0.5, 1, 2], [1 / 3, 0.5, 1]]}})


def test_weights_with_an_unknown_criterion():
    with pytest.raises(SitingError, match=r"weights\.direct: .*unknown criteria \['beauty'\]; "
                                          r"allowed: \['resource'"):
        sc.from_dict({"weights": {"direct": {"resource": 1, "beauty": 1}}})


def test_negative_weights_are_refused():
    with pytest.raises(SitingError, match=r"weights\.direct: .*weights must be ≥ 0"):
        sc.from_dict({"weights": {"direct": {"resource": -1, "grid": 2}}})


@pytest.mark.parametrize("name", list(sc.PRESETS))
def test_presets_load(name):
    scenario = sc.preset(name)
    assert scenario.tech in sc.TECHS
    assert sc.loads(sc.dumps(scenario)).model_dump() == scenario.model_dump()


def test_preset_values():
    assert sc.preset("desert_gobi").shortlist.land_types == ["desert"]
    assert sc.preset("mine_restoration").bases.min_capacity_gw == 0.5
    assert sc.preset("target_300gw").targets.target_gw == 300.0
    assert sc.preset("default").model_dump() == sc.Scenario().model_dump()


def test_unknown_preset():
    with pytest.raises(SitingError, match=r"unknown preset 'moon'; presets: default, desert_gobi"):
        sc.preset("moon")


def save_yaml(scenario, path):
    """How a scenario file is saved: its YAML through the one atomic-write helper."""
    return atomic_write_text(path, sc.dumps(scenario))


def test_save_and_load_yaml(tmp_path):
    scenario = sc.preset("desert_gobi")
    path = save_yaml(scenario, tmp_path / "sub" / "s.yaml")
    assert path.read_text(encoding="utf-8").startswith("# 内蒙古新能源基地选址")
    assert sc.load_yaml(path).model_dump() == scenario.model_dump()
    assert sorted(p.name for p in path.parent.iterdir()) == ["s.yaml"]


def test_load_yaml_missing_file(tmp_path):
    with pytest.raises(SitingError, match=r"scenario file not found: .*nope\.yaml"):
        sc.load_yaml(tmp_path / "nope.yaml")


def test_load_yaml_not_utf8(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 默认情景\n".encode("gbk"))
    with pytest.raises(SitingError, match=r"scenario file gbk.yaml is not UTF-8 text"):
        sc.load_yaml(path)


def test_load_yaml_error_names_the_file_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("tech: nuclear\n", encoding="utf-8")
    with pytest.raises(SitingError, match=r"invalid scenario bad.yaml: tech: "):
        sc.load_yaml(path)


def failing_write(file):
    file.write(sc.dumps(sc.Scenario())[:100])
    raise OSError("disk full while writing")


def test_save_yaml_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("name: old\n", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, failing_write, mode="w")
    assert path.read_text(encoding="utf-8") == "name: old\n"


def test_save_yaml_leaves_no_temp_file_when_writing_fails(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text("name: old\n", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, failing_write, mode="w")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_saved_scenario_has_ordinary_file_permissions(tmp_path):
    ordinary = tmp_path / "ordinary.txt"
    ordinary.write_text("x", encoding="utf-8")
    saved = save_yaml(sc.Scenario(), tmp_path / "scenario.yaml")
    assert stat.S_IMODE(saved.stat().st_mode) == stat.S_IMODE(ordinary.stat().st_mode)


# --- issue 11: ranking, sizing, groups -------------------------------------------------------


def test_ranking_defaults_are_visible_and_documented():
    scenario = sc.Scenario()
    assert scenario.shortlist.rank_by == "score"
    assert scenario.shortlist.target_multiple == 1.0
    assert scenario.targets.group_caps_gw == {"east": 20.0}
    assert scenario.targets.league_targets_gw == {}
    text = sc.dumps(scenario)
    assert "rank_by: score" in text and "以分布式新能源为主" in text


def test_rank_by_must_be_score_or_lcoe():
    with pytest.raises(SitingError, match=r"shortlist\.rank_by: Input should be 'score' or "
                                          r"'lcoe' \(got 'cost'\)"):
        sc.from_dict({"shortlist": {"rank_by": "cost"}})


def test_unknown_land_type_is_named():
    with pytest.raises(SitingError, match=r"shortlist\.land_types: .*unknown land types "
                                          r"\['gobi'\]; allowed: desert, sandy, mine, border"):
        sc.from_dict({"shortlist": {"land_types": ["gobi"]}})


def test_group_caps_name_known_groups_and_are_not_negative():
    with pytest.raises(SitingError, match=r"group_caps_gw names unknown groups \['north'\]"):
        sc.from_dict({"targets": {"group_caps_gw": {"north": 5}}})
    with pytest.raises(SitingError, match=r"GW values must be ≥ 0"):
        sc.from_dict({"targets": {"group_caps_gw": {"east": -1}}})
    with pytest.raises(SitingError, match=r"league_targets_gw.*GW values must be ≥ 0"):
        sc.from_dict({"targets": {"league_targets_gw": {"阿拉善盟": -5}}})


@pytest.mark.parametrize("name", list(sc.PRESETS))
def test_every_preset_caps_the_east_well_below_the_target(name):
    targets = sc.preset(name).targets
    assert targets.group_caps_gw["east"] <= 0.1 * targets.target_gw


def test_cli_rank_by_overrides_the_scenario():
    from siting.cli import build_parser, scenario_from_args

    args = build_parser().parse_args(["run", "--rank-by", "lcoe", "--preset", "border_belt"])
    scenario = scenario_from_args(args)
    assert scenario.shortlist.rank_by == "lcoe"
    assert scenario.shortlist.land_types == ["border"]  # the rest of the preset stays
