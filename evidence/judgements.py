"""Evaluators' judgements of services by report (R8) and portal-route decisions (R3/R5), append-only.

`kiemtra judge` records who accepted or rejected a by-report service, when, and the run shown;
`kiemtra match confirm --published-url` records the page of the competent authority's portal that
publishes a procedure missing from CSDL TTHC, with its captured screenshot and HTML. Nothing is
updated: a change of mind is a new row, the newest one counts, every earlier one stays.
Tables: `0010_judgements` in `evidence/schema.py`.
"""

from __future__ import annotations

from typing import Any

from evidence.clock import utc_now
from evidence.store import Store, insert_row, table


def record_judgement(store: Store, service_id: str, agency_id: str, run_id: str, *, accepted: bool,
                     inspector: str, reason: str, now: str | None = None) -> int:
    """Append an evaluator's judgement of a service's by-report run; its row id."""
    with store.db.conn:
        return insert_row(store, "judgements", {
            "service_id": service_id, "agency_id": agency_id, "run_id": run_id, "accepted": int(accepted),
            "inspector": inspector, "reason": reason, "decided_at": now or utc_now()})


def judgement_history(store: Store, service_id: str) -> list[dict[str, Any]]:
    """Every judgement of a service, oldest first."""
    return list(table(store, "judgements").rows_where("service_id = ?", [service_id], order_by="id"))


def latest_judgements(store: Store, agency_id: str | None = None) -> dict[str, dict[str, Any]]:
    """The newest judgement of each service (of one agency)."""
    where, params = ("where agency_id = ?", [agency_id]) if agency_id else ("", [])
    rows = store.db.query(f"select * from judgements {where} order by id", params)
    return {row["service_id"]: row for row in rows}


def record_published_url(store: Store, service_id: str, agency_id: str, url: str, *, run_id: str, http_status: int | None,
                         html_sha256: str | None, screenshot_sha256: str | None, inspector: str, note: str = "",
                         now: str | None = None) -> int:
    """Append a portal-route decision: the procedure is published at `url` (captured as evidence)."""
    with store.db.conn:
        return insert_row(store, "published_urls", {
            "service_id": service_id, "agency_id": agency_id, "url": url, "run_id": run_id, "http_status": http_status,
            "html_sha256": html_sha256, "screenshot_sha256": screenshot_sha256, "inspector": inspector,
            "note": note, "decided_at": now or utc_now()})


def latest_published_urls(store: Store, agency_id: str | None = None) -> dict[str, dict[str, Any]]:
    """The newest portal-route decision of each service (of one agency)."""
    where, params = ("where agency_id = ?", [agency_id]) if agency_id else ("", [])
    rows = store.db.query(f"select * from published_urls {where} order by id", params)
    return {row["service_id"]: row for row in rows}


def mark_assisted(store: Store, run_id: str, inspector: str) -> None:
    """Name the inspector who passed a CAPTCHA/OTP gate in an assisted re-run (set once, when it starts)."""
    with store.db.conn:
        store.db.execute("update runs set assisted_by = ? where id = ? and assisted_by is null", [inspector, run_id])


def published_url(store: Store, service_id: str) -> str | None:
    """The page a service's procedure is published at (the newest portal-route decision), or None."""
    row = next(store.db.query("select url from published_urls where service_id = ? order by id desc limit 1",
                              [service_id]), None)
    return row["url"] if row else None
