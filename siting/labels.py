"""Codes -> Chinese or English text: the one place the engine's codes get words.

The engine returns codes and numbers (a parcel's ``why`` is reason codes, see
:func:`siting.scoring.why_codes`; a run summary is numbers); the app, the
exports and the briefing call the functions here at their output edge.
Column headers stay in ``siting.fields``.
"""
from __future__ import annotations

import numpy as np

from siting.scoring import NO_RESOURCE, SMALL_AREA, parse_why

LANGS = ("zh", "en")

#: Name of each exclusion source (``siting.registry.EXCLUSIONS`` ids), (zh, en).
EXCLUSION_LABELS: dict[str, tuple[str, str]] = {
    "redline": ("生态红线", "red line"),
    "water": ("水体湿地", "water"),
    "urban": ("城镇", "urban"),
    "forest": ("森林", "forest"),
    "cropland": ("耕地", "cropland"),
    "settlements": ("居民点缓冲", "settlement buffer"),
    "slope": ("坡度", "slope"),
    "border": ("边境管控带", "border strip"),
    "custom": ("自定义排除区", "custom exclusion"),
    "basic_farmland": ("永久基本农田", "permanent basic farmland"),
    "urban_boundary": ("城镇开发边界", "urban development boundary"),
}
#: Name of each encouraged land kind (``siting.registry.ENCOURAGEMENTS`` ids and the
#: border belt), (zh, en).
ENCOURAGEMENT_LABELS: dict[str, tuple[str, str]] = {
    "desert": ("沙漠戈壁", "desert/gobi"),
    "sandy": ("沙地治理区", "sandy land"),
    "mine": ("矿区修复", "mine restoration"),
    "border": ("沿边地带", "border belt"),
    "custom": ("自定义鼓励区", "custom encouraged zone"),
}
#: Name of each technology (``siting.tech.TECHS``), (zh, en).
TECH_LABELS: dict[str, tuple[str, str]] = {
    "wind": ("风电", "wind"),
    "solar": ("光伏", "solar PV"),
    "hybrid": ("风光互补", "hybrid wind + solar"),
}
#: Parcel-level reasons of ``why`` that are not exclusions, (zh, en).
REASON_LABELS: dict[str, tuple[str, str]] = {
    NO_RESOURCE: ("无资源数据", "no resource data"),
    SMALL_AREA: ("可用地不足", "too little available land"),
}
#: Added to an exclusion whose layer is synthetic, (zh, en).
SYNTHETIC_MARK = ("（合成数据）", " (synthetic)")
#: Separator of the reasons in a ``why`` text, (zh, en).
REASON_SEPARATOR = "; "


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def exclusion_label(code: str, lang: str = "zh") -> str:
    """'生态红线' / 'red line' for an exclusion id; an unknown id is shown as it is."""
    return _pick(EXCLUSION_LABELS[code], lang) if code in EXCLUSION_LABELS else code


def encouragement_label(code: str, lang: str = "zh") -> str:
    """'沙漠戈壁' / 'desert/gobi' for an encouraged land kind."""
    return _pick(ENCOURAGEMENT_LABELS[code], lang) if code in ENCOURAGEMENT_LABELS else code


def tech_label(tech: str, lang: str = "zh") -> str:
    """'风电' / 'wind' for a technology."""
    return _pick(TECH_LABELS[tech], lang) if tech in TECH_LABELS else tech


def _synthetic_sources(synthetic_layers) -> set[str]:
    """Exclusion ids whose layer is among ``synthetic_layers`` (ids, or a ';'-joined str)."""
    from siting.registry import EXCLUSIONS

    if isinstance(synthetic_layers, str):
        synthetic_layers = synthetic_layers.split(";")
    layers = {layer for layer in (synthetic_layers or ()) if layer}
    return {entry.id for entry in EXCLUSIONS if entry.layer in layers}


def why_text(why, lang: str = "zh", *, synthetic_layers=()) -> str:
    """A parcel's ``why`` codes as a sentence.

    ``"small_area:2;redline:1;slope:0.12"`` becomes ``"可用地不足 (2 km²): 生态红线 100%;
    坡度 12%"`` (``lang='zh'``) or ``"too little available land (2 km²): red line
    100%; slope 12%"``. Shares are whole percent, at least 1 %. An exclusion whose
    layer is in ``synthetic_layers`` (the parcel's ``synthetic`` column) is marked
    ``（合成数据）`` / ``(synthetic)``. Text that is not codes (an older result)
    is returned as it is; a missing value gives ''.
    """
    if why is None or (isinstance(why, float) and np.isnan(why)):
        return ""
    reasons = parse_why(str(why))
    if reasons is None:
        return str(why)
    marked = _synthetic_sources(synthetic_layers)
    lead, parts = "", []
    for code, value in reasons:
        if code == NO_RESOURCE:
            lead = _pick(REASON_LABELS[NO_RESOURCE], lang)
        elif code == SMALL_AREA:
            lead = f"{_pick(REASON_LABELS[SMALL_AREA], lang)} ({value:g} km²)"
        else:
            name = exclusion_label(code, lang)
            if code in marked:
                name += _pick(SYNTHETIC_MARK, lang)
            percent = max(int(np.round(value * 100)), 1)
            parts.append(f"{name} {percent}%")
    text = REASON_SEPARATOR.join(parts)
    if lead and text:
        return f"{lead}: {text}"
    return lead or text


def why_column(table, lang: str = "zh") -> list[str]:
    """The ``why`` of every row of a parcel table as text (the exports' call).

    Reads ``why`` and, when present, ``synthetic`` (to mark reasons from
    synthetic layers).
    """
    whys = table["why"].tolist() if "why" in table else [""] * len(table)
    synthetic = table["synthetic"].tolist() if "synthetic" in table else [""] * len(table)
    # rows repeat a few codes (16k distinct of 185k parcels at 250 m): word each once
    worded: dict = {}
    out = []
    for why, layers in zip(whys, synthetic, strict=True):
        key = (why, layers if isinstance(layers, str) else None)
        text = worded.get(key)
        if text is None:
            text = worded[key] = why_text(why, lang, synthetic_layers=key[1] or ())
        out.append(text)
    return out


def shortfall_text(summary: dict, lang: str = "zh") -> str:
    """A plain sentence when the shortlist falls short of its goal; '' otherwise.

    ``summary`` holds ``shortfall_gw``, ``goal_gw`` and ``capacity_gw``
    (``pipeline.summarise``).
    """
    short = summary.get("shortfall_gw") or 0.0
    if short <= 0.0005:
        return ""
    goal, have = summary.get("goal_gw"), summary.get("capacity_gw")
    if lang == "zh":
        return (f"符合条件的土地只能容纳 {have:,.1f} GW，距目标 {goal:,.1f} GW 还差 "
                f"{short:,.1f} GW。可放宽排除条件、最低评分或分区上限。")
    return (f"Eligible land holds only {have:,.1f} GW, {short:,.1f} GW short of the "
            f"{goal:,.1f} GW goal. Relax the exclusions, the minimum score or the group caps.")


def word_table(table, lang: str = "zh"):
    """A copy of a parcel table (DataFrame or GeoDataFrame) whose ``why`` is words
    (:func:`why_column`); the table itself when it has no ``why``. The exports'
    call at their output edge: ``labels.word_table(result.shortlist, "zh")``."""
    if "why" not in table:
        return table
    out = table.copy()
    out["why"] = why_column(table, lang)
    return out
