"""The AHP pairwise editor (main area): one Saaty slider per pair of criteria,
the derived full matrix, the weights and the consistency verdict.

The arithmetic lives in ``siting.weights`` (Saaty scale, pairs, matrix,
eigenvector, CR); this module only draws.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from siting import scenario as sc
from siting import weights as wt
from siting.weights import ahp, is_consistent
from ui import controls
from ui.i18n import t


def seed_pairs(base: dict, *, from_direct: bool, force: bool) -> None:
    """Write the pair widgets' values before they are drawn.

    ``from_direct``: the user just switched to AHP, start from the direct
    weights (w_i / w_j snapped to Saaty). Otherwise keys that are missing (or
    all, with ``force``, after a language change) come from the scenario's
    matrix, or from the direct weights when it has none.
    """
    names = list(sc.CRITERIA)
    keys = [controls.pair_key(i, j) for i, j in wt.criteria_pairs(len(names))]
    present = st.session_state.to_dict()  # one snapshot (``in`` rebuilds it every time)
    if not (from_direct or force or any(k not in present for k in keys)):
        return
    weights = base["weights"]
    if from_direct or not weights.get("ahp_matrix"):
        pairs = wt.pairs_from_weights([weights["direct"].get(n, 0.0) for n in names])
    else:
        pairs = wt.pairs_from_matrix(weights["ahp_matrix"])
    for (i, j), code in pairs.items():
        key = controls.pair_key(i, j)
        if from_direct or force or key not in present:
            st.session_state[key] = code


def _judgement(code: str, left: str, right: str, lang: str) -> str:
    value = wt.SAATY_VALUES[code]
    if value == 1:
        return f"{t('saaty_1', lang)} (1)"
    intensity = round(value if value > 1 else 1 / value)
    winner = left if value > 1 else right
    return f"{winner} {t(controls.SAATY_WORDS[intensity], lang)} ({code})"


def ahp_editor(lang: str) -> list[list[float]]:
    """Draw the editor; returns the full pairwise matrix (list of lists)."""
    names = list(sc.CRITERIA)
    labels = [t(f"crit_{n}", lang) for n in names]
    pairs = {}
    with st.expander(t("ahp_title", lang), expanded=True):
        st.caption(t("ahp_pairs_help", lang))
        left, right = st.columns([3, 2])
        with left:
            for i, j in wt.criteria_pairs(len(names)):
                pairs[(i, j)] = st.select_slider(
                    f"{labels[i]} ⟷ {labels[j]}", options=wt.SAATY_CODES,
                    key=controls.pair_key(i, j),
                    format_func=lambda c, a=labels[i], b=labels[j]: _judgement(c, a, b, lang))
        matrix = wt.matrix_from_pairs(pairs, len(names))
        weights, ratio = ahp(matrix, labels=names)
        with right:
            st.markdown(f"**{t('ahp_matrix', lang)}**")
            st.dataframe(pd.DataFrame([[controls.fraction_text(v) for v in row]
                                       for row in matrix], index=labels, columns=labels),
                         width="stretch")
            st.caption(t("ahp_matrix_note", lang))
            st.markdown(f"**{t('normalised', lang)}**")
            st.dataframe(pd.DataFrame({t("criterion", lang): labels,
                                       t("weight", lang): [f"{w:.1%}" for w in weights]}),
                         hide_index=True, width="stretch")
            if is_consistent(ratio):
                st.success(f"{t('cr', lang)} = {ratio:.3f} — {t('cr_ok', lang)}")
            else:
                worst = "；".join(f"{labels[i]} ⟷ {labels[j]}" for i, j in
                                 wt.worst_pairs(matrix, weights))
                st.warning(f"{t('cr', lang)} = {ratio:.3f} — {t('cr_revise', lang)} {worst}")
    return matrix.tolist()
