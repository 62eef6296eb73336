"""Scenario YAML: bounded, literal loading, validation messages in English and
Chinese, and the commented template (``dumps``) that saving writes.

The model classes live in ``siting.scenario``, which re-exports every public
name here, so ``from siting.scenario import loads`` keeps working.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ValidationError

from siting.errors import SitingError

if TYPE_CHECKING:
    from siting.scenario import Scenario


# --- loading: bounded, literal ---------------------------------------------------
#: Largest scenario text accepted, bytes (a full scenario is ~6 kB).
MAX_SCENARIO_BYTES = 1024**2
#: Deepest nesting of YAML collections (a scenario needs 3: section, list, row).
MAX_YAML_DEPTH = 20
#: Most YAML nodes (scalars and collections) in one scenario (a full one has ~150).
MAX_YAML_NODES = 20_000
#: Longest scalar, characters (file paths included).
MAX_TEXT_CHARS = 4096
#: Longest name (scenario name, mapping keys, league and layer names), characters.
MAX_NAME_CHARS = 200
#: Characters of a bad value quoted in a message.
EXCERPT_CHARS = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def excerpt(value, limit: int = EXCERPT_CHARS) -> str:
    """A short, escaped quotation of ``value`` for a message: ``repr`` (control
    characters and quotes escaped), cut to about ``limit`` characters."""
    size = _size(value)
    if isinstance(value, str) and len(value) > 4 * limit:
        value = value[:4 * limit]  # never repr a megabyte to quote 60 characters
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…' ({size})"


def shown_name(name: str, limit: int = 80) -> str:
    """A file or scenario name for a message: as it is when short and printable,
    else its ``excerpt``."""
    name = str(name)
    return name if len(name) <= limit and name.isprintable() else excerpt(name, limit)


def _size(value) -> str:
    try:
        return f"{len(value):,} long"
    except TypeError:
        return type(value).__name__


def _format_error(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p)[:MAX_NAME_CHARS] for p in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {excerpt(value)})"
        parts.append(f"{where}: {err['msg'][:300]}{shown}")
    where = f"invalid scenario {source}" if source else "invalid scenario"
    return f"{where}: " + "; ".join(parts)


#: Chinese text per pydantic error type; ``{…}`` are filled from the error's ``ctx``.
_PYDANTIC_ZH = {
    "missing": "缺少此项，请补上",
    "extra_forbidden": "不是情景中的字段（请检查拼写，或删除此项）",
    "literal_error": "取值只能是 {expected} 之一",
    "enum": "取值只能是 {expected} 之一",
    "greater_than_equal": "须 ≥ {ge}",
    "less_than_equal": "须 ≤ {le}",
    "greater_than": "须 > {gt}",
    "less_than": "须 < {lt}",
    "finite_number": "须为有限数字",
    "float_parsing": "须为数字",
    "float_type": "须为数字",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数（不能带小数）",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "string_type": "须为文本",
    "dict_type": "须为映射（键: 值）",
    "list_type": "须为列表",
    "tuple_type": "须为列表（元组）",
    "too_short": "至少需要 {min_length} 项，当前为 {actual_length} 项",
    "too_long": "至多 {max_length} 项，当前为 {actual_length} 项",
    "model_type": "须为映射（键: 值）",
    "model_attributes_type": "须为映射（键: 值）",
}


def _pydantic_zh(err: dict) -> str:
    """The Chinese text of one pydantic error: by its ``type``, or our validator's ``zh``."""
    ctx = err.get("ctx") or {}
    if err["type"] == "value_error" and getattr(ctx.get("error"), "zh", None):
        return ctx["error"].zh
    template = _PYDANTIC_ZH.get(err["type"])
    if template is None:  # a type not listed: say so in Chinese, keep pydantic's words
        return f"取值无效（{err['msg'][:300]}）"
    facts = {key: str(value).replace(" or ", ", ") for key, value in ctx.items()}
    try:
        return template.format(**facts)
    except KeyError:
        return template.split("{")[0].rstrip() or f"取值无效（{err['msg'][:300]}）"


def _format_error_zh(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p)[:MAX_NAME_CHARS] for p in err["loc"]) or "（顶层）"
        value = err.get("input")
        shown = "" if isinstance(value, dict) or err["type"] == "missing" \
            else f"（当前值：{excerpt(value)}）"
        parts.append(f"{where}：{_pydantic_zh(err)}{shown}")
    where = f"情景 {source} 有误" if source else "情景有误"
    return f"{where}：" + "；".join(parts)


def _check_names(data: dict, source: str):
    """Names ≤ MAX_NAME_CHARS without control characters; other text ≤ MAX_TEXT_CHARS."""
    where = f"invalid scenario {source}".rstrip()
    where_zh = f"情景 {source} 有误" if source else "情景有误"
    name = data.get("name")
    if isinstance(name, str):
        if len(name) > MAX_NAME_CHARS:
            raise SitingError(f"{where}: name is {len(name):,} characters long, more than "
                              f"{MAX_NAME_CHARS}; shorten it (got {excerpt(name)})",
                              zh=f"{where_zh}：名称 name 长 {len(name):,} 个字符，超过 "
                                 f"{MAX_NAME_CHARS}；请缩短（当前值：{excerpt(name)}）")
        if _CONTROL.search(name) or "\n" in name or "\r" in name or "\t" in name:
            raise SitingError(f"{where}: name holds control characters or line breaks "
                              f"(got {excerpt(name)}); use one line of plain text",
                              zh=f"{where_zh}：名称 name 含控制字符或换行（当前值："
                                 f"{excerpt(name)}）；请写成一行普通文字")

    def walk(value, path: str, depth: int):
        if depth > MAX_YAML_DEPTH:
            raise SitingError(f"{where}: nested deeper than {MAX_YAML_DEPTH} levels at "
                              f"{excerpt(path)}",
                              zh=f"{where_zh}：{excerpt(path)} 处嵌套超过 {MAX_YAML_DEPTH} 层")
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise SitingError(f"{where}: {excerpt(path)} is {len(value):,} characters long, "
                              f"more than {MAX_TEXT_CHARS}",
                              zh=f"{where_zh}：{excerpt(path)} 长 {len(value):,} 个字符，"
                                 f"超过 {MAX_TEXT_CHARS}")
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and len(key) > MAX_NAME_CHARS:
                    raise SitingError(f"{where}: a key under {excerpt(path or '(top)')} is "
                                      f"{len(key):,} characters long, more than "
                                      f"{MAX_NAME_CHARS} (got {excerpt(key)})",
                                      zh=f"{where_zh}：{excerpt(path or '（顶层）')} 下有一个键长 "
                                         f"{len(key):,} 个字符，超过 {MAX_NAME_CHARS}"
                                         f"（当前值：{excerpt(key)}）")
                walk(item, f"{path}.{key}" if path else str(key), depth + 1)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, str) and len(item) > MAX_NAME_CHARS and \
                        not path.startswith("layers"):
                    raise SitingError(f"{where}: {excerpt(path)}[{i}] is {len(item):,} "
                                      f"characters long, more than {MAX_NAME_CHARS}",
                                      zh=f"{where_zh}：{excerpt(path)}[{i}] 长 {len(item):,} "
                                         f"个字符，超过 {MAX_NAME_CHARS}")
                walk(item, f"{path}[{i}]", depth + 1)

    walk(data, "", 0)


def from_dict(data: dict, *, source: str = "") -> Scenario:
    """Validate a plain dict into a Scenario; errors name the field.

    The scenario name and every mapping key are at most ``MAX_NAME_CHARS``
    characters (the name without control characters), other text at most
    ``MAX_TEXT_CHARS``; messages quote at most ``EXCERPT_CHARS`` of a bad value.
    """
    source = shown_name(source, 120) if source else ""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SitingError(f"invalid scenario {source}".rstrip() + ": expected a mapping of fields, "
                          f"got {type(data).__name__}",
                          zh=(f"情景 {source} 有误" if source else "情景有误") +
                          f"：应为字段的映射（键: 值），实际为 {type(data).__name__}")
    from siting.scenario import Scenario

    _check_names(data, source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise SitingError(_format_error(exc, source),
                          zh=_format_error_zh(exc, source)) from None


def load_yaml(path) -> Scenario:
    """Read a scenario YAML file (at most ``MAX_SCENARIO_BYTES``; see ``loads``).

    Messages name the file by its name only, never its folder, so a server's
    temporary paths stay private.
    """
    path = Path(path)
    label = shown_name(path.name)
    try:
        with open(path, "rb") as f:  # read one byte more than allowed: /dev/zero stops here
            raw = f.read(MAX_SCENARIO_BYTES + 1)
    except FileNotFoundError:
        raise SitingError(f"scenario file not found: {label}; check the path",
                          zh=f"找不到情景文件：{label}；请检查路径") from None
    except IsADirectoryError:
        raise SitingError(f"scenario file {label} is a folder; pass the .yaml file",
                          zh=f"情景文件 {label} 是一个文件夹；请给出 .yaml 文件") from None
    except OSError as exc:
        raise SitingError(f"scenario file {label} cannot be read ({exc.strerror})",
                          zh=f"无法读取情景文件 {label}（{exc.strerror}）") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise SitingError(f"scenario file {label} is larger than the limit of "
                          f"{MAX_SCENARIO_BYTES // 1024:,} kB; a scenario is a few kB of YAML",
                          zh=f"情景文件 {label} 超过 {MAX_SCENARIO_BYTES // 1024:,} kB 的上限；"
                             "一个情景通常只有几 kB 的 YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SitingError(f"scenario file {label} is not UTF-8 text",
                          zh=f"情景文件“{label}”不是 UTF-8 编码的文本；请用 UTF-8 另存后再载入。"
                          ) from None
    return loads(text, source=path.name)


class _Refused(Exception):
    """Raised inside the YAML scan; ``loads`` turns it into a SitingError."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


def _mark(event) -> str:
    mark = getattr(event, "start_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _mark_zh(event) -> str:
    mark = getattr(event, "start_mark", None)
    return f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""


def _scan_events(text: str):
    """Walk the YAML event stream once, without building anything, and refuse
    aliases and anchors (no billion laughs), deep nesting, too many nodes and
    overlong scalars before any object is made."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(f"uses a YAML alias (*{shown_name(event.anchor, 30)}){_mark(event)}; "
                           "aliases and anchors are not allowed in a scenario: write the "
                           "values out",
                           f"使用了 YAML 别名（*{shown_name(event.anchor, 30)}）{_mark_zh(event)}；"
                           "情景中不允许别名和锚点：请把数值直接写出")
        if getattr(event, "anchor", None):
            raise _Refused(f"defines a YAML anchor (&{shown_name(event.anchor, 30)})"
                           f"{_mark(event)}; aliases and anchors are not allowed in a "
                           "scenario: write the values out",
                           f"定义了 YAML 锚点（&{shown_name(event.anchor, 30)}）{_mark_zh(event)}；"
                           "情景中不允许别名和锚点：请把数值直接写出")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _Refused(f"is nested deeper than {MAX_YAML_DEPTH} levels{_mark(event)}",
                               f"嵌套超过 {MAX_YAML_DEPTH} 层{_mark_zh(event)}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise _Refused(f"has more than {MAX_YAML_NODES:,} values; a scenario has a "
                               "few hundred", f"含有超过 {MAX_YAML_NODES:,} 个值；一个情景通常只有"
                               "几百个")
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_TEXT_CHARS:
            raise _Refused(f"holds a value of {len(event.value):,} characters{_mark(event)}, "
                           f"more than {MAX_TEXT_CHARS} (starting {excerpt(event.value)})",
                           f"有一个值长 {len(event.value):,} 个字符{_mark_zh(event)}，超过 "
                           f"{MAX_TEXT_CHARS}（开头为 {excerpt(event.value)}）")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_problem(exc: yaml.YAMLError, *, zh: bool = False) -> str:
    """The parser's complaint without its echo of the input (which may be huge).

    In Chinese the position is Chinese; the parser's own words stay as it wrote them.
    """
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    if zh:
        where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
    return f"{str(problem or type(exc).__name__)[:200]}{where}"


def loads(text: str, *, source: str = "") -> Scenario:
    """Parse scenario YAML text, within limits.

    At most ``MAX_SCENARIO_BYTES`` (UTF-8), no aliases or anchors, nesting
    at most ``MAX_YAML_DEPTH``, at most ``MAX_YAML_NODES`` values and
    ``MAX_TEXT_CHARS`` per value; checked on the event stream before anything
    is built, so a hostile text is refused in milliseconds and little memory.
    The app's paste box and upload, ``--scenario`` and the library all load here.

    Raises
    ------
    SitingError
        Quoting at most a short escaped excerpt of the text.
    """
    label = f"scenario {shown_name(source)}" if source else "scenario"
    label_zh = f"情景 {shown_name(source)}" if source else "情景"
    if not isinstance(text, str):
        raise SitingError(f"{label}: expected text, got {type(text).__name__}",
                          zh=f"{label_zh}：应为文本，实际为 {type(text).__name__}")
    if len(text) > MAX_SCENARIO_BYTES or len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise SitingError(f"{label} is larger than the limit of {MAX_SCENARIO_BYTES // 1024:,} "
                          "kB; a scenario is a few kB of YAML",
                          zh=f"{label_zh} 超过 {MAX_SCENARIO_BYTES // 1024:,} kB 的上限；"
                             "一个情景通常只有几 kB 的 YAML")
    try:
        _scan_events(text)
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, scanned above
    except _Refused as exc:
        raise SitingError(f"{label} {exc}", zh=f"{label_zh} {exc.zh}") from None
    except yaml.YAMLError as exc:
        raise SitingError(f"{label} is not valid YAML: {_yaml_problem(exc)}",
                          zh=f"{label_zh} 不是有效的 YAML：{_yaml_problem(exc, zh=True)}") from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise SitingError(f"{label} cannot be read as a scenario ({type(exc).__name__})",
                          zh=f"{label_zh} 无法作为情景读取（{type(exc).__name__}）") from None
    return from_dict(data, source=source)


def _yaml_value(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True,
                          width=1000).strip().removesuffix("...").strip()


def _emit(model: BaseModel, indent: int, lines: list[str]):
    pad = "  " * indent
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.description:
            lines.append(f"{pad}# {field.description}")
        if isinstance(value, BaseModel):
            doc = (type(value).__doc__ or "").strip().splitlines()[0]
            if not field.description:
                lines.append(f"{pad}# {doc}")
            lines.append(f"{pad}{name}:  # {doc}")
            _emit(value, indent + 1, lines)
        else:
            if isinstance(value, tuple):
                value = list(value)
            lines.append(f"{pad}{name}: {_yaml_value(value)}")


def dumps(scenario: Scenario) -> str:
    """The scenario as commented YAML (every field, with its description)."""
    lines = ["# 内蒙古新能源基地选址 情景文件 / Inner Mongolia siting scenario",
             "# Load with `python -m siting run --scenario FILE`; units are in the names."]
    _emit(scenario, 0, lines)
    return "\n".join(lines) + "\n"
