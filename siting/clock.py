"""Times as users see them: China Standard Time (UTC+8), stored as ISO 8601 with offset.

Files keep the full ISO stamp with its offset (any offset reads back right);
people see ``2026-12-01 10:53 (北京时间)`` or ``2026-12-01 10:53 CST (UTC+8)``.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

#: China Standard Time, UTC+8 (no daylight saving since 1991).
CST = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    """The current time in China Standard Time."""
    return datetime.now(UTC).astimezone(CST)


def now_iso() -> str:
    """The current time as ISO 8601 with the +08:00 offset, to the second."""
    return now().isoformat(timespec="seconds")


def today() -> date:
    """Today's date in China (a briefing printed at 07:00 Beijing is dated that day)."""
    return now().date()


def parse(value) -> datetime | None:
    """A stored time (ISO text or datetime) as an aware datetime in CST; None if empty.

    A stamp without an offset is taken as UTC (how the tool wrote times before
    it stored offsets). Text that is not ISO 8601 raises ValueError.
    """
    if value is None or value == "":
        return None
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(CST)


def display_time(value, lang: str = "zh") -> str:
    """A stored time for people, in China Standard Time, to the minute.

    >>> display_time("2026-12-01T02:53:10+00:00")
    '2026-12-01 10:53 (北京时间)'
    >>> display_time("2026-12-01T02:53:10+00:00", "en")
    '2026-12-01 10:53 CST (UTC+8)'

    Empty input gives ''; unreadable text is shown as it is (never dropped).
    """
    try:
        stamp = parse(value)
    except ValueError:
        return str(value)
    if stamp is None:
        return ""
    text = stamp.strftime("%Y-%m-%d %H:%M")
    return f"{text} (北京时间)" if lang == "zh" else f"{text} CST (UTC+8)"


def display_time_bilingual(value) -> str:
    """Both readings in one line for bilingual files: '2026-12-01 10:53 北京时间 / CST (UTC+8)'."""
    text = display_time(value, "en")
    return text.replace(" CST (UTC+8)", " 北京时间 / CST (UTC+8)")
