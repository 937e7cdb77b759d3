"""Disputes: one table for everything an agency contests, and the only module that reads or writes it.

Two kinds of rows share the table `disputes`:

    kind 'service'  an agency disputes a service's verdict (`kiemtra evidence dispute`); it has a
                    service_id (and maybe a run_id) and the evidence browser filters on it
    kind 'item'     an agency answered "không đồng ý" on a figure in the confirmation round
                    (`kiemtra confirm import`, R13); it has a year and an item_key, and raises
                    re-check requests (`evidence/recheck_requests.py`)

A dispute is open while `closed_at` is null. The confirmation round used to keep its own table
`score_disputes`; migration `0007_one_disputes_table` folded it into `disputes` rather than the
reverse because `disputes` already served the evidence browser (its ids and queries stay), and
the round's columns map onto it without loss (reason → note, created_at → opened_at,
resolved_at → closed_at). `item_disputes` still presents rows under the round's own names.
"""

from __future__ import annotations

import json
from typing import Any

from evidence import agencies
from evidence.clock import utc_now
from evidence.store import Store, insert_row, table

# The confirmation round's names for the shared columns, as its readers (reports) know them.
_ITEM_COLUMNS = ("id, year, agency_id, item_key, note as reason, evidence,"
                 " case when closed_at is null then 'open' else 'resolved' end as status,"
                 " opened_at as created_at, closed_at as resolved_at")


def open_service_dispute(store: Store, service_id: str, note: str, *, run_id: str | None = None,
                         opened_by: str = "") -> int | None:
    """Record that an agency disputes a service's verdict; its id, or None when the service is unknown."""
    service = agencies.service(store, service_id)
    if service is None:
        return None
    with store.db.conn:
        return insert_row(store, "disputes", {
            "kind": "service", "service_id": service_id, "run_id": run_id, "agency_id": service["agency_id"],
            "opened_at": utc_now(), "opened_by": opened_by, "note": note})


def service_disputes(store: Store, service_id: str) -> list[dict[str, Any]]:
    """Every dispute of a service's verdict, open or closed, oldest first (the run page lists them)."""
    return list(table(store, "disputes").rows_where("kind = 'service' and service_id = ?", [service_id],
                                                    order_by="id"))


def open_item_dispute(store: Store, year: int, agency_id: str, item_key: str, reason: str, evidence: list[str],
                      now: str) -> int | None:
    """Open a dispute of one figure unless one is open already; its id, or None."""
    existing = next(table(store, "disputes").rows_where(
        "kind = 'item' and year = ? and agency_id = ? and item_key = ? and closed_at is null",
        [year, agency_id, item_key]), None)
    if existing:
        return None
    return insert_row(store, "disputes", {
        "kind": "item", "year": year, "agency_id": agency_id, "item_key": item_key, "note": reason,
        "evidence": json.dumps(evidence, ensure_ascii=False), "opened_at": now})


def close_item_disputes(store: Store, year: int, agency_id: str, item_key: str, now: str) -> None:
    """The agency now agrees with the figure: its open dispute is resolved."""
    store.db.execute("update disputes set closed_at = ? where kind = 'item' and year = ? and agency_id = ?"
                     " and item_key = ? and closed_at is null", [now, year, agency_id, item_key])


def item_disputes(store: Store, year: int, status: str | None = None) -> list[dict[str, Any]]:
    """The confirmation round's disputes of a year (`status` 'open' or 'resolved'), oldest first."""
    sql = f"select {_ITEM_COLUMNS} from disputes where kind = 'item' and year = ?"
    params: list[Any] = [year]
    if status == "open":
        sql += " and closed_at is null"
    elif status == "resolved":
        sql += " and closed_at is not null"
    elif status:
        return []
    return [{**r, "evidence": json.loads(r["evidence"] or "[]")} for r in store.db.query(sql + " order by id", params)]
