"""The app's banner naming the synthetic layers a run rests on. No streamlit here:
the app shows the text with ``st.warning(text)`` when it is not empty.
"""
from __future__ import annotations

from siting.synthetic import layers_in, synthetic_layer_ids


def synthetic_layers_in_use(result) -> list[str]:
    """Ids of the synthetic layers that shaped the shortlist (its ``synthetic``
    column); if the shortlist is empty, every synthetic layer of the run."""
    used = layers_in(result.shortlist)
    return used or synthetic_layer_ids(result.provenance)


def synthetic_banner(result, lang: str = "zh") -> str:
    """Banner text, e.g. "含合成数据：本结果使用了合成（示意）图层 生态保护红线、…"; "" if none.

    Parameters
    ----------
    result : siting.pipeline.Result
    lang : {'zh', 'en'}
    """
    ids = synthetic_layers_in_use(result)
    if not ids:
        return ""
    key = "name_zh" if lang == "zh" else "name_en"
    names = [result.provenance.get(i, {}).get(key, i) for i in ids]
    if lang == "zh":
        return ("含合成数据：本结果使用了合成（示意）图层 " + "、".join(names)
                + "。这些图层不是实测或官方数据，请以您自己的文件替换后再作决策。")
    return ("Contains synthetic data: this result uses synthetic (illustrative) layers: "
            + ", ".join(names) + ". They are not measured or official; replace them with "
            "your own files before deciding.")
