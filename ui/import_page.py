"""The import tab: upload a file, check it and store it in the workspace, then
point the scenario at it.
"""
from __future__ import annotations

import streamlit as st

from ui.i18n import as_markdown, error_text, import_summary_frame, role_label, role_name, t
from ui.state import full_run_if_asked, panel_fragment, request_full_run
from ui.user_errors import USER_ERRORS


def _use_import(summary_dict: dict):
    """Point the scenario at an imported layer (callback: runs before the widgets)."""
    from siting.registry import RUN_RASTERS, RUN_VECTORS

    base = st.session_state["scenario_base"]
    role, path = summary_dict["role"], summary_dict["path"]
    if role == "parcels":
        base["parcels_file"] = path
    elif role in RUN_RASTERS + RUN_VECTORS:
        base.setdefault("layers", {})[role] = path
    else:
        st.session_state["import_message"] = ("unused", role)
        return
    st.session_state["import_message"] = ("used", role)
    request_full_run()  # the scenario changed: the sidebar and the results follow


@panel_fragment
def import_panel(lang: str):
    """Upload a file, check and store it in the workspace, use it in the scenario.

    A fragment: choosing, uploading and importing rerun only this panel; using an
    imported layer in the scenario reruns the page.
    """
    from layers import importer

    full_run_if_asked()

    cols = st.columns(3)
    role = cols[0].selectbox(t("import_role", lang), list(importer.IMPORT_ROLES),
                             key="imp_role", format_func=lambda r: role_label(r, lang))
    crs = cols[1].text_input(t("import_crs", lang), key="imp_crs").strip() or None
    encoding = cols[2].selectbox(t("import_encoding", lang), ("auto", "utf-8", "gbk"),
                                 format_func=lambda e: t("encoding_auto", lang) if e == "auto"
                                 else e.upper(),
                                 key="imp_encoding")
    uploads = st.file_uploader(t("import_files", lang), accept_multiple_files=True,
                               key="imp_files")
    if st.button(t("import_go", lang), key="imp_go", disabled=not uploads):
        files = {u.name: u.getvalue() for u in uploads}
        options = dict(crs=crs, encoding=None if encoding == "auto" else encoding,
                       limits=importer.default_limits(importer.APP_MAX_UPLOAD_MB))
        try:
            summary = importer.import_upload(files, role, **options)
            st.session_state["imported"] = summary.to_dict()
        except importer.LayerExistsError:
            # the layer stays as it is until the user says to replace it
            st.session_state["import_replace"] = (role, options)
            st.session_state.pop("imported", None)
        except USER_ERRORS as exc:
            st.session_state.pop("imported", None)
            st.error(as_markdown(error_text(exc, lang)))
    pending = st.session_state.get("import_replace")
    if pending and uploads:
        st.warning(t("import_exists", lang) + role_name(pending[0], lang))
        if st.button(t("import_replace", lang), key="imp_replace"):
            files = {u.name: u.getvalue() for u in uploads}
            try:
                summary = importer.import_upload(files, pending[0], replace=True, **pending[1])
                st.session_state["imported"] = summary.to_dict()
            except USER_ERRORS as exc:
                st.error(as_markdown(error_text(exc, lang)))
            st.session_state.pop("import_replace", None)
    imported = st.session_state.get("imported")
    if imported:
        st.success(f"{t('import_ok', lang)}: {as_markdown(imported['source'])} → "
                   f"{as_markdown(imported['id'])}")
        st.dataframe(import_summary_frame(imported, lang), hide_index=True, width="stretch")
        st.button(t("import_use", lang), key="imp_use", on_click=_use_import, args=(imported,))
    message = st.session_state.pop("import_message", None)
    if message:
        kind, role = message
        (st.info if kind == "used" else st.warning)(
            t("import_used" if kind == "used" else "import_unused", lang) + role_name(role, lang))
