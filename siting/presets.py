"""Named scenario presets (app and CLI): the policy's zones and the raised target.

Each preset is the few fields it changes from the default ``Scenario``.
"""
from __future__ import annotations

from siting import shortlist
from siting.errors import SitingError
from siting.scenario_yaml import excerpt, from_dict

#: Named presets (app and CLI): the policy's zones and the raised target.
PRESETS = {
    "default": {},
    "desert_gobi": {"name": "沙漠戈壁基地 desert/gobi bases", "tech": "solar",
                    "shortlist": {"land_types": ["desert"]},
                    "encouragement": {"desert_bonus": 20.0}},
    "mine_restoration": {"name": "采煤沉陷区修复 mine restoration", "tech": "solar",
                         "shortlist": {"land_types": ["mine"], "min_score": 30.0},
                         "encouragement": {"mine_bonus": 25.0},
                         "bases": {"min_capacity_gw": 0.5}},
    "border_belt": {"name": "沿边新能源带 border belt", "tech": "wind",
                    "shortlist": {"land_types": ["border"]},
                    "encouragement": {"border_belt_bonus": 15.0}},
    "target_300gw": {"name": "3亿千瓦目标 300 GW target",
                     "targets": {"target_gw": shortlist.TARGET_2030_RAISED_GW,
                                 "group_caps_gw": {
                                     "east": shortlist.EAST_CAP_SHARE_OF_TARGET
                                     * shortlist.TARGET_2030_RAISED_GW}}},
}


def preset(name: str):
    """A preset scenario by name (see ``PRESETS``)."""
    if name not in PRESETS:
        raise SitingError(f"unknown preset {excerpt(name)}; presets: {', '.join(PRESETS)}",
                          zh=f"没有名为 {excerpt(name)} 的预设情景；可选：{', '.join(PRESETS)}")
    return from_dict(PRESETS[name], source=f"preset {name}")
