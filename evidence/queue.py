"""The persistent job queue in the store: jobs with a due time, a lease, attempts and their history.

A job is one visit to make (a portal front page, a service check, a post-check). A worker claims a
due job under a lease it renews while it works; a job whose lease ran out (its worker died) can be
claimed again. Every state change is one conditional UPDATE inside a transaction, so a stale worker
cannot complete a job another holds, and an attempt's result is written exactly once.

Statuses: `due` (never tried, waiting to run), `leased` (a worker holds it), `retry` (tried, waiting
for its next due time), `done` (judged), `given_up` (max attempts reached). Times are UTC ISO strings
of one format, so SQL compares them as text; every function takes `now`, so tests inject a clock.

This module also keeps the crawl lock (one crawl per store) and the post-check cancellations (R6).
A post-check (R6 hậu kiểm: a recognized service checked again later) is a job of kind
`POST_CHECK` — stored as `recheck`, the value queues have always held. Tables: `0005_queue` in
`evidence/schema.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from evidence.clock import iso
from evidence.store import Store, table

OPEN = ("due", "leased", "retry")
POST_CHECK = "recheck"   # the job kind of a post-check (R6); a stored value, so not renamed


def _row(store: Store, sql: str, params: Iterable[Any]) -> dict[str, Any] | None:
    found = list(store.db.query(sql, list(params)))
    return found[0] if found else None


# -- enqueueing ------------------------------------------------------------------------------------
def enqueue(store: Store, kind: str, target_id: str, agency_id: str, host: str, now: datetime, *,
            reason: str | None = None) -> int | None:
    """Add a job due now unless the target already has an open one of this kind; its id, or None."""
    with store.write_lock() as conn:
        if conn.execute(f"select 1 from jobs where kind = ? and target_id = ? and status in {OPEN}",
                        [kind, target_id]).fetchone():
            return None
        cursor = conn.execute(
            "insert into jobs (kind, target_id, agency_id, host, status, due_at, attempts, reason, created_at, updated_at)"
            " values (?, ?, ?, ?, 'due', ?, 0, ?, ?, ?)",
            [kind, target_id, agency_id, host, iso(now), reason, iso(now), iso(now)])
        return int(cursor.lastrowid or 0)  # sqlite3 gives None only when nothing was inserted


def enqueue_many(store: Store, targets: Iterable[tuple[str, str, str, str]], now: datetime) -> int:
    """`enqueue` for many `(kind, target_id, agency_id, host)` at once, in one transaction; how many were added."""
    with store.write_lock() as conn:
        open_ = {(k, t) for k, t in conn.execute(f"select kind, target_id from jobs where status in {OPEN}").fetchall()}
        rows = []
        for kind, target_id, agency_id, host in targets:
            if (kind, target_id) not in open_:
                open_.add((kind, target_id))
                rows.append((kind, target_id, agency_id, host, iso(now), iso(now), iso(now)))
        conn.executemany("insert into jobs (kind, target_id, agency_id, host, status, due_at, attempts, created_at,"
                         " updated_at) values (?, ?, ?, ?, 'due', ?, 0, ?, ?)", rows)
    return len(rows)


# -- claiming and leases ---------------------------------------------------------------------------
def candidates(store: Store, now: datetime, *, agency_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Jobs a worker may claim now, oldest due first: due or retry jobs whose time came, and leases that ran out."""
    sql = ("select * from jobs where ((status in ('due', 'retry') and due_at <= :now)"
           " or (status = 'leased' and lease_until < :now))"
           + (" and agency_id = :agency" if agency_id else "") + " order by due_at, id limit :limit")
    return list(store.db.query(sql, {"now": iso(now), "agency": agency_id, "limit": limit}))


def claim(store: Store, job_id: int, holder: str, now: datetime, lease: timedelta, *,
          host_limit: int | None = None) -> dict[str, Any] | None:
    """Lease one job to `holder` if it is still claimable; record the attempt. The job row, or None.

    `host_limit`: refuse it too while that many live leases already visit its host (the per-host
    limit held across every worker sharing the store).
    """
    with store.row_lock() as conn:
        job = conn.execute("select status, leased_by, attempts, host from jobs where id = ?", [job_id]).fetchone()
        if job is None:
            return None
        status, previous, attempts, host = job
        if host_limit is not None:
            store.lock_key(conn, f"host:{host}")   # two claims on one host never both see room for one
        if host_limit is not None and conn.execute(
                "select count(*) from jobs where host = ? and status = 'leased' and lease_until >= ? and id != ?",
                [host, iso(now), job_id]).fetchone()[0] >= host_limit:
            return None
        cursor = conn.execute(
            "update jobs set status = 'leased', leased_by = ?, lease_until = ?, updated_at = ? where id = ? and"
            " ((status in ('due', 'retry') and due_at <= ?) or (status = 'leased' and lease_until < ?))",
            [holder, iso(now + lease), iso(now), job_id, iso(now), iso(now)])
        if cursor.rowcount != 1:
            return None
        if status == "leased":  # its worker died: that attempt is lost, not counted against the agency
            _close_attempt(conn, job_id, previous, now, "lost", {"note": "hết hạn giữ chỗ (lease)"})
        conn.execute("insert into job_attempts (job_id, attempt, holder, started_at, outcome) values (?, ?, ?, ?, 'running')",
                     [job_id, attempts + 1, holder, iso(now)])
    return dict(table(store, "jobs").get(job_id))


def _close_attempt(conn: Any, job_id: int, holder: str | None, now: datetime, outcome: str,
                   detail: dict[str, Any], run_id: str | None = None, next_due: datetime | None = None) -> None:
    conn.execute("update job_attempts set finished_at = ?, outcome = ?, detail = ?, run_id = coalesce(?, run_id),"
                 " next_due_at = ? where job_id = ? and holder is ? and outcome = 'running'",
                 [iso(now), outcome, json.dumps(detail, ensure_ascii=False), run_id,
                  iso(next_due) if next_due else None, job_id, holder])


def renew(store: Store, holder: str, now: datetime, lease: timedelta) -> int:
    """Extend every lease `holder` has: the heartbeat of a live worker."""
    with store.row_lock() as conn:
        return conn.execute("update jobs set lease_until = ? where status = 'leased' and leased_by = ?",
                            [iso(now + lease), holder]).rowcount


def hold(store: Store, job_id: int, holder: str, now: datetime, lease: timedelta) -> bool:
    """Extend `holder`'s lease on one job if it still holds it: the fence a check passes before it writes its result.

    A check whose lease ran out (its worker cut off from the database longer than the lease) may have
    been taken by another worker; False then, and the late check must not write a verdict beside that one's.
    True gives it a whole lease to write in.
    """
    with store.row_lock() as conn:
        return conn.execute("update jobs set lease_until = ? where id = ? and status = 'leased' and leased_by = ?",
                            [iso(now + lease), job_id, holder]).rowcount == 1


def attach_run(store: Store, job_id: int, holder: str, run_id: str) -> None:
    """Note which run the running attempt is writing, so a crash recovery finds it."""
    with store.row_lock() as conn:
        conn.execute("update job_attempts set run_id = ? where job_id = ? and holder = ? and outcome = 'running'",
                     [run_id, job_id, holder])


def complete(store: Store, job_id: int, holder: str, now: datetime, *, status: str, run_id: str | None,
             outcome: str, detail: dict[str, Any], due_at: datetime | None = None, final: str | None = None) -> bool:
    """Write one attempt's result: the job moves to `status`; False if `holder` no longer holds it."""
    assert status in ("done", "retry", "given_up")
    with store.row_lock() as conn:
        cursor = conn.execute(
            "update jobs set status = ?, due_at = coalesce(?, due_at), attempts = attempts + 1, leased_by = null,"
            " lease_until = null, last_attempt_at = (select started_at from job_attempts where job_id = ?"
            " and holder = ? and outcome = 'running'), result_run_id = coalesce(?, result_run_id), final = ?,"
            " updated_at = ? where id = ? and status = 'leased' and leased_by = ?",
            [status, iso(due_at) if due_at else None, job_id, holder, run_id, final, iso(now), job_id, holder])
        if cursor.rowcount != 1:
            return False
        _close_attempt(conn, job_id, holder, now, outcome, detail, run_id, due_at if status == "retry" else None)
    return True


def release(store: Store, job_id: int, holder: str, now: datetime, note: str) -> bool:
    """Give a job back untouched (a clean stop, a crashed holder): it runs again, the attempt not counted."""
    with store.row_lock() as conn:
        cursor = conn.execute(
            "update jobs set status = case when attempts = 0 then 'due' else 'retry' end, leased_by = null,"
            " lease_until = null, updated_at = ? where id = ? and status = 'leased' and leased_by = ?",
            [iso(now), job_id, holder])
        if cursor.rowcount != 1:
            return False
        _close_attempt(conn, job_id, holder, now, "released", {"note": note})
    return True


def job(store: Store, job_id: int) -> dict[str, Any] | None:
    return _row(store, "select * from jobs where id = ?", [job_id])


def to_publish(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Open jobs no live worker holds and no delivery waits for (PostgreSQL, with procrastinate's table):
    due or waiting for a retry, and leases that ran out. A delivery is waiting when procrastinate holds a
    `todo` job with the job's queueing lock (`job-<id>`, crawler/nightly/distributed.py)."""
    return list(store.db.query(
        "select * from jobs where (status in ('due', 'retry') or (status = 'leased' and lease_until < ?))"
        " and not exists (select 1 from procrastinate_jobs p where p.queueing_lock = 'job-' || jobs.id"
        " and p.status = 'todo') order by due_at, id", [iso(now)]))


def runnable_left(store: Store, now: datetime) -> bool:
    """A job running, due, or a retry whose time has come: the night is not over."""
    return store.db.execute("select 1 from jobs where status in ('due', 'leased') or (status = 'retry' and due_at <= ?)"
                            " limit 1", [iso(now)]).fetchone() is not None


def attempts_finished_since(store: Store, since: datetime, after_id: int = 0) -> list[dict[str, Any]]:
    """Attempts that ended at or after `since` with a run (and an id above `after_id`), in id order, with their
    job's kind and target."""
    return list(store.db.query(
        "select a.*, j.kind, j.target_id, j.status as job_status, j.final from job_attempts a join jobs j on"
        " j.id = a.job_id where a.id > ? and a.finished_at >= ? and a.run_id is not null and a.outcome not in"
        " ('running', 'released', 'lost') order by a.id", [after_id, iso(since)]))


def counts(store: Store) -> dict[str, int]:
    return {row["status"]: int(row["n"]) for row in store.db.query("select status, count(*) as n from jobs group by status")}


def running_attempt(store: Store, job_id: int, holder: str) -> dict[str, Any] | None:
    return _row(store, "select * from job_attempts where job_id = ? and holder = ? and outcome = 'running'",
                [job_id, holder])


def history(store: Store, job_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("select * from job_attempts where job_id = ? order by id", [job_id]))


def jobs(store: Store, *, statuses: Iterable[str] | None = None, agency_id: str | None = None) -> list[dict[str, Any]]:
    where, params = [], []
    if statuses:
        chosen = list(statuses)
        where.append(f"status in ({', '.join('?' * len(chosen))})")
        params += chosen
    if agency_id:
        where.append("agency_id = ?")
        params.append(agency_id)
    sql = "select * from jobs" + (" where " + " and ".join(where) if where else "") + " order by due_at, id"
    return list(store.db.query(sql, params))


# -- the crawl lock --------------------------------------------------------------------------------
def lock_row(store: Store, name: str) -> dict[str, Any] | None:
    return _row(store, "select * from locks where name = ?", [name])


def take_lock(store: Store, name: str, holder: str, pid: int, hostname: str, now: datetime, ttl: timedelta,
              *, may_replace: str | None = None) -> bool:
    """Take the lock if it is free, expired, or held by `may_replace` (a holder found dead)."""
    with store.write_lock() as conn:
        row = conn.execute("select holder, expires_at from locks where name = ?", [name]).fetchone()
        if row is not None and row[0] != may_replace and row[1] >= iso(now):
            return False
        conn.execute("insert or replace into locks (name, holder, pid, hostname, acquired_at, heartbeat_at, expires_at)"
                     " values (?, ?, ?, ?, ?, ?, ?)", [name, holder, pid, hostname, iso(now), iso(now), iso(now + ttl)])
    return True


def beat_lock(store: Store, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    with store.write_lock() as conn:
        return conn.execute("update locks set heartbeat_at = ?, expires_at = ? where name = ? and holder = ?",
                            [iso(now), iso(now + ttl), name, holder]).rowcount == 1


def drop_lock(store: Store, name: str, holder: str) -> None:
    with store.write_lock() as conn:
        conn.execute("delete from locks where name = ? and holder = ?", [name, holder])


def live_locks(store: Store, prefix: str, now: datetime) -> list[dict[str, Any]]:
    """The unexpired locks whose name starts with `prefix` (the cluster's workers: `worker:<holder>`)."""
    return list(store.db.query("select * from locks where name like ? and expires_at >= ? order by name",
                               [prefix + "%", iso(now)]))


# -- post-checks (R6) ------------------------------------------------------------------------------
def cancel_recognition(store: Store, service_id: str, agency_id: str, job_id: int, reason: str,
                       recognized_run_id: str | None, post_check_run_id: str, now: datetime) -> None:
    """R6: a post-check found a recognized service below its level; the recognition is cancelled."""
    with store.write_lock() as conn:
        conn.execute("insert into recognition_cancellations (service_id, agency_id, job_id, reason, recognized_run_id,"
                     " recheck_run_id, cancelled_at) values (?, ?, ?, ?, ?, ?, ?)",
                     [service_id, agency_id, job_id, reason, recognized_run_id, post_check_run_id, iso(now)])


def cancellations(store: Store, *, pending_notice: bool = False) -> list[dict[str, Any]]:
    """Recognitions cancelled by a post-check: the list of agencies to tell (R6)."""
    sql = "select * from recognition_cancellations" + (" where notified_at is null" if pending_notice else "")
    return list(store.db.query(sql + " order by cancelled_at"))
