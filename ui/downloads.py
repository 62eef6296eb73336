"""The downloads tab: prepare one data export or briefing snapshot of the current
scenario, then offer it for download.

The formats, their file names and MIME types are ``siting.outputs.formats``
(the same list the CLI offers); ``siting.outputs.render`` makes the bytes.
"""
from __future__ import annotations

import streamlit as st

from siting import outputs
from siting import scenario as sc
from siting.inputs import briefing_boundaries, disclaimer_texts
from siting.outputs import formats
from ui.i18n import t
from ui.state import display_units

EXPORT_CRS_CHOICES = ("EPSG:4490", "auto-gk", "EPSG:4326")


def downloads_panel(result, lang: str):
    """Prepare one export or briefing for the current scenario, then download it."""
    st.caption(t("dl_note", lang))
    cols = st.columns(3)
    fmt = cols[0].selectbox(t("dl_format", lang),
                            formats.EXPORT_FORMATS + formats.SNAPSHOT_FORMATS,
                            key="dl_format", format_func=lambda f: formats.BY_ID[f].label(lang))
    crs = cols[1].selectbox(t("dl_crs", lang), EXPORT_CRS_CHOICES, key="dl_crs")
    encoding = cols[2].selectbox(t("dl_encoding", lang), formats.ENCODINGS, key="dl_encoding")
    units = display_units()
    wanted = (fmt, crs, encoding, sc.dumps(result.scenario), units, lang)
    if st.button(t("dl_make", lang), key="dl_make"):
        with st.spinner("…"):
            options = dict(crs=crs, encoding=encoding, units=units, header=lang,
                           notice=disclaimer_texts())
            if fmt in formats.SNAPSHOT_FORMATS:
                options.update(briefing_boundaries(result.scenario))
            payload = (formats.FILENAMES[fmt], outputs.render(result, fmt, **options),
                       formats.MIME_TYPES[fmt])
        st.session_state["download"] = (wanted, payload)
    ready = st.session_state.get("download")
    if ready and ready[0] == wanted:
        name, data, mime = ready[1]
        st.download_button(f"{t('dl_get', lang)} {name} ({len(data) / 1e6:.1f} MB)", data,
                           file_name=name, mime=mime, key="dl_get")
