"""Chinese means Chinese: progress, errors, role and contiguity names, times, import summary."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from layers import errors as layer_errors
from layers.catalog import load_catalog
from layers.importer import IMPORT_ROLES
from siting.errors import (
    CRSError,
    DataFileError,
    LayerNotFoundError,
    LibraryError,
    SitingError,
    UnsafeFileError,
)
from ui import i18n
from ui.i18n import (
    as_markdown,
    contiguity_name,
    error_text,
    import_summary_rows,
    progress_text,
    role_label,
    role_name,
    t,
    translate_progress,
)

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def _sample(node: ast.JoinedStr) -> str:
    """A concrete message from an f-string: layer ids for id-like names, numbers otherwise."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            source = ast.unparse(value.value)
            parts.append("wind_speed_100m" if "id" in source or "layer" in source else "3")
    return "".join(parts)


def progress_messages() -> dict[str, str]:
    """Every literal progress message in siting/ and layers/: {message: file:line}."""
    found = {}
    for path in sorted([*(REPO / "siting").rglob("*.py"), *(REPO / "layers").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "progress":
                continue
            message = node.args[1]
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                found[message.value] = f"{path.relative_to(REPO)}:{node.lineno}"
            elif isinstance(message, ast.JoinedStr):
                found[_sample(message)] = f"{path.relative_to(REPO)}:{node.lineno}"
    return found


def test_the_source_scan_finds_the_known_messages():
    messages = progress_messages()
    # one plain, one counter f-string and one layer f-string, so the scan itself works
    assert {"parcels", "exclusion overlays 3/3", "reading wind_speed_100m"} <= set(messages)


@pytest.mark.parametrize("message", sorted(progress_messages()))
def test_every_progress_message_of_the_engine_has_a_chinese_text(message):
    where = progress_messages()[message]
    zh = translate_progress(message, "zh")
    assert zh is not None, f"{message!r} ({where}) has no entry in ui.i18n.PROGRESS"
    assert CJK.search(zh) and not ENGLISH_WORD.search(zh), zh
    assert translate_progress(message, "en")


def test_progress_counters_and_layer_names():
    assert progress_text("exclusion overlays 3/8", "zh") == "叠加排除区 3/8"
    assert progress_text("zonal statistics 12/40", "zh") == "分区统计 12/40"
    assert progress_text("reading wind_speed_100m", "zh") == "读取 100米高度年平均风速"
    assert progress_text("reading redline", "en") == "reading Ecological protection red line"
    assert progress_text("parcels", "zh") == "划分候选地块"
    # unknown: shown as it is, never blank
    assert translate_progress("warming up", "zh") is None
    assert progress_text("warming up", "zh") == "warming up"


@pytest.mark.parametrize("exc, headline", [
    (CRSError("x.shp has no CRS"), "坐标系有误"),
    (DataFileError("bad raster"), "数据文件有误"),
    (UnsafeFileError("zip bomb"), "文件不安全，已拒绝"),
    (LayerNotFoundError("unknown layer id 'wind'"), "找不到图层或文件"),
    (layer_errors.CRSError("x.shp has no CRS"), "坐标系有误"),
    (layer_errors.DataFileError("bad raster"), "数据文件有误"),
    (layer_errors.UnsafeFileError("zip bomb"), "文件不安全，已拒绝"),
    (layer_errors.LayerNotFoundError("unknown layer id 'wind'"), "找不到图层或文件"),
    (layer_errors.WorkspaceError("bad name"), "输入有误"),
    (LibraryError("no scenario 'a'"), "情景库操作失败"),
    (SitingError("invalid scenario (sidebar): weights …"), "情景参数有误"),
    (SitingError("unknown export format 'doc'"), "输入有误"),
    (KeyError("boom"), "程序出现意外错误"),
])
def test_error_headline_by_class(exc, headline):
    text = error_text(exc, "zh")
    assert text.startswith(headline)
    assert "详情（英文原文）：" in text  # the engine's English detail is marked, not faked


def test_error_text_keeps_the_detail_and_names_unknown_classes():
    assert error_text(CRSError("x.shp has no CRS"), "zh") == \
        "坐标系有误。详情（英文原文）：x.shp has no CRS"
    assert error_text(CRSError("x.shp has no CRS"), "en") == \
        "Problem with the coordinate system: x.shp has no CRS"
    assert error_text(KeyError("boom"), "en").endswith(": KeyError: 'boom'")


def test_known_details_are_translated_in_full():
    text = error_text(SitingError("scenario file 情景.yaml is not UTF-8 text"), "zh")
    assert text == ("情景参数有误。情景文件“情景.yaml”不是 UTF-8 编码的文本；"
                    "请用 UTF-8 另存后再载入。")
    assert t("not_utf8", "zh").format(name="a.yaml").startswith("文件“a.yaml”不是 UTF-8")


def test_markdown_is_escaped():
    assert as_markdown("wind_speed_100m **x** $5") == r"wind\_speed\_100m \*\*x\*\* \$5"


def test_role_names_cover_every_import_role():
    for role, spec in IMPORT_ROLES.items():
        assert role_name(role, "zh") == spec.name_zh and CJK.search(spec.name_zh)
        assert role_name(role, "en") == spec.name_en
    assert role_label("redline", "zh") == "生态保护红线（redline）"
    assert role_label("redline", "en") == "ecological protection red line (redline)"


def test_contiguity_and_placeholder_labels():
    assert [contiguity_name(c, "zh") for c in i18n.CONTIGUITY] == \
        ["八邻域（边或角相接）", "四邻域（仅边相接）"]
    assert contiguity_name("rook", "en") == "rook (4 neighbours)"
    assert t("choose", "zh") == "请选择"


def test_every_catalog_layer_has_a_chinese_name_for_progress():
    for info in load_catalog().values():
        assert CJK.search(i18n.layer_name(info.id, "zh"))


def test_import_summary_rows_are_labelled_in_chinese_with_beijing_time():
    summary = {"id": "redline_user", "role": "redline", "kind": "vector", "source": "红线.shp",
               "format": "shp", "crs": "EPSG:4490", "coverage": 0.25, "features": 1200,
               "encoding": "gbk", "imported_at": "2026-12-01T02:53:10+00:00",
               "notes": ["2 empty geometries dropped"]}
    rows = dict(import_summary_rows(summary, "zh"))
    assert rows["数据用途"] == "生态保护红线（redline）"
    assert rows["类型"] == "矢量" and rows["覆盖研究区比例"] == "25%"
    assert rows["要素数"] == "1,200" and rows["属性编码"] == "GBK"
    assert rows["导入时间"] == "2026-12-01 10:53 (北京时间)"
    en = dict(import_summary_rows(summary, "en"))
    assert en["Imported at"] == "2026-12-01 10:53 CST (UTC+8)"


def test_every_label_has_both_languages():
    for key, (zh, en) in i18n.LABELS.items():
        assert zh and en, key


def test_import_summary_frame_has_labelled_columns():
    frame = i18n.import_summary_frame({"role": "ghi", "kind": "raster", "width": 4,
                                       "height": 3, "value_range": [1200.0, 1800.0],
                                       "units": "kWh/m²", "imported_at": ""}, "zh")
    assert list(frame.columns) == ["项目", "内容"]
    rows = dict(frame.to_numpy().tolist())
    assert rows["数据用途"] == "年水平面总辐射（ghi）" and rows["栅格大小（列×行）"] == "4 × 3"
    assert rows["数值范围"] == "1200 – 1800 kWh/m²" and rows["导入时间"] == ""


def test_every_catalog_layer_has_chinese_provenance():
    for info in load_catalog().values():
        zh, en = info.provenance_in("zh"), info.provenance_in("en")
        assert en == {k: info.provenance[k] for k in ("source", "licence", "method")}
        for key in ("source", "licence", "method"):
            assert zh[key] != en[key] or not CJK.search(en[key]), (info.id, key)
        assert CJK.search(zh["method"]), info.id
    ghi = load_catalog()["ghi"].provenance_in("zh")
    assert ghi["method"].startswith("估算值，±10%。")


def test_catalog_entry_without_chinese_provenance_is_refused(tmp_path):
    (tmp_path / "catalog.yaml").write_text(
        "layers:\n  - {id: x, name_zh: 甲, name_en: X, role: context, kind: vector, "
        "file: x.gpkg, provenance: {type: real, source: s, licence: l, method: m, "
        "source_zh: 源, licence_zh: 许可}}\n", encoding="utf-8")
    with pytest.raises(layer_errors.LayerError,
                       match=r"lacks the Chinese text\(s\) \['method_zh'\]"):
        load_catalog(tmp_path / "catalog.yaml", tmp_path)


def test_user_file_provenance_is_chinese_too(tiny_raster_file):
    from layers.catalog import resolve_layer

    info = resolve_layer("ghi", overrides={"ghi": tiny_raster_file})
    assert info.provenance_in("zh")["method"] == "用户文件，替换图层 年水平面总辐射"
    assert info.provenance_in("en")["licence"] == "as supplied by the user"
