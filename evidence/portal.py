"""The portal review's tables (category 3, R1/R2): observations, inspectors' scores, appraisals,
the seed of each spot-check draw, and the audit log of every change.

Nothing here is ever updated silently: each new or changed score and each appraisal writes one
row to `review_log` (who, when, old value, new value, why) in the same transaction.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Iterator

import sqlite_utils

from evidence.migrations import migration
from evidence.store import Store, utc_now

ROLES = ("A", "B")


@migration("0003_portal")
def _portal(db: sqlite_utils.Database) -> None:
    db["portal_observations"].create({
        "run_id": str, "agency_id": str, "role": str, "inspector": str, "observed_at": str,
        "observation_sha256": str, "pages": int, "error": str,
    }, pk="run_id", foreign_keys=[("run_id", "runs", "id")])
    db["portal_observations"].create_index(["agency_id", "role"])
    db["portal_scores"].create({
        "agency_id": str, "criterion_id": str, "role": str, "inspector": str, "score": float,
        "max_points": float, "outcome": str, "reasons": str, "source": str, "run_id": str, "updated_at": str,
    }, pk=("agency_id", "criterion_id", "role"))
    db["review_appraisals"].create({
        "agency_id": str, "criterion_id": str, "appraiser": str, "score": float, "reason": str, "decided_at": str,
    }, pk=("agency_id", "criterion_id"))
    db["review_seeds"].create({
        "agency_id": str, "seed": int, "threshold": float, "fraction": float, "created_by": str, "created_at": str,
    }, pk="agency_id")
    db["review_log"].create({
        "id": int, "agency_id": str, "criterion_id": str, "what": str, "who": str, "at": str,
        "old": str, "new": str, "why": str,
    }, pk="id")
    db["review_log"].create_index(["agency_id", "criterion_id"])


def _log(store: Store, agency_id: str, criterion_id: str, what: str, who: str, old: Any, new: Any, why: str) -> None:
    store.db["review_log"].insert({"agency_id": agency_id, "criterion_id": criterion_id, "what": what, "who": who,
                                   "at": utc_now(), "old": None if old is None else json.dumps(old, ensure_ascii=False),
                                   "new": None if new is None else json.dumps(new, ensure_ascii=False), "why": why})


def save_observation(store: Store, run_id: str, agency_id: str, role: str, inspector: str,
                     observation: dict[str, Any]) -> str:
    """Keep one inventory as a JSON artifact of its run; return its hash."""
    data = json.dumps(observation, ensure_ascii=False, sort_keys=True).encode("utf-8")
    artifact = store.keep_bytes(run_id, data, ".json", "portal_observation")
    with store.db.conn:
        store.db["portal_observations"].insert({
            "run_id": run_id, "agency_id": agency_id, "role": role, "inspector": inspector,
            "observed_at": observation.get("observed_at"), "observation_sha256": artifact.sha256,
            "pages": len(observation.get("pages", ())), "error": observation.get("error"),
        }, pk="run_id", replace=True)
    return artifact.sha256


def latest_observation(store: Store, agency_id: str, role: str = "A") -> dict[str, Any] | None:
    """The newest stored inventory of an agency's portal by one role, read back from its artifact."""
    row = next(store.db.query("select * from portal_observations where agency_id = ? and role = ? "
                              "order by observed_at desc limit 1", [agency_id, role]), None)
    path = store.artifact_path(row["observation_sha256"]) if row else None
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def record_score(store: Store, *, agency_id: str, criterion_id: str, role: str, inspector: str,
                 score: float | None, max_points: float, outcome: str, reasons: list[dict[str, Any]] | None = None,
                 source: str, run_id: str | None = None, why: str = "") -> bool:
    """Set one reviewer's score of one criterion; log the change. Return False when nothing changed."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    key = (agency_id, criterion_id, role)
    old = next(store.db["portal_scores"].rows_where("agency_id = ? and criterion_id = ? and role = ?", list(key)), None)
    if old is not None and old["score"] == score and old["outcome"] == outcome and old["inspector"] == inspector:
        return False
    with store.db.conn:
        store.db["portal_scores"].upsert({
            "agency_id": agency_id, "criterion_id": criterion_id, "role": role, "inspector": inspector,
            "score": score, "max_points": max_points, "outcome": outcome,
            "reasons": json.dumps(reasons or [], ensure_ascii=False), "source": source, "run_id": run_id,
            "updated_at": utc_now()}, pk=("agency_id", "criterion_id", "role"))
        _log(store, agency_id, criterion_id, f"score:{role}", inspector,
             None if old is None else {"score": old["score"], "outcome": old["outcome"], "by": old["inspector"]},
             {"score": score, "outcome": outcome}, why or source)
    return True


def scores(store: Store, agency_id: str | None = None) -> list[dict[str, Any]]:
    where, params = ("agency_id = ?", [agency_id]) if agency_id else (None, [])
    return list(store.db["portal_scores"].rows_where(where, params, order_by="agency_id, criterion_id, role"))


def appraise(store: Store, *, agency_id: str, criterion_id: str, appraiser: str, score: float | None,
             reason: str) -> None:
    """R2: the appraiser's score replaces the mean (None withdraws it); a reason is required."""
    if not reason.strip():
        raise ValueError("an appraisal needs a reason")
    old = next(store.db["review_appraisals"].rows_where("agency_id = ? and criterion_id = ?",
                                                        [agency_id, criterion_id]), None)
    with store.db.conn:
        if score is None:
            store.db["review_appraisals"].delete_where("agency_id = ? and criterion_id = ?", [agency_id, criterion_id])
        else:
            store.db["review_appraisals"].upsert({"agency_id": agency_id, "criterion_id": criterion_id,
                                                  "appraiser": appraiser, "score": score, "reason": reason,
                                                  "decided_at": utc_now()}, pk=("agency_id", "criterion_id"))
        _log(store, agency_id, criterion_id, "appraisal", appraiser, None if old is None else old["score"], score, reason)


def appraisals(store: Store, agency_id: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    where, params = ("agency_id = ?", [agency_id]) if agency_id else (None, [])
    return {(r["agency_id"], r["criterion_id"]): r for r in store.db["review_appraisals"].rows_where(where, params)}


def review_seed(store: Store, agency_id: str, *, threshold: float, fraction: float, who: str) -> dict[str, Any]:
    """The agency's spot-check seed, drawn once and kept so the sample can be drawn again identically."""
    row = next(store.db["review_seeds"].rows_where("agency_id = ?", [agency_id]), None)
    if row is None:
        row = {"agency_id": agency_id, "seed": secrets.randbelow(2**31), "threshold": threshold,
               "fraction": fraction, "created_by": who, "created_at": utc_now()}
        with store.db.conn:
            store.db["review_seeds"].insert(row, pk="agency_id")
            _log(store, agency_id, "*", "seed", who, None, row["seed"], "rút mẫu kiểm tra ngẫu nhiên")
    return row


def history(store: Store, agency_id: str, criterion_id: str | None = None) -> Iterator[dict[str, Any]]:
    where, params = "agency_id = ?", [agency_id]
    if criterion_id:
        where, params = where + " and criterion_id = ?", params + [criterion_id]
    yield from store.db["review_log"].rows_where(where, params, order_by="id")
