"""Runs, their steps and their verdicts: written once each (`start`, `add_step`, `finish`,
`save_verdict`, or the last two at once: `conclude`) and read back (`get`, `steps`, `artifacts`,
`find`), and the questions the crawl, its recovery and the commands ask of them, one way each:
does this run have a verdict, which run of a job is newest, which run passed before a post-check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from evidence.clock import utc_now
from evidence.store import NEWEST_FINISHED_RUN, Store, new_run_id, table

# A queued check that lost its job's lease before writing its result (another attempt holds the job).
LEASE_LOST = "mất quyền giữ việc (lease) trước khi ghi kết quả; một lượt khác đã nhận việc này"


def start(store: Store, kind: str, target_id: str, agency_id: str, *, attempt: int = 1,
          job_id: int | None = None, bot_version: str = "", browser_version: str = "") -> str:
    """A new run of a target, `running` until `finish`; its id sorts by when it started."""
    run_id = new_run_id()
    with store.db.conn:
        table(store, "runs").insert({"id": run_id, "kind": kind, "target_id": target_id, "agency_id": agency_id,
                                     "job_id": job_id, "attempt": attempt, "started_at": utc_now(),
                                     "outcome": "running", "bot_version": bot_version,
                                     "browser_version": browser_version})
    return run_id


def add_step(store: Store, run_id: str, step: dict[str, Any]) -> bool:
    """Store one step; False (nothing written) when the run is sealed already (`Store.unsealed`)."""
    row = {**step, "run_id": run_id}
    if isinstance(row.get("detail"), (dict, list)):
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False)
    with store.unsealed(run_id) as growing:
        if growing:
            table(store, "steps").insert(row, pk=("run_id", "seq"), replace=True)
    return growing


def finish(store: Store, run_id: str, **fields: Any) -> bool:
    """End a run; False (nothing written) when it is sealed already: recovery closed it first."""
    with store.unsealed(run_id) as growing:
        if growing:
            _finish_in(store, run_id, fields)
    return growing


def save_verdict(store: Store, run_id: str, target_id: str, verdict: dict[str, Any], rule_version: str,
                 catalogue: str | None = None) -> None:
    """Store (or, on recompute, replace) the verdict judged from a run's steps."""
    with store.db.conn:
        _verdict_in(store, run_id, target_id, verdict, rule_version, catalogue)


def conclude(store: Store, run_id: str, target_id: str, verdict: dict[str, Any], rule_version: str,
             catalogue: str | None = None, **fields: Any) -> bool:
    """`finish` and `save_verdict` in one transaction: no reader sees a run ended without its verdict; a run sealed
    already (recovery closed it first) is left as it was sealed, and False says so."""
    with store.unsealed(run_id) as growing:
        if growing:
            _finish_in(store, run_id, fields)
            _verdict_in(store, run_id, target_id, verdict, rule_version, catalogue)
    return growing


def _finish_in(store: Store, run_id: str, fields: dict[str, Any]) -> None:
    table(store, "runs").update(run_id, {"finished_at": utc_now(), **fields})


def _verdict_in(store: Store, run_id: str, target_id: str, verdict: dict[str, Any], rule_version: str,
                catalogue: str | None) -> None:
    table(store, "verdicts").upsert({"run_id": run_id, "target_id": target_id, "level": verdict["level"],
                                     "mode": verdict["mode"], "outcome": verdict["outcome"],
                                     "catalogue": catalogue,
                                     "reasons": json.dumps(verdict["reasons"], ensure_ascii=False),
                                     "rules": json.dumps(verdict["rules"], ensure_ascii=False),
                                     "rule_version": rule_version, "created_at": utc_now(),
                                     "decree42": verdict.get("decree42")},
                                    pk="run_id")


def latest_service_results(store: Store, agency_id: str | None = None) -> list[dict[str, Any]]:
    """Per declared service: its newest finished service run and that run's verdict."""
    sql = """
        select s.id, s.agency_id, s.name, s.declared_level, r.id as run_id, r.started_at, r.outcome as run_outcome,
               v.level, v.mode, v.outcome, v.reasons, v.decree42
        from services s
        left join runs r on r.id = {newest}
        left join verdicts v on v.run_id = r.id
        {where} order by s.agency_id, s.id"""
    where, params = ("where s.agency_id = ?", [agency_id]) if agency_id else ("", [])
    return list(store.db.query(sql.format(where=where, newest=NEWEST_FINISHED_RUN), params))


def exists(store: Store, run_id: str) -> bool:
    return table(store, "runs").count_where("id = ?", [run_id]) > 0


def get(store: Store, run_id: str) -> dict[str, Any]:
    return dict(table(store, "runs").get(run_id))


def steps(store: Store, run_id: str) -> list[dict[str, Any]]:
    return list(table(store, "steps").rows_where("run_id = ?", [run_id], order_by="seq"))


def artifacts(store: Store, run_id: str) -> list[dict[str, Any]]:
    """A run's artifacts, each with the role it plays in the run."""
    return list(store.db.query(
        "select ra.role, a.* from run_artifacts ra join artifacts a using (sha256) where ra.run_id = ?",
        [run_id]))


def find(store: Store, *, kind: str | None = None, target_id: str | None = None,
         agency_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Runs, oldest first, of a kind, a target and/or an agency."""
    where, params = [], []
    for column, value in (("kind", kind), ("target_id", target_id), ("agency_id", agency_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    yield from table(store, "runs").rows_where(" and ".join(where) or None, params, order_by="started_at")


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
