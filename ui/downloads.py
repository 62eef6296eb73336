"""The downloads tab: prepare one data export or briefing snapshot of the current
scenario, then offer it for download.

The formats, their file names and MIME types are ``siting.outputs.formats``
(the same list the CLI offers); ``siting.outputs.render`` makes the bytes.
"""
from __future__ import annotations

import streamlit as st

from siting.outputs import formats
from ui.cache import scenario_key
from ui.i18n import t
from ui.state import display_units, panel_fragment

EXPORT_CRS_CHOICES = ("EPSG:4490", "auto-gk", "EPSG:4326")
#: Cell sizes offered for the eligibility mask, m (100 m: the issue's grid; the whole
#: region takes ~15 s and ~1.5 MB there).
MASK_RESOLUTIONS_M = (100, 250, 500)


@panel_fragment
def downloads_panel(result, lang: str):
    """Prepare one export or briefing for the current scenario, then download it.

    A fragment: choosing a format or preparing a file reruns only this panel. The
    bytes are made only when asked (the button), once per choice and scenario.
    """
    st.caption(t("dl_note", lang))
    cols = st.columns(3)
    fmt = cols[0].selectbox(t("dl_format", lang),
                            formats.EXPORT_FORMATS + formats.SNAPSHOT_FORMATS,
                            key="dl_format", format_func=lambda f: formats.BY_ID[f].label(lang))
    crs = cols[1].selectbox(t("dl_crs", lang), EXPORT_CRS_CHOICES, key="dl_crs")
    encoding = cols[2].selectbox(t("dl_encoding", lang), formats.ENCODINGS, key="dl_encoding")
    units = display_units()
    wanted = (fmt, crs, encoding, scenario_key(result.scenario), units, lang)
    if st.button(t("dl_make", lang), key="dl_make"):
        with st.spinner("…"):
            from siting import outputs
            from siting.inputs import briefing_boundaries, disclaimer_texts

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
    mask_panel(result, lang)


def mask_panel(result, lang: str):
    """The scenario's eligibility mask as a COG download (``siting.inputs.mask``)."""
    import tempfile
    from pathlib import Path

    from siting.inputs.mask import write_eligibility_mask
    from ui.cache import run_inputs

    st.markdown(f"**{t('mask_title', lang)}**")
    st.caption(t("mask_note", lang))
    cols = st.columns(2)
    resolution = cols[0].selectbox(t("mask_resolution", lang), MASK_RESOLUTIONS_M,
                                   key="mask_resolution")
    fraction = cols[1].checkbox(t("mask_fraction", lang), key="mask_fraction")
    wanted = (scenario_key(result.scenario), resolution, fraction)
    if st.button(t("mask_make", lang), key="mask_make"):
        with st.spinner("…"), tempfile.TemporaryDirectory() as folder:
            path = write_eligibility_mask(Path(folder) / "eligibility.tif",
                                          run_inputs(result.scenario), result.scenario,
                                          result.parcels, resolution_m=float(resolution),
                                          fraction=fraction)
            st.session_state["mask_download"] = (wanted, path.read_bytes())
    ready = st.session_state.get("mask_download")
    if ready and ready[0] == wanted:
        data = ready[1]
        st.download_button(f"{t('dl_get', lang)} eligibility.tif ({len(data) / 1e6:.1f} MB)",
                           data, file_name="eligibility.tif", mime="image/tiff",
                           key="mask_get")
