"""The only time helpers: the store's UTC time format, run-id stamps, and Vietnam's local time.

Every stored time is UTC ISO 8601 with milliseconds and a `Z` (`utc_now`, `iso`), one format, so
SQL compares times as text. People read times in Asia/Ho_Chi_Minh (`LOCAL_TZ`, `local_time`).
A function that needs "now" takes a clock (`utc_clock` in production), so tests inject one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

try:
    from zoneinfo import ZoneInfo

    LOCAL_TZ: Any = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # no tz database on this machine: Vietnam has kept UTC+7 without DST since 1975
    LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def utc_clock() -> datetime:
    """Now, as an aware UTC datetime: the production clock of the queue and the runner."""
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """The store's time format for any aware datetime: `2024-11-20T18:00:00.000Z`."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    """Now in the store's time format."""
    return iso(utc_clock())


def utc_now_seconds() -> str:
    """Now to the second with `+00:00`: the format portal observations have always recorded."""
    return utc_clock().isoformat(timespec="seconds")


def run_stamp() -> str:
    """The time part of a run id (`20241120T180000`): run ids sort by when they started."""
    return f"{utc_clock():%Y%m%dT%H%M%S}"


def parse(text: str) -> datetime:
    """A stored ISO time (with `Z` or an offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_time(utc_iso: str | None) -> str | None:
    """An ISO time in UTC ("...Z") as the same instant in Asia/Ho_Chi_Minh."""
    if not utc_iso:
        return None
    return parse(utc_iso).astimezone(LOCAL_TZ).isoformat(timespec="milliseconds")


def local_now() -> datetime:
    """Now in Asia/Ho_Chi_Minh."""
    return datetime.now(LOCAL_TZ)
