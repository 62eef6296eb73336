"""The results area: headline metrics, the bases and shortlist tables with the
per-league chart, and the supply panel (supply curve, both orders, policy, corridors).
"""
from __future__ import annotations

import streamlit as st

from siting import connection, units
from ui import results
from ui import supply as supply_view
from ui.cache import corridors, other_order_summary, per_result
from ui.i18n import as_markdown, t
from ui.state import display_units
from ui.synthetic_banner import synthetic_banner


def metrics(result, lang: str):
    """Headline numbers of the run."""
    s = result.summary
    text = units.summary_texts(s, display_units(), lang=lang)
    cols = st.columns(5)
    cols[0].metric(t("m_capacity", lang), text["capacity"])
    cols[1].metric(t("m_energy", lang), text["energy"])
    cols[2].metric(t("m_bases", lang), f"{s['n_bases']}")
    cols[3].metric(t("m_share", lang), f"{s['share_of_target']:.0%}",
                   help=f"{t('target', lang)}: {text['target']}")
    cols[4].metric(t("m_parcels", lang), f"{s['n_shortlist']:,}")
    shortfall = supply_view.shortfall_note(s, lang)
    if shortfall:
        st.warning(as_markdown(shortfall))
    banner = synthetic_banner(result, lang)
    if banner:
        st.warning(as_markdown(banner), icon="⚠️")
    if not result.weights.consistent:
        st.warning(f"{t('warning_weights', lang)}: CR = {result.weights.consistency_ratio:.3f}")


def other_order(result, prep, key: str, lang: str):
    """The same scenario ranked the other way (score ↔ LCOE): a selection-only
    re-rank of the scored table (``siting.rerank``), no re-scoring; once per result."""
    return other_order_summary(key, result)


def _supply_pieces(result, prep, key: str, lang: str) -> dict:
    """The supply panel's charts and tables for ``result`` (built once per result,
    language and units)."""
    def build():
        other = other_order(result, prep, key, lang)
        by_score, by_lcoe = ((result.summary, other) if result.scenario.shortlist.rank_by ==
                             "score" else (other, result.summary))
        return {"chart": supply_view.supply_chart(result, lang),
                "table": supply_view.supply_table(result, lang),
                "orders": supply_view.orders_table(by_score, by_lcoe, lang),
                "policy": supply_view.policy_table(result.summary, lang),
                "corridors": results.corridor_table(
                    connection.corridor_fill(result.bases, corridors()), lang)}

    return per_result("_supply_pieces", result, (lang, display_units()), build)


def supply_panel(result, prep, key: str, lang: str):
    """Supply curve of the bases, both orders' totals and the policy at a glance."""
    pieces = _supply_pieces(result, prep, key, lang)
    st.subheader(t("supply_title", lang))
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(pieces["chart"], width="stretch")
        st.dataframe(pieces["table"], hide_index=True, width="stretch", height=240)
    with right:
        st.caption(t("orders_title", lang))
        st.dataframe(pieces["orders"], hide_index=True, width="stretch")
        st.caption(t("policy_title", lang))
        st.dataframe(pieces["policy"], hide_index=True, width="stretch")
    unconnected = result.summary.get("unconnected_gw") or 0.0
    if unconnected > 0:
        st.info(t("unconnected_note", lang).format(
            gw=units.format_power(unconnected, display_units(), lang=lang)))
    st.caption(t("corridor_title", lang))
    st.dataframe(pieces["corridors"], hide_index=True, width="stretch")


def _table_pieces(result, lang: str) -> dict:
    """The bases and shortlist tables and the per-league chart and table of ``result``
    (built once per result, language and units)."""
    chosen = display_units()

    def build():
        return {"bases": results.bases_table(result.bases, lang),
                "shortlist": results.shortlist_table(result.shortlist, lang),
                "chart": results.league_chart(result.leagues, lang),
                "leagues": units.league_frame(result.leagues, chosen, lang=lang,
                                              group_names={g: t(f"group_{g}", lang) for g in
                                                           ("west", "central", "east")})}

    return per_result("_table_pieces", result, (lang, chosen), build)


def tables(result, lang: str):
    """Shortlist, bases and the per-league chart."""
    pieces = _table_pieces(result, lang)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("bases_table", lang))
        st.dataframe(pieces["bases"], hide_index=True, width="stretch", key="bases_df")
        st.subheader(t("shortlist_table", lang))
        st.dataframe(pieces["shortlist"], hide_index=True, width="stretch", height=360,
                     key="shortlist_df")
    with right:
        st.subheader(t("league_chart", lang))
        s = result.summary
        text = units.summary_texts(s, display_units(), lang=lang)
        st.progress(min(s["share_of_target"], 1.0),
                    text=f"{t('total_vs_target', lang)}: {text['capacity']} / "
                         f"{text['target']} ({s['share_of_target']:.0%})")
        st.altair_chart(pieces["chart"], width="stretch")
        st.dataframe(pieces["leagues"], hide_index=True, width="stretch")
