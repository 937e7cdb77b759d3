"""Re-check requests: a service or a portal criterion to be checked again, asked for by the confirmation
round (R13: an agency disputed an item) or by an inspector or the appraiser in the workspace. (Not a
post-check, R6, which is a job kind of the queue, nor a re-score flag, R2, which sends a criterion back
to its two inspectors.)

Table `recheck_requests` (`0006_scoring`, widened by `0017_workspace_requests` in `evidence/schema.py`):
`id, kind ('service' | 'criterion'), target_id, agency_id, reason, dispute_id, status, requested_at,
done_at, run_id, requested_by, requested_role, job_id, picked_up_at, note, closed_by`; for kind
'criterion' the target is `<agency_id>/<criterion_id>`.

The stored status is `pending` until the request is closed: `done` (with the answering run), `cancelled`
(by a person, with a note) or `failed` (it could not run: the service is no longer declared, or its
job was given up after the request). What a pending request is doing now is read, never stored
(`state_of`): `waiting` (no job yet: the next crawl, or the running one between two jobs, queues it),
`queued` (a job of the crawl waits for it), `running` (a run of it started after the request and has
not finished), or already answered by a judged run not yet settled (`done`).

A service request is answered by the first judged run started after it (`settle_service_recheck_requests`,
called by the crawl between jobs and at its end); a criterion request by the next `kiemtra portal check`
that scores the criterion (`settle_criterion_recheck_requests`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from evidence import queue, runs
from evidence.clock import iso, utc_now
from evidence.store import Store, table

KINDS = ("service", "criterion")
CLOSED = ("done", "cancelled", "failed")
STATES = ("waiting", "queued", "running", "done", "cancelled", "failed")

# Called inside the request's own transaction, with its connection, the request's id and the row as it
# was before (None for a new request): the workspace writes its audit row there, so both commit together.
AuditHook = Callable[[Any, int, "dict[str, Any] | None"], None]


@dataclass(frozen=True)
class RequestState:
    """A request as a page shows it: the stored row, what it is doing now, and the run that matters."""

    request: dict[str, Any]
    state: str                           # one of STATES
    run_id: str | None = None            # the answering run (done), or the one running now
    job: dict[str, Any] | None = None    # the crawl's job for it, while it is queued or running
    verdict: dict[str, Any] | None = None  # the answering run's verdict (a service) or score (a criterion)


def get(store: Store, request_id: int) -> dict[str, Any] | None:
    return next(table(store, "recheck_requests").rows_where("id = ?", [request_id]), None)


def ask_recheck(store: Store, *, kind: str, target_id: str, agency_id: str, reason: str,
                dispute_id: int | None = None, requested_by: str | None = None, requested_role: str | None = None,
                audit: AuditHook | None = None) -> tuple[int, bool]:
    """Ask for a re-check; a target already pending is not asked twice. The request's id, and whether it is new.

    The audit hook runs in the same transaction either way (asking again is a decision too).
    """
    with store.write_lock() as conn:
        request_id, new = _ask_in(conn, kind=kind, target_id=target_id, agency_id=agency_id, reason=reason,
                                  dispute_id=dispute_id, now=utc_now(), requested_by=requested_by,
                                  requested_role=requested_role)
        if audit is not None:
            audit(conn, request_id, None if new else {"request_id": request_id, "status": "pending"})
    return request_id, new


def request_recheck(store: Store, *, kind: str, target_id: str, agency_id: str, reason: str,
                    dispute_id: int | None = None) -> int:
    """Ask for a re-check (the confirmation round's path); a target already pending is not asked twice."""
    return ask_recheck(store, kind=kind, target_id=target_id, agency_id=agency_id, reason=reason,
                       dispute_id=dispute_id)[0]


def requests(store: Store, *, agency_id: str | None = None, kind: str | None = None, target_id: str | None = None,
             limit: int = 500) -> list[dict[str, Any]]:
    """Requests newest first, optionally of one agency, kind or target."""
    where, params = [], []
    for column, value in (("agency_id", agency_id), ("kind", kind), ("target_id", target_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = ("select * from recheck_requests" + (" where " + " and ".join(where) if where else "")
           + " order by id desc limit ?")
    return list(store.db.query(sql, [*params, limit]))


def pending_recheck_requests(store: Store) -> list[dict[str, Any]]:
    """Re-check requests not yet done, oldest first (the crawl queue's input)."""
    return list(table(store, "recheck_requests").rows_where("status = 'pending'", order_by="id"))


def to_pick_up(store: Store, agency_id: str | None = None) -> list[dict[str, Any]]:
    """Pending service requests no open job answers: none queued yet, or the job queued ended without an answer
    (its run had started before the request). Oldest first."""
    sql = ("select r.* from recheck_requests r left join jobs j on j.id = r.job_id where r.status = 'pending'"
           " and r.kind = 'service' and (r.job_id is null or j.id is null"
           " or (j.status = 'done' and coalesce(j.last_attempt_at, '') <= r.requested_at))"
           + (" and r.agency_id = ?" if agency_id else "") + " order by r.id")
    return list(store.db.query(sql, [agency_id] if agency_id else []))


def open_job(store: Store, kind: str, target_id: str) -> int | None:
    """The open job of a target (due, leased or waiting for a retry), if any."""
    row = store.db.execute(f"select id from jobs where kind = ? and target_id = ? and status in {queue.OPEN}"
                           " order by id limit 1", [kind, target_id]).fetchone()
    return int(row[0]) if row else None


def picked_up(store: Store, request_id: int, job_id: int, now: datetime) -> None:
    """The crawl queued job `job_id` for this request."""
    with store.write_lock() as conn:
        conn.execute("update recheck_requests set job_id = ?, picked_up_at = ? where id = ? and status = 'pending'",
                     [job_id, iso(now), request_id])


def _close(store: Store, request_id: int, status: str, *, run_id: str | None = None, note: str | None = None,
           by: str | None = None, audit: AuditHook | None = None) -> bool:
    old = get(store, request_id)
    with store.write_lock() as conn:
        closed = conn.execute("update recheck_requests set status = ?, done_at = ?, run_id = ?, note = ?, closed_by = ?"
                              " where id = ? and status = 'pending'",
                              [status, utc_now(), run_id, note, by, request_id]).rowcount == 1
        if closed and audit is not None:
            audit(conn, request_id, old)
    return closed


def mark_recheck_request_done(store: Store, request_id: int, run_id: str | None = None) -> None:
    _close(store, request_id, "done", run_id=run_id)


def cancel(store: Store, request_id: int, *, by: str, note: str, audit: AuditHook | None = None) -> bool:
    """A person withdraws a pending request; False when it was no longer pending."""
    return _close(store, request_id, "cancelled", note=note, by=by, audit=audit)


def fail(store: Store, request_id: int, note: str) -> bool:
    """The request cannot run (why, in Vietnamese, in `note`); False when it was no longer pending."""
    return _close(store, request_id, "failed", note=note)


GIVEN_UP_NOTES = {"gone": "dịch vụ không còn được khai báo trong cấu hình",
                  "unseen": "không xem được trang sau các lần thử lại (R6)"}


def settle_service_recheck_requests(store: Store) -> list[tuple[int, str]]:
    """Mark done each pending service request that a judged run started after it answers; the (id, run) settled.

    A run that could not see the site (`failed`, `interrupted`) answers nothing: the request waits,
    unless the job queued for it ended (given up, R6) after an attempt begun after the request without a
    judged run: then it failed, with the reason. One query reads every pending request with its answer
    (the same answer as `runs.answering_service_run`) and its job, so a crawl may ask between two jobs.
    """
    rows = list(store.db.query(
        "select q.id, q.requested_at, (select r.id from runs r join verdicts v on v.run_id = r.id"
        " where r.kind = 'service' and r.target_id = q.target_id and r.outcome = 'ok' and r.started_at > q.requested_at"
        " order by r.started_at desc limit 1) as answer, j.status as job_status, j.final as job_final,"
        " j.last_attempt_at as job_attempt_at from recheck_requests q left join jobs j on j.id = q.job_id"
        " where q.status = 'pending' and q.kind = 'service' order by q.id"))
    settled = []
    for row in rows:
        if row["answer"]:
            mark_recheck_request_done(store, row["id"], row["answer"])
            settled.append((row["id"], str(row["answer"])))
        elif row["job_status"] in ("done", "given_up") and (row["job_attempt_at"] or "") > row["requested_at"]:
            final = row["job_final"]
            fail(store, row["id"], GIVEN_UP_NOTES.get(final or "", f"lượt kiểm tra không có kết luận "
                                                                   f"({final or row['job_status']})"))
    return settled


def answering_criterion_score(store: Store, target_id: str, since: str) -> dict[str, Any] | None:
    """The score of criterion `<agency>/<criterion>` from a portal run started after `since` that could judge it."""
    agency_id, _, criterion_id = target_id.partition("/")
    return next(store.db.query(
        "select s.* from portal_scores s join runs r on r.id = s.run_id where s.agency_id = ? and s.criterion_id = ?"
        " and r.started_at > ? and s.outcome != 'could_not_verify' order by r.started_at desc limit 1",
        [agency_id, criterion_id, since]), None)


def settle_criterion_recheck_requests(store: Store) -> list[tuple[int, str]]:
    """Mark done each pending criterion request a portal check started after it scored; the (id, run) settled."""
    settled = []
    for request in pending_recheck_requests(store):
        if request["kind"] != "criterion":
            continue
        score = answering_criterion_score(store, request["target_id"], request["requested_at"])
        if score is not None:
            mark_recheck_request_done(store, request["id"], score["run_id"])
            settled.append((request["id"], str(score["run_id"])))
    return settled


def crawl_running(store: Store, now: datetime) -> bool:
    """Does a crawl hold the store now (a live crawl lock): then it takes new requests between its jobs."""
    row = queue.lock_row(store, "crawl")
    return row is not None and (row["expires_at"] or "") >= iso(now)


def _running_run(store: Store, target_id: str, since: str) -> str | None:
    row = store.db.execute("select id from runs where kind = 'service' and target_id = ? and outcome = 'running'"
                           " and started_at > ? order by started_at desc limit 1", [target_id, since]).fetchone()
    return row[0] if row else None


def state_of(store: Store, request: dict[str, Any]) -> RequestState:
    """What a request is doing now, read from the store (the queue, the runs, the verdicts, the portal scores)."""
    status, kind = request["status"], request["kind"]
    if status in ("cancelled", "failed"):
        return RequestState(request, status)
    run_id = request["run_id"] if status == "done" else None
    verdict: dict[str, Any] | None = None
    if kind == "service":
        run_id = run_id or runs.answering_service_run(store, request["target_id"], request["requested_at"])
        verdict = runs.verdict_of(store, run_id) if run_id else None
    else:
        score = answering_criterion_score(store, request["target_id"], request["requested_at"])
        if score is not None and (run_id is None or score["run_id"] == run_id):
            run_id, verdict = score["run_id"], score
    if status == "done" or run_id:
        return RequestState(request, "done", run_id, None, verdict)
    job = queue.job(store, request["job_id"]) if request.get("job_id") else None
    if kind == "service":
        running = _running_run(store, request["target_id"], request["requested_at"])
        if running:
            return RequestState(request, "running", running, job)
    if job is not None and job["status"] in queue.OPEN:
        return RequestState(request, "queued", None, job)
    return RequestState(request, "waiting")


def states(store: Store, **where: Any) -> list[RequestState]:
    """`requests(store, **where)`, each with `state_of`."""
    return [state_of(store, request) for request in requests(store, **where)]


def request_recheck_in(conn: Any, *, kind: str, target_id: str, agency_id: str, reason: str,
                       dispute_id: int | None, now: str, requested_by: str | None = None,
                       requested_role: str | None = None) -> int:
    """`request_recheck` inside the caller's transaction (`store.write_lock()`), so a dispute, its
    re-check requests and the audit row commit together (issue 18, the confirmation round)."""
    return _ask_in(conn, kind=kind, target_id=target_id, agency_id=agency_id, reason=reason, dispute_id=dispute_id,
                   now=now, requested_by=requested_by, requested_role=requested_role)[0]


def _ask_in(conn: Any, *, kind: str, target_id: str, agency_id: str, reason: str, dispute_id: int | None, now: str,
            requested_by: str | None, requested_role: str | None) -> tuple[int, bool]:
    """The one place a request is written: a target already pending is not asked twice. Its id, and whether it is new."""
    if kind not in KINDS:
        raise ValueError("kind must be 'service' or 'criterion'")
    found = conn.execute("select id from recheck_requests where kind = ? and target_id = ? and status = 'pending'"
                         " order by id limit 1", [kind, target_id]).fetchone()
    if found is not None:
        return int(found[0]), False
    cursor = conn.execute(
        "insert into recheck_requests (kind, target_id, agency_id, reason, dispute_id, status, requested_at,"
        " requested_by, requested_role) values (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
        [kind, target_id, agency_id, reason, dispute_id, now, requested_by, requested_role])
    return int(cursor.lastrowid or 0), True  # sqlite3 gives None only when nothing was inserted


def requests_of_dispute(store: Store, dispute_id: int, also: list[int] | None = None) -> list[dict[str, Any]]:
    """The re-check requests a dispute raised, and those with the ids in `also` (an answer may name one that
    another dispute had already queued), oldest first."""
    ids = sorted({int(i) for i in also or []})
    marks = ", ".join("?" for _ in ids)
    extra = f" or id in ({marks})" if ids else ""
    return list(store.db.query(f"select * from recheck_requests where dispute_id = ?{extra} order by id", [dispute_id, *ids]))
