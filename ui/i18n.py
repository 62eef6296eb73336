"""One translation table for every label the app shows (Chinese first).

``t(key, lang)`` returns the label; a missing key is a programming error and
raises KeyError so it is caught by the tests, not shown as a blank.
"""
from __future__ import annotations

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("内蒙古新能源基地选址", "Inner Mongolia new-energy base siting"),
    "app_subtitle": ("风电、光伏大基地候选区分析（2030年新能源装机目标 2亿千瓦）",
                     "Candidate areas for large wind and solar bases (2030 target: 200 GW)"),
    "language": ("语言 / Language", "语言 / Language"),
    "layers": ("图层", "Layers"),
    "opacity": ("栅格透明度", "Raster opacity"),
    "legend": ("图例", "Legend"),
    "synthetic": ("合成数据", "synthetic"),
    "real": ("真实数据", "real"),
    "real+synthetic": ("真实+合成", "real + synthetic"),
    "user": ("用户数据", "user file"),
    "about": ("关于数据与来源", "About the data"),
    "source": ("来源", "Source"),
    "licence": ("许可", "Licence"),
    "method": ("方法", "Method"),
    "units": ("单位", "Units"),
    "disclaimer": ("边界仅供分析，不作出版用；正式出版地图须经审图并取得审图号。"
                   "标为“合成数据”的图层为示意性数据，决策前请替换为真实数据。",
                   "Boundaries are for analysis, not for publication; official maps need a "
                   "map review number (审图号). Layers marked 'synthetic' are illustrations: "
                   "replace them with real data before any decision."),
    "map_offline_note": ("底图：无（离线运行）。", "Basemap: none (works offline)."),
    "error": ("出错了", "Something went wrong"),
    "role_resource": ("资源", "resource"),
    "role_exclusion": ("排除", "exclusion"),
    "role_encouragement": ("鼓励", "encouragement"),
    "role_constraint": ("约束", "constraint"),
    "role_infrastructure": ("基础设施", "infrastructure"),
    "role_context": ("参考", "context"),
    "loading": ("正在加载数据…", "Loading data…"),
}


def t(key: str, lang: str = "zh") -> str:
    """The label ``key`` in ``lang`` ('zh' or 'en')."""
    zh, en = LABELS[key]
    return zh if lang == "zh" else en
