"""Questions about runs and their verdicts, asked one way each.

The rows themselves are written by `Store` (start_run, add_step, finish_run, save_verdict); the
functions here answer what the crawl, its recovery and the commands ask of them: does this run
have a verdict, which run of a job is newest, which run passed before a post-check.
"""

from __future__ import annotations

from typing import Any

from evidence.store import Store, table


def verdict_of(store: Store, run_id: str) -> dict[str, Any] | None:
    """The verdict judged from a run's steps, or None when the run has none (yet)."""
    return next(table(store, "verdicts").rows_where("run_id = ?", [run_id]), None)


def has_verdict(store: Store, run_id: str) -> bool:
    """Does this run have a verdict: the one way to ask it."""
    return verdict_of(store, run_id) is not None


def newest_run_of_job(store: Store, job_id: int, since: str | None) -> str | None:
    """The newest run a job's attempt started at or after `since` (a crash recovery's lookup)."""
    row = next(store.db.query("select id from runs where job_id = ? and started_at >= ? order by started_at desc limit 1",
                              [job_id, since or ""]), None)
    return row["id"] if row else None


def running_runs_of_job(store: Store, job_id: int, since: str) -> list[str]:
    """Runs of a job started at or after `since` that never finished (to interrupt them)."""
    return [row["id"] for row in store.db.query(
        "select id from runs where job_id = ? and started_at >= ? and outcome = 'running'", [job_id, since])]


def passing_run_before(store: Store, service_id: str, run_id: str) -> str | None:
    """The newest run of a service whose verdict passed, started before `run_id` (what a post-check overturns)."""
    row = next(store.db.query(
        "select r.id from runs r join verdicts v on v.run_id = r.id where r.target_id = ? and v.outcome = 'pass'"
        " and r.started_at < (select started_at from runs where id = ?) order by r.started_at desc limit 1",
        [service_id, run_id]), None)
    return row["id"] if row else None


def answering_service_run(store: Store, service_id: str, since: str) -> str | None:
    """The newest judged service run (ok, with a verdict) started after `since`, or None."""
    row = store.db.execute(
        "select r.id from runs r join verdicts v on v.run_id = r.id where r.kind = 'service' "
        "and r.target_id = ? and r.outcome = 'ok' and r.started_at > ? order by r.started_at desc limit 1",
        [service_id, since]).fetchone()
    return row[0] if row else None
