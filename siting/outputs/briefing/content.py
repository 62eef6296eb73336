"""The words and numbers of the briefing: summary table, target, policy and
provenance lines, the synthetic-data stamp."""
from __future__ import annotations

from siting.outputs.briefing.style import TOP_BASES
from siting.outputs.text import disclaimer, synthetic_layers
from siting.units import Units, convert, energy_unit, format_power, power_unit

#: How the briefing names the base formation method.
BASE_METHOD_ZH = {"connection": "按并网点", "contiguity": "相邻地块合并"}


def _gw(mw, units: str) -> str:
    """MW as the table's number: GW to 0.1, or 万千瓦 to 1 (1 GW = 100 万千瓦)."""
    value, _ = convert(float(mw) / 1000.0, "GW", units)
    return f"{value:,.0f}" if units == "wan" else f"{value:.1f}"


def _twh(gwh, units: str) -> str:
    """GWh as the table's number: TWh or 亿千瓦时 to 0.1 (1 TWh = 10 亿千瓦时)."""
    value, _ = convert(float(gwh) / 1000.0, "TWh", units)
    return f"{value:,.1f}"


def briefing_table(result, *, top: int = TOP_BASES, units: Units = "gw"):
    """Rows of the summary table: the largest bases, the rest, and the totals.

    Parameters
    ----------
    units : {'gw', 'wan'}
        Capacity and energy in GW and TWh, or in 万千瓦 and 亿千瓦时.

    Returns
    -------
    pandas.DataFrame with columns 基地, 主要盟市, 并网点, 土地类型, 容量 GW, 年发电 TWh,
    评分 (or 容量 万千瓦, 年发电 亿千瓦时; strings ready to print). 并网点 is the
    base's connection point without the words 变电站/换流站/开关站 ("" for bases formed
    by contiguity).
    """
    import pandas as pd

    from siting.bases import LAND_TYPES

    columns = ["基地", "主要盟市", "并网点", "土地类型", f"容量 {power_unit(units)}",
               f"年发电 {energy_unit(units)}", "评分"]
    bases = result.bases.sort_values("cap_mw", ascending=False, kind="stable")

    def connection(base) -> str:
        name = base.get("conn_name")
        if not isinstance(name, str):
            return ""
        for suffix in ("变电站", "换流站", "开关站"):  # the kind is in the kV; keep it short
            name = name.replace(suffix, "")
        return name

    rows = [[b["base_id"], b["league"], connection(b),
             LAND_TYPES.get(b["land_type"], (b["land_type"],))[0],
             _gw(b["cap_mw"], units), _twh(b["energy_gwh"], units), f"{b['score']:.0f}"]
            for _, b in bases.head(top).iterrows()]
    rest = bases.iloc[top:]
    if len(rest):
        rows.append([f"其余 {len(rest)} 个", "", "", "", _gw(rest["cap_mw"].sum(), units),
                     _twh(rest["energy_gwh"].sum(), units), ""])
    short = result.shortlist
    in_bases = short[short["base_id"].notna()] if len(short) else short
    rows.append(["基地合计", f"{len(bases)} 个", "", "", _gw(in_bases["cap_mw"].sum(), units),
                 _twh(in_bases["energy_gwh"].sum(), units), ""])
    rows.append(["入选合计", f"{len(short)} 地块", "", "", _gw(short["cap_mw"].sum(), units),
                 _twh(short["energy_gwh"].sum(), units), ""])
    return pd.DataFrame(rows, columns=columns)


def target_line(result, *, units: Units = "gw") -> str:
    """Shortlist total against the target, e.g. '入选 300.2 GW = 2030年目标 200 GW 的 150%'."""
    cap_gw = float(result.shortlist["cap_mw"].sum() / 1000.0)
    target = float(result.scenario.targets.target_gw)
    return (f"入选合计 {format_power(cap_gw, units)} = 2030年目标 "
            f"{format_power(target, units, digits=0)} 的 {cap_gw / target:.0%}"
            f"  (shortlist vs target)")


def policy_line(result, *, units: Units = "gw") -> str:
    """West / centre / east capacity and the share on encouraged land (policy §十二).

    E.g. '西部 44.3 GW · 中部 143.8 GW · 东部 11.9 GW；沙漠戈壁 17% · 沙地 5% · 矿区 0% ·
    沿边 33%' (shares of the shortlisted capacity; flags overlap).
    """
    glance = result.summary.get("policy")
    if not glance:
        return ""
    names = {"west": "西部", "central": "中部", "east": "东部"}
    land = {"desert": "沙漠戈壁", "sandy": "沙地", "mine": "矿区", "border": "沿边"}
    gw = " · ".join(f"{names.get(g, g)} {format_power(v, units)}"
                    for g, v in glance["gw"].items())
    share = " · ".join(f"{land[k]} {glance['share'].get(k, 0.0):.0%}" for k in land)
    return f"{gw}；{share}"


def provenance_line(result, notice: dict | None = None) -> str:
    """Which layers are synthetic, and the disclaimer (审图号; ``notice``: the data's texts)."""
    names = [result.provenance[k].get("name_zh", k) for k in synthetic_layers(result)]
    synthetic = "、".join(names) if names else "无"
    return f"合成（示意）图层 synthetic layers: {synthetic}。{disclaimer('zh', notice)}"




#: The stamp on a briefing whose shortlist rests on synthetic layers.
SYNTHETIC_STAMP = "含合成数据 / contains synthetic data"
#: Its colour (a warning red, readable in print).
SYNTHETIC_STAMP_COLOUR = "#c62828"


def synthetic_stamp(result) -> str:
    """Stamp text when any synthetic layer shaped the shortlist, else "".

    Two lines: the mark, then the layers (ids from the shortlist's ``synthetic``
    column, named in Chinese where the provenance has a name).
    """
    from siting.synthetic import layers_in

    ids = layers_in(result.shortlist)
    if not ids:
        return ""
    names = [result.provenance.get(i, {}).get("name_zh", i) for i in ids]
    return f"{SYNTHETIC_STAMP}\n{'、'.join(names)}"

