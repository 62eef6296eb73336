"""Ranking views for the app: the supply curve, the result against the policy,
both ranking orders side by side and a parcel's score broken down. Pure
functions returning DataFrames and Altair charts; no streamlit here.
"""
from __future__ import annotations

import pandas as pd

from siting import supply
from siting.fields import label as field_label
from siting.labels import shortfall_text
from siting.scoring import BREAKDOWN_COLUMNS

#: Group codes in display order with their labels (zh, en).
GROUPS = {"west": ("西部", "west"), "central": ("中部", "centre"), "east": ("东部", "east")}
#: Encouraged land kinds with their labels (zh, en).
LAND = {"desert": ("沙漠戈壁", "desert/gobi"), "sandy": ("沙地治理区", "sandy land"),
        "mine": ("矿区修复", "mine restoration"), "border": ("沿边地带", "border belt"),
        "any": ("任一鼓励用地", "any encouraged land")}


def _zh(lang: str) -> bool:
    return lang == "zh"


def supply_table(result, lang: str) -> pd.DataFrame:
    """The supply curve (bases by LCOE, running GW) with labelled columns."""
    curve = supply.supply_curve(result.bases).round({"cap_mw": 1, "energy_gwh": 1,
                                                     "lcoe": 4, "cum_gw": 2})
    names = {c: field_label(c, lang) for c in ("base_id", "league", "cap_mw", "energy_gwh",
                                                "lcoe")}
    names["cum_gw"] = "累计装机 (GW)" if _zh(lang) else "Cumulative capacity (GW)"
    return curve.rename(columns=names)


def _steps(bases) -> pd.DataFrame:
    """Each base of the supply curve as a flat step from the previous running total to its own."""
    curve = supply.supply_curve(bases)
    return pd.DataFrame({"gw": list(curve["cum_gw"] - curve["cap_mw"] / 1000.0)
                         + list(curve["cum_gw"]),
                         "lcoe": list(curve["lcoe"]) * 2,
                         "base_id": list(curve["base_id"]) * 2,
                         "league": list(curve["league"]) * 2,
                         "order": list(range(0, 2 * len(curve), 2))
                         + list(range(1, 2 * len(curve), 2))})


def _curve_lines(results: dict, lang: str):
    """Step lines of cumulative GW (x) against base LCOE (y), one per named result."""
    import altair as alt

    x_title = "累计装机 (GW)" if _zh(lang) else "cumulative capacity (GW)"
    y_title = "平准化度电成本 (元/kWh)" if _zh(lang) else "LCOE (CNY/kWh)"
    steps = pd.concat([_steps(r.bases).assign(scenario=name) for name, r in results.items()],
                      ignore_index=True)
    encoding = dict(x=alt.X("gw:Q", title=x_title),
                    y=alt.Y("lcoe:Q", title=y_title, scale=alt.Scale(zero=False)),
                    order="order:Q",
                    tooltip=["scenario:N", "base_id:N", "league:N",
                             alt.Tooltip("lcoe:Q", format=".3f"),
                             alt.Tooltip("gw:Q", format=",.1f")])
    if len(results) > 1:
        encoding["color"] = alt.Color("scenario:N", title="")
    return alt.Chart(steps).mark_line(interpolate="linear").encode(**encoding)


def comparison_chart(results: dict, lang: str):
    """The supply curves of several results (``{name: result}``) on one chart."""
    return _curve_lines(results, lang).properties(height=260)


def supply_chart(result, lang: str):
    """Step chart of cumulative GW (x) against base LCOE (y, CNY/kWh), with the target line."""
    import altair as alt

    line = _curve_lines({"": result}, lang)
    target = result.scenario.targets.target_gw
    label = f"目标 {target:g} GW" if _zh(lang) else f"target {target:g} GW"
    rule = (alt.Chart(pd.DataFrame({"gw": [target], "label": [label]}))
            .mark_rule(color="#c0392b", strokeDash=[6, 3])
            .encode(x="gw:Q", tooltip=["label:N"]))
    return (line + rule).properties(height=300)


def policy_table(summary: dict, lang: str) -> pd.DataFrame:
    """GW in west / centre / east and the share on each encouraged land kind.

    Reads ``summary['policy']`` and ``summary['by_group']`` (``siting.pipeline.summarise``).
    """
    glance = summary.get("policy", {"gw": {}, "share": {}})
    groups = summary.get("by_group", {})
    i = 0 if _zh(lang) else 1
    rows = []
    for code, names in GROUPS.items():
        cap = (groups.get(code) or {}).get("cap_gw")
        note = "" if cap is None else (f"上限 {cap:g} GW" if _zh(lang) else f"cap {cap:g} GW")
        rows.append((names[i], f"{glance['gw'].get(code, 0.0):,.1f} GW", note))
    for code, names in LAND.items():
        rows.append((names[i], f"{glance['share'].get(code, 0.0):.0%}",
                     "装机占比" if _zh(lang) else "of capacity"))
    columns = ["指标", "数值", "说明"] if _zh(lang) else ["item", "value", "note"]
    return pd.DataFrame(rows, columns=columns)


def orders_table(by_score: dict, by_lcoe: dict, lang: str) -> pd.DataFrame:
    """Both ranking orders side by side, from the two runs' summaries.

    The app gets them with ``pipeline.evaluate`` on the same prepared parcels,
    once with ``shortlist.rank_by='score'`` and once with ``'lcoe'``.
    """
    def gw(s, group):
        return (s.get("by_group", {}).get(group) or {}).get("capacity_gw", 0.0)

    def fmt(value, spec):
        return "" if value is None else format(value, spec)

    zh = _zh(lang)
    rows = [("总装机 GW" if zh else "total GW", "capacity_gw", ",.1f"),
            ("年发电 TWh" if zh else "energy TWh/yr", "energy_twh", ",.1f"),
            ("平均度电成本 元/kWh" if zh else "mean LCOE CNY/kWh", "mean_lcoe", ".4f"),
            ("利用小时数中位数" if zh else "median full-load hours", "median_flh", ",.0f"),
            ("基地数" if zh else "bases", "n_bases", "d"),
            ("最大基地 GW" if zh else "largest base GW", "largest_base_gw", ",.1f"),
            ("缺口 GW" if zh else "shortfall GW", "shortfall_gw", ",.1f")]
    table = [(name, fmt(by_score.get(key), spec), fmt(by_lcoe.get(key), spec))
             for name, key, spec in rows]
    for code, names in GROUPS.items():
        table.append((f"{names[0]} GW" if zh else f"{names[1]} GW",
                      f"{gw(by_score, code):,.1f}", f"{gw(by_lcoe, code):,.1f}"))
    columns = (["指标", "按评分排序", "按度电成本排序"] if zh
               else ["", "ranked by score", "ranked by LCOE"])
    return pd.DataFrame(table, columns=columns)


def breakdown_table(row, lang: str) -> pd.DataFrame:
    """One parcel's score broken down: points per criterion and bonus, then the score."""
    rows = [(field_label(c, lang, with_unit=False), round(float(row.get(c, 0.0) or 0.0), 2))
            for c in BREAKDOWN_COLUMNS]
    total = sum(points for _, points in rows)
    rows.append(("合计 (封顶前)" if _zh(lang) else "total (before the cap)", round(total, 2)))
    rows.append((field_label("score", lang, with_unit=False), round(float(row["score"]), 2)))
    columns = ["构成", "分值"] if _zh(lang) else ["part", "points"]
    return pd.DataFrame(rows, columns=columns)


def shortfall_note(summary: dict, lang: str) -> str:
    """A plain sentence when eligible land runs out before the target; '' otherwise."""
    return shortfall_text(summary, lang)
