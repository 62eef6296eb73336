"""The about tab: the boundary disclaimer and every layer's provenance."""
from __future__ import annotations

import streamlit as st

from ui.cache import catalog
from ui.i18n import as_markdown, t


def about(lang: str):
    """About panel: every layer's provenance and the boundary disclaimer."""
    from ui.map_page import badge

    st.warning(t("disclaimer", lang))
    for info in catalog().values():
        p = {k: as_markdown(v) for k, v in info.provenance_in(lang).items()}
        st.markdown(
            f"**{info.name(lang)}** `{info.id}` — {badge(info, lang)}  \n"
            f"{t('source', lang)}: {p['source']}  \n"
            f"{t('licence', lang)}: {p['licence']}  \n"
            f"{t('method', lang)}: {p['method']}")
