"""The downloads tab: prepare one data export or briefing snapshot of the current
scenario, then offer it for download.

The format lists (``EXPORT_FORMATS``, ``SNAPSHOT_FORMATS``) and the snapshot MIME
types (``SNAPSHOT_MIME``) are here; data exports bring their own MIME type
from ``siting.export.to_bytes``.
"""
from __future__ import annotations

import streamlit as st

from siting import scenario as sc
from ui.i18n import t
from ui.state import display_units

#: Download formats: data exports and briefing snapshots.
EXPORT_FORMATS = ("gpkg", "shp", "geojson", "csv", "kmz")
SNAPSHOT_FORMATS = ("png", "pdf", "pptx")
EXPORT_CRS_CHOICES = ("EPSG:4490", "auto-gk", "EPSG:4326")
#: MIME type of each briefing snapshot (data exports name theirs in ``export.to_bytes``).
SNAPSHOT_MIME = {"png": "image/png", "pdf": "application/pdf",
                 "pptx": "application/vnd.openxmlformats-officedocument."
                         "presentationml.presentation"}


def downloads_panel(result, lang: str):
    """Prepare one export or briefing for the current scenario, then download it."""
    from siting import briefing, export

    st.caption(t("dl_note", lang))
    cols = st.columns(3)
    fmt = cols[0].selectbox(t("dl_format", lang), EXPORT_FORMATS + SNAPSHOT_FORMATS,
                            key="dl_format", format_func=str.upper)
    crs = cols[1].selectbox(t("dl_crs", lang), EXPORT_CRS_CHOICES, key="dl_crs")
    encoding = cols[2].selectbox(t("dl_encoding", lang), ("utf-8", "gbk"), key="dl_encoding")
    units = display_units()
    wanted = (fmt, crs, encoding, sc.dumps(result.scenario), units, lang)
    if st.button(t("dl_make", lang), key="dl_make"):
        with st.spinner("…"):
            if fmt in SNAPSHOT_FORMATS:
                payload = (f"briefing.{fmt}", briefing.render(result, fmt, units=units),
                           SNAPSHOT_MIME[fmt])
            else:
                payload = export.to_bytes(result, fmt, crs=crs, encoding=encoding,
                                          units=units, header=lang)
        st.session_state["download"] = (wanted, payload)
    ready = st.session_state.get("download")
    if ready and ready[0] == wanted:
        name, data, mime = ready[1]
        st.download_button(f"{t('dl_get', lang)} {name} ({len(data) / 1e6:.1f} MB)", data,
                           file_name=name, mime=mime, key="dl_get")
