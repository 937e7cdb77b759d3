"""Scoring's tables: survey figures, computed points and totals, sampling plans, the confirmation
round (answers, disputes) and the re-check requests that disputes raise.

Tables: survey_figures, score_items, score_totals, score_figures, sample_plans, confirmations,
score_disputes (the confirmation round; `disputes` is the evidence browser's own) and recheck_requests.

Re-checks for the crawl queue (issue 5): `pending_rechecks(store)` lists the requests not yet done,
oldest first, each a dict with `id, kind ('service' | 'criterion'), target_id, agency_id, reason,
dispute_id, requested_at`; for kind 'criterion' the target is `<agency_id>/<criterion_id>`. The queue
calls `mark_recheck_done(store, id, run_id)` once the re-check has run. Nothing else is needed.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import sqlite_utils

from evidence.migrations import migration
from evidence.store import Store, utc_now

ANSWERS = ("agree", "dispute")


@migration("0006_scoring")
def _scoring(db: sqlite_utils.Database) -> None:
    db["survey_figures"].create({
        "year": int, "agency_id": str, "figure_id": str, "value": float, "note": str, "source_file": str,
        "sheet": str, "cell": str, "imported_at": str,
    }, pk=("year", "agency_id", "figure_id"))
    db["score_items"].create({
        "year": int, "agency_id": str, "criterion_id": str, "category": str, "points": float, "max_points": float,
        "reasons": str, "figures": str, "zeroed": str, "computed_at": str,
    }, pk=("year", "agency_id", "criterion_id"))
    db["score_totals"].create({
        "year": int, "agency_id": str, "agency_group": str, "category": str, "points": float, "max_points": float,
        "idx": float, "rank": int, "exempt": int, "computed_at": str,
    }, pk=("year", "agency_id", "category"))
    db["score_figures"].create({
        "year": int, "agency_id": str, "figure_id": str, "value": float, "source": str, "link": str,
        "evidence": str,
    }, pk=("year", "agency_id", "figure_id"))
    db["sample_plans"].create({
        "id": int, "agency_id": str, "seed": int, "k": int, "threshold": float, "plan": str, "created_at": str,
    }, pk="id")
    db["sample_plans"].create_index(["agency_id"])
    db["confirmations"].create({
        "year": int, "agency_id": str, "item_key": str, "answer": str, "reason": str, "source_file": str,
        "row": int, "answered_at": str,
    }, pk=("year", "agency_id", "item_key"))
    db["score_disputes"].create({
        "id": int, "year": int, "agency_id": str, "item_key": str, "reason": str, "evidence": str,
        "status": str, "created_at": str, "resolved_at": str,
    }, pk="id")
    db["score_disputes"].create_index(["year", "agency_id", "status"])
    db["recheck_requests"].create({
        "id": int, "kind": str, "target_id": str, "agency_id": str, "reason": str, "dispute_id": int,
        "status": str, "requested_at": str, "done_at": str, "run_id": str,
    }, pk="id")
    db["recheck_requests"].create_index(["status"])


# -- survey ------------------------------------------------------------------------------------
def save_survey(store: Store, year: int, agency_id: str, rows: Iterable[dict[str, Any]]) -> int:
    """Replace one agency's figures of a year by a newly imported form; return how many were stored."""
    now = utc_now()
    records = [{**row, "year": year, "agency_id": agency_id, "imported_at": now} for row in rows]
    with store.db.conn:
        store.db["survey_figures"].delete_where("year = ? and agency_id = ?", [year, agency_id])
        store.db["survey_figures"].insert_all(records, pk=("year", "agency_id", "figure_id"))
    return len(records)


def survey_figures(store: Store, year: int) -> dict[str, dict[str, dict[str, Any]]]:
    """agency id → figure id → stored row."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in store.db["survey_figures"].rows_where("year = ?", [year]):
        out.setdefault(row["agency_id"], {})[row["figure_id"]] = row
    return out


# -- scores ------------------------------------------------------------------------------------
def save_scores(store: Store, year: int, items: list[dict[str, Any]], totals: list[dict[str, Any]],
                figures: list[dict[str, Any]]) -> None:
    """Replace the year's computed points, totals and the figures they used, in one transaction."""
    now = utc_now()
    with store.db.conn:
        for table in ("score_items", "score_totals", "score_figures"):
            store.db[table].delete_where("year = ?", [year])
        store.db["score_items"].insert_all([{**i, "year": year, "computed_at": now} for i in items])
        store.db["score_totals"].insert_all([{**t, "year": year, "computed_at": now} for t in totals])
        store.db["score_figures"].insert_all([{**f, "year": year} for f in figures])


def score_rows(store: Store, table: str, year: int, agency_id: str | None = None) -> list[dict[str, Any]]:
    if table not in ("score_items", "score_totals", "score_figures"):
        raise ValueError(table)
    where, params = "year = ?", [year]
    if agency_id:
        where, params = where + " and agency_id = ?", params + [agency_id]
    return list(store.db[table].rows_where(where, params, order_by="agency_id"))


# -- sampling plans ----------------------------------------------------------------------------
def save_plan(store: Store, agency_id: str, plan: dict[str, Any]) -> int:
    """Keep a sampling plan with its seed, so the draw can be repeated and audited (R6)."""
    with store.db.conn:
        return store.db["sample_plans"].insert({
            "agency_id": agency_id, "seed": plan["seed"], "k": plan["k"], "threshold": plan["threshold"],
            "plan": json.dumps(plan, ensure_ascii=False), "created_at": utc_now()}).last_pk


def latest_plan(store: Store, agency_id: str) -> dict[str, Any] | None:
    row = next(store.db["sample_plans"].rows_where("agency_id = ?", [agency_id], order_by="id desc", limit=1), None)
    return {**row, "plan": json.loads(row["plan"])} if row else None


# -- confirmation round ------------------------------------------------------------------------
def record_answer(store: Store, year: int, agency_id: str, item_key: str, answer: str, reason: str,
                  source_file: str, row: int, evidence: list[str]) -> int | None:
    """Keep an agency's answer on one figure; a dispute opens a dispute item. Return its id if opened."""
    if answer not in ANSWERS:
        raise ValueError(f"answer must be one of {ANSWERS}")
    now = utc_now()
    with store.db.conn:
        store.db["confirmations"].upsert({"year": year, "agency_id": agency_id, "item_key": item_key, "answer": answer,
                                          "reason": reason, "source_file": source_file, "row": row, "answered_at": now},
                                         pk=("year", "agency_id", "item_key"))
        if answer == "agree":
            # Agreeing later closes an earlier dispute of the same figure.
            store.db.execute("update score_disputes set status = 'resolved', resolved_at = ? where year = ? and agency_id = ?"
                             " and item_key = ? and status = 'open'", [now, year, agency_id, item_key])
            return None
        existing = next(store.db["score_disputes"].rows_where("year = ? and agency_id = ? and item_key = ? and status = 'open'",
                                                        [year, agency_id, item_key]), None)
        if existing:
            return None
        return store.db["score_disputes"].insert({
            "year": year, "agency_id": agency_id, "item_key": item_key, "reason": reason,
            "evidence": json.dumps(evidence, ensure_ascii=False), "status": "open", "created_at": now}).last_pk


def disputes(store: Store, year: int, status: str | None = None) -> list[dict[str, Any]]:
    where, params = "year = ?", [year]
    if status:
        where, params = where + " and status = ?", params + [status]
    return [{**r, "evidence": json.loads(r["evidence"] or "[]")} for r in store.db["score_disputes"].rows_where(where, params, order_by="id")]


def confirmations(store: Store, year: int) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["agency_id"], r["item_key"]): r for r in store.db["confirmations"].rows_where("year = ?", [year])}


# -- re-checks (read by the crawl queue) --------------------------------------------------------
def request_recheck(store: Store, *, kind: str, target_id: str, agency_id: str, reason: str,
                    dispute_id: int | None = None) -> int:
    """Ask for a re-check; a target already pending is not asked twice. Return the request's id."""
    if kind not in ("service", "criterion"):
        raise ValueError("kind must be 'service' or 'criterion'")
    pending = next(store.db["recheck_requests"].rows_where("kind = ? and target_id = ? and status = 'pending'",
                                                   [kind, target_id]), None)
    if pending:
        return pending["id"]
    with store.db.conn:
        return store.db["recheck_requests"].insert({"kind": kind, "target_id": target_id, "agency_id": agency_id,
                                            "reason": reason, "dispute_id": dispute_id, "status": "pending",
                                            "requested_at": utc_now()}).last_pk


def pending_rechecks(store: Store) -> list[dict[str, Any]]:
    """Re-checks requested and not yet done, oldest first (the crawl queue's input)."""
    return list(store.db["recheck_requests"].rows_where("status = 'pending'", order_by="id"))


def mark_recheck_done(store: Store, recheck_id: int, run_id: str | None = None) -> None:
    with store.db.conn:
        store.db["recheck_requests"].update(recheck_id, {"status": "done", "done_at": utc_now(), "run_id": run_id})


def settle_service_rechecks(store: Store) -> list[tuple[int, str]]:
    """Mark done each pending service re-check that a judged run started after it answers.

    A run that could not see the site (`failed`, `interrupted`) answers nothing: the request waits.
    """
    settled = []
    for request in pending_rechecks(store):
        if request["kind"] != "service":
            continue
        run = store.db.execute(
            "select r.id from runs r join verdicts v on v.run_id = r.id where r.kind = 'service' "
            "and r.target_id = ? and r.outcome = 'ok' and r.started_at > ? order by r.started_at desc limit 1",
            [request["target_id"], request["requested_at"]]).fetchone()
        if run:
            mark_recheck_done(store, request["id"], run[0])
            settled.append((request["id"], run[0]))
    return settled
