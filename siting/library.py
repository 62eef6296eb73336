"""The scenario library: named scenarios saved in the workspace, and the
comparison of two runs (which parcels and bases enter or leave the shortlist,
GW by league).

One file per scenario, ``WORKSPACE/scenarios/NAME.yaml``: the commented
scenario YAML (so ``python -m siting run --scenario FILE`` reads it as is)
under a first line ``# library: {"name": …, "saved_at": …, "note": …}``.
One file means one atomic write (temp file + rename): a crash mid-save
leaves the previous version intact.

The files themselves are kept by a store (``layers.library.ScenarioStore``:
names to file paths, listing, atomic writes, deletion) that the caller passes
in as ``store``; this module adds what the files mean: the header, the
validated scenario, the order of the listing, and the comparison of two runs.
The command line of the library is in ``siting.cli`` (``scenarios``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from siting import clock
from siting import scenario as sc
from siting.errors import LibraryError, SitingError

#: First line of a library file; the rest of the line is JSON.
HEADER_PREFIX = "# library: "


@dataclass(frozen=True)
class Entry:
    """One saved scenario: its name, save time (ISO 8601 with offset), note and file."""

    name: str
    saved_at: str
    note: str
    path: Path
    #: Why the file cannot be loaded ("" when it is fine): a damaged file is
    #: listed with its reason and never hides the others.
    damaged: str = ""

    def to_dict(self) -> dict:
        """Plain dict for JSON listings."""
        return {"name": self.name, "saved_at": self.saved_at, "note": self.note,
                "path": str(self.path), "damaged": self.damaged}


def _read_header(path: Path, store) -> dict:
    try:
        first = store.first_line(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"scenario file {path} is unreadable ({exc})",
                           zh=f"情景文件 {path} 无法读取（{exc}）") from None
    if not first.startswith(HEADER_PREFIX):
        raise LibraryError(f"{path} is not a library scenario (its first line is not "
                           f"'{HEADER_PREFIX}…'); save it with `python -m siting scenarios "
                           "save`",
                           zh=f"{path} 不是情景库中的情景（其第一行不是 '{HEADER_PREFIX}…'）；"
                              "请用 `python -m siting scenarios save` 保存")
    try:
        header = json.loads(first[len(HEADER_PREFIX):])
    except json.JSONDecodeError as exc:
        raise LibraryError(f"{path}: the library header is damaged ({exc}); save the "
                           "scenario again",
                           zh=f"{path}：情景库文件头已损坏（{exc}）；请重新保存该情景") from None
    return header


def _is_library_file(path: Path, store) -> bool:
    try:
        return store.first_line(path).startswith(HEADER_PREFIX)
    except (OSError, UnicodeDecodeError):
        return True  # unreadable: listed as damaged rather than skipped silently


def _checked_entry(path: Path, store) -> Entry:
    """The entry of ``path``, or a damaged one naming the reason (header or body)."""
    try:
        found = _entry(path, store)
        sc.load_yaml(path)
    except SitingError as exc:
        reason = str(exc).replace(str(path), path.name)
        try:
            found = _entry(path, store)
        except SitingError:
            found = Entry(name=path.stem, saved_at="", note="", path=path)
        return Entry(name=found.name[:sc.MAX_NAME_CHARS], saved_at=found.saved_at,
                     note=found.note[:sc.MAX_NAME_CHARS], path=path, damaged=reason[:500])
    return found


def _entry(path: Path, store) -> Entry:
    header = _read_header(path, store)
    return Entry(name=str(header.get("name", path.stem)), saved_at=str(header.get("saved_at", "")),
                 note=str(header.get("note", "")), path=path)


def _existing(name: str, store) -> Path:
    path = store.path(name)
    if not path.exists():
        known = ", ".join(repr(e.name) for e in list_scenarios(store)) or "none yet"
        raise LibraryError(f"no saved scenario {name!r} in {path.parent}; saved: {known}",
                           zh=f"{path.parent} 中没有保存名为 {name!r} 的情景；已保存：{known}")
    return path


def _write(store, path: Path, name: str, scenario, note: str,
           saved_at: datetime | None) -> Entry:
    # stored with its offset (now: Beijing time); shown by clock.display_time
    when = saved_at if saved_at is not None else clock.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    stamp = when.isoformat(timespec="seconds")
    header = json.dumps({"name": name, "saved_at": stamp, "note": note}, ensure_ascii=False)
    store.write_text(path, f"{HEADER_PREFIX}{header}\n{sc.dumps(scenario)}")
    return Entry(name=name, saved_at=stamp, note=note, path=path)


def save(scenario, name: str, *, store, note: str = "", overwrite: bool = False,
         saved_at: datetime | None = None) -> Entry:
    """Save ``scenario`` in the library under ``name`` (atomic write).

    Parameters
    ----------
    store : layers.library.ScenarioStore
        Where the library's files are (the workspace's).
    scenario : siting.scenario.Scenario
        What to save; its ``name`` field is set to ``name``.
    name : str
        Library name (any script; the file name is made from it).
    note : str
        Free text shown in listings.
    overwrite : bool
        Replace an existing entry of that name (else an error).
    saved_at : datetime, optional
        Time stamp (default now, China Standard Time); stored as ISO 8601 with its offset.

    Raises
    ------
    LibraryError
        The name is taken (and ``overwrite`` is False), or its file name
        collides with a differently-named entry.
    """
    if len(str(name)) > sc.MAX_NAME_CHARS:
        raise LibraryError(f"scenario name is {len(str(name)):,} characters long, more than "
                           f"{sc.MAX_NAME_CHARS}; shorten it (got {sc.excerpt(name)})",
                           zh=f"情景名称长 {len(str(name)):,} 个字符，超过 {sc.MAX_NAME_CHARS}；"
                              f"请缩短（当前值：{sc.excerpt(name)}）")
    path = store.path(name)
    if path.exists():
        old = _entry(path, store)
        if old.name != name:
            raise LibraryError(f"scenario name {name!r} maps to the same file as the saved "
                               f"{old.name!r}; choose a more distinct name",
                               zh=f"情景名称 {name!r} 与已保存的 {old.name!r} 对应同一个文件；"
                                  "请换一个区别更明显的名称")
        if not overwrite:
            raise LibraryError(f"a scenario named {name!r} is already saved ({old.saved_at}); "
                               "choose another name, or overwrite it (--force)",
                               zh=f"名为 {name!r} 的情景已保存过（{old.saved_at}）；请换一个名称，"
                                  "或覆盖它（--force）")
    named = sc.from_dict({**scenario.model_dump(), "name": name}, source=f"scenario {name!r}")
    return _write(store, path, name, named, note, saved_at)


def _instant(saved_at: str) -> float:
    """Seconds since the epoch of a stored stamp (any offset); unreadable ones sort last."""
    try:
        stamp = clock.parse(saved_at)
    except ValueError:
        stamp = None
    return stamp.timestamp() if stamp else float("-inf")


def list_scenarios(store, *, include_damaged: bool = True) -> list[Entry]:
    """Saved scenarios in ``store``, newest first; damaged files last, each with
    ``damaged`` set to the reason (``include_damaged=False`` leaves them out)."""
    entries = [_checked_entry(p, store) for p in store.files() if _is_library_file(p, store)]
    if not include_damaged:
        entries = [e for e in entries if not e.damaged]
    return sorted(entries, key=lambda e: (not e.damaged, _instant(e.saved_at), e.name),
                  reverse=True)


def load(name: str, store):
    """The saved scenario ``name`` (a validated ``Scenario``)."""
    path = _existing(name, store)
    return sc.load_yaml(path)


def entry(name: str, store) -> Entry:
    """The library entry ``name`` (name, time, note, path)."""
    return _entry(_existing(name, store), store)


def duplicate(name: str, new_name: str, *, store, note: str | None = None,
              overwrite: bool = False, saved_at: datetime | None = None) -> Entry:
    """Copy entry ``name`` to ``new_name`` (the note is kept unless given).

    ``overwrite`` replaces an existing ``new_name`` (else a ``LibraryError``,
    as in :func:`save`).
    """
    source = entry(name, store)
    return save(load(name, store), new_name, note=source.note if note is None else note,
                store=store, overwrite=overwrite, saved_at=saved_at)


def delete(name: str, store) -> Path:
    """Remove entry ``name``; returns the deleted file's path."""
    return store.delete(_existing(name, store))


# --- comparing two runs ------------------------------------------------------------
def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _sorted_ids(values) -> list:
    return sorted((_plain(v) for v in values), key=lambda v: (isinstance(v, str), v))


def _ids(frame, column: str) -> set:
    if column not in frame.columns:
        raise SitingError(f"a result's shortlist lacks the column {column!r}",
                          zh=f"结果的优选清单缺少 {column!r} 列")
    return {_plain(v) for v in frame[column].dropna()}


@dataclass
class Comparison:
    """How result B's shortlist differs from result A's.

    ``*_entered`` are in B only, ``*_left`` in A only. Base ids are rank labels
    (``B001`` = biggest) assigned per run, so the same id may name a different
    group of parcels; ``base_overlap`` maps each base of B to the bases of A
    sharing parcels with it. ``leagues`` rows: ``{league, gw_a, gw_b, delta_gw}``.
    """

    parcels_entered: list = field(default_factory=list)
    parcels_left: list = field(default_factory=list)
    parcels_kept: list = field(default_factory=list)
    bases_entered: list = field(default_factory=list)
    bases_left: list = field(default_factory=list)
    bases_kept: list = field(default_factory=list)
    base_overlap: dict = field(default_factory=dict)
    leagues: list[dict] = field(default_factory=list)
    gw_a: float = 0.0
    gw_b: float = 0.0

    def to_dict(self) -> dict:
        """Plain JSON-ready dict."""
        from dataclasses import asdict

        return asdict(self)


def _league_gw(result) -> dict:
    table = result.leagues
    if "cap_gw" not in table.columns:
        raise SitingError("a result's league table lacks the column 'cap_gw'",
                          zh="结果的盟市汇总表缺少 'cap_gw' 列")
    return {str(league): float(gw) for league, gw in table["cap_gw"].items()}


def compare(result_a, result_b) -> Comparison:
    """Compare the shortlists of two runs (``siting.pipeline.Result``).

    Each needs ``.shortlist`` (rows with ``parcel_id``, ``base_id``, ``league``,
    ``cap_mw``) and ``.leagues`` (indexed by league, with ``cap_gw``).
    """
    short_a, short_b = result_a.shortlist, result_b.shortlist
    parcels_a, parcels_b = _ids(short_a, "parcel_id"), _ids(short_b, "parcel_id")
    bases_a, bases_b = _ids(short_a, "base_id"), _ids(short_b, "base_id")
    members_a = {}
    for parcel, base in zip(short_a["parcel_id"], short_a["base_id"], strict=True):
        if base is not None and base == base:  # skip None and NaN
            members_a[_plain(parcel)] = _plain(base)
    overlap: dict = {}
    for parcel, base in zip(short_b["parcel_id"], short_b["base_id"], strict=True):
        if base is not None and base == base and _plain(parcel) in members_a:
            overlap.setdefault(_plain(base), set()).add(members_a[_plain(parcel)])
    gw_a, gw_b = _league_gw(result_a), _league_gw(result_b)
    leagues = [{"league": league, "gw_a": gw_a.get(league, 0.0), "gw_b": gw_b.get(league, 0.0),
                "delta_gw": gw_b.get(league, 0.0) - gw_a.get(league, 0.0)}
               for league in sorted(set(gw_a) | set(gw_b))]
    leagues.sort(key=lambda row: -abs(row["delta_gw"]))
    return Comparison(
        parcels_entered=_sorted_ids(parcels_b - parcels_a),
        parcels_left=_sorted_ids(parcels_a - parcels_b),
        parcels_kept=_sorted_ids(parcels_a & parcels_b),
        bases_entered=_sorted_ids(bases_b - bases_a),
        bases_left=_sorted_ids(bases_a - bases_b),
        bases_kept=_sorted_ids(bases_a & bases_b),
        base_overlap={k: _sorted_ids(v) for k, v in sorted(overlap.items())},
        leagues=leagues,
        gw_a=float(short_a["cap_mw"].sum()) / 1000.0,
        gw_b=float(short_b["cap_mw"].sum()) / 1000.0)
