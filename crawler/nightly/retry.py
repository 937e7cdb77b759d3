"""The retry policy (R6): what one attempt's result does to its job, and when a retry may run.

Pure functions over times and outcomes, with no store and no clock of their own, so the windows are
tested with any times. The rules:

- the site failed (time-out, 5xx, refused, a step that errored: the bot could not see) → run again no
  sooner than `retry.min_delay_minutes`, at a time of day at least `retry.other_window_hours` away
  from the failed attempt (R6: "at least once at another time"); never held against the agency;
- a service below its declared level is judged "not recognized" only after a second attempt at
  another time has found it below too;
- after `retry.max_attempts` counted attempts the job is given up, for an inspector to decide;
- everything else (recognized, by report, no catalogue match, a dead link) is done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from configuration.settings import Retry

DAY = timedelta(hours=24)

# Kinds of attempt result, as the runner classifies them.
SITE_FAILED = "site_failed"     # the bot could not see: retry at another time
BELOW_LEVEL = "below_level"     # the service showed less than its declared level
JUDGED = "judged"               # anything final


@dataclass(frozen=True)
class Decision:
    status: str                 # done | retry | given_up
    due_at: datetime | None     # when the retry may run
    final: str | None           # the job's judgement once done / given up


def day_distance(a: datetime, b: datetime) -> timedelta:
    """How far apart two moments are on the clock face of a day (0 to 12 hours)."""
    offset = (a - b) % DAY
    return min(offset, DAY - offset)


def window(policy: Retry) -> timedelta:
    return min(timedelta(hours=policy.other_window_hours), DAY / 2)


def next_due(failed_at: datetime, policy: Retry) -> datetime:
    """The earliest time ≥ the minimum delay after `failed_at` whose time of day lies in another window."""
    apart = window(policy)
    delay = max(timedelta(minutes=policy.min_delay_minutes), apart)
    if day_distance(failed_at + delay, failed_at) >= apart:
        return failed_at + delay
    # Too near the same time on a later day: move on to that day's first allowed time.
    days = delay // DAY + 1
    return failed_at + days * DAY + apart


def in_other_window(now: datetime, last_attempt_at: datetime | None, policy: Retry) -> bool:
    """May a retry run now? Only at a time of day away from the attempt that failed."""
    return last_attempt_at is None or day_distance(now, last_attempt_at) >= window(policy)


def decide(result: str, attempts: int, below_before: Iterable[datetime], attempt_at: datetime,
           policy: Retry, final: str | None) -> Decision:
    """The job's next state after its `attempts`-th counted attempt (this one included) made at `attempt_at`.

    `below_before` holds the times of earlier attempts that found the service below its level.
    """
    if result == JUDGED:
        return Decision("done", None, final)
    if result == BELOW_LEVEL:
        confirmed = any(day_distance(attempt_at, t) >= window(policy) for t in below_before)
        if confirmed:
            return Decision("done", None, "not_recognized")
    if attempts >= policy.max_attempts:
        return Decision("given_up", None, "not_recognized_unconfirmed" if result == BELOW_LEVEL else "unseen")
    return Decision("retry", next_due(attempt_at, policy), None)
