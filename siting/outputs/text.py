"""Text every output shares: user text made safe (XML, spreadsheets, file names),
the disclaimer, the synthetic layers, the time stamp.

The disclaimer (审图号) comes with the data (``data/provenance.json``); the
caller passes it as ``notice={'zh': …, 'en': …}`` (``siting.inputs.disclaimer_texts``);
``DISCLAIMER`` holds the same text for when it does not.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np

from siting import clock

#: The boundary disclaimer of the bundled data (data/provenance.json carries the same text).
DISCLAIMER = {"zh": "边界仅供分析，不作出版用；正式地图须有审图号。合成图层仅为示意。",
              "en": "Boundaries are for analysis, not for publication; official maps need a "
                    "review number (审图号). Synthetic layers are illustrations."}


# --- user text in outputs ------------------------------------------------------
#: Characters XML 1.0 forbids (and C1 controls, and the Unicode line separators).
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                           "\ud800-\udfff\ufffe\uffff]")
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain_text(value) -> str:
    """``value`` as text without control characters: valid in XML (KML, PPTX) and
    on one line in a picture."""
    return _NOT_XML_TEXT.sub("", str(value))


def neutralise_formula(value):
    """A text cell a spreadsheet would run as a formula, made inert (OWASP): prefixed
    with ``'``. Anything that is not text (numbers, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_table(table):
    """Copy of a DataFrame whose text cells are neutralised (``neutralise_formula``)
    and whose column names are too; numeric columns keep their dtype."""
    import pandas as pd

    out = table.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def safe_filename(text: str, *, default: str = "siting") -> str:
    """An ASCII file name from free text (a scenario name): letters, digits, ``._-``."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFKD", str(text))).strip("._-")
    return name[:80] or default


def disclaimer(lang: str = "zh", notice: dict | None = None) -> str:
    """The boundary disclaimer (审图号) in ``lang``: from ``notice`` (the data's own
    ``{'zh': …, 'en': …}``), else ``DISCLAIMER``."""
    return (notice or {}).get(lang) or DISCLAIMER[lang]


def synthetic_layers(result) -> list[str]:
    """Ids of the layers whose provenance is synthetic (wholly or partly)."""
    return [k for k, v in result.provenance.items() if "synthetic" in str(v.get("type", ""))]


def generated_at() -> str:
    """Time of the export in China Standard Time, ISO 8601 with offset, to the second."""
    return clock.now_iso()


def headline(result) -> dict:
    """The summary's headline numbers."""
    s = result.summary
    keys = ("scenario", "tech", "n_parcels", "n_shortlist", "n_bases", "capacity_gw",
            "energy_twh", "target_gw", "share_of_target")
    return {k: s[k] for k in keys if k in s}


def json_default(value):
    """``json.dumps`` fallback: numpy scalars as Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
