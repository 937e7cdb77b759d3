"""Re-check requests (R13): an agency disputed an item in the confirmation round, so the disputed
service or criterion is checked again. (Not a post-check, R6, which is a job kind of the queue, nor
a re-score flag, R2, which sends a criterion back to its two inspectors.)

Table `recheck_requests` (`0006_scoring` in `evidence/schema.py`). The crawl queue reads
`pending_recheck_requests(store)`: the requests not yet done, oldest first, each a dict with
`id, kind ('service' | 'criterion'), target_id, agency_id, reason, dispute_id, requested_at`; for
kind 'criterion' the target is `<agency_id>/<criterion_id>`. It calls
`mark_recheck_request_done(store, id, run_id)` once the re-check has run.
"""

from __future__ import annotations

from typing import Any

from evidence import runs
from evidence.clock import utc_now
from evidence.store import Store, insert_row, table

KINDS = ("service", "criterion")


def request_recheck(store: Store, *, kind: str, target_id: str, agency_id: str, reason: str,
                    dispute_id: int | None = None) -> int:
    """Ask for a re-check; a target already pending is not asked twice. Return the request's id."""
    if kind not in KINDS:
        raise ValueError("kind must be 'service' or 'criterion'")
    pending = next(table(store, "recheck_requests").rows_where("kind = ? and target_id = ? and status = 'pending'",
                                                               [kind, target_id]), None)
    if pending:
        return int(pending["id"])
    with store.db.conn:
        return insert_row(store, "recheck_requests", {
            "kind": kind, "target_id": target_id, "agency_id": agency_id, "reason": reason,
            "dispute_id": dispute_id, "status": "pending", "requested_at": utc_now()})


def pending_recheck_requests(store: Store) -> list[dict[str, Any]]:
    """Re-check requests not yet done, oldest first (the crawl queue's input)."""
    return list(table(store, "recheck_requests").rows_where("status = 'pending'", order_by="id"))


def mark_recheck_request_done(store: Store, request_id: int, run_id: str | None = None) -> None:
    with store.db.conn:
        table(store, "recheck_requests").update(request_id, {"status": "done", "done_at": utc_now(), "run_id": run_id})


def settle_service_recheck_requests(store: Store) -> list[tuple[int, str]]:
    """Mark done each pending service request that a judged run started after it answers.

    A run that could not see the site (`failed`, `interrupted`) answers nothing: the request waits.
    """
    settled = []
    for request in pending_recheck_requests(store):
        if request["kind"] != "service":
            continue
        run_id = runs.answering_service_run(store, request["target_id"], request["requested_at"])
        if run_id:
            mark_recheck_request_done(store, request["id"], run_id)
            settled.append((request["id"], run_id))
    return settled
