"""The portal review's tables (category 3, R1/R2): observations, inspectors' scores, appraisals,
the seed of each spot-check draw, and the audit log of every change.

Nothing here is ever updated silently: each new or changed score and each appraisal writes one
row to `review_log` (who, when, old value, new value, why) in the same transaction. Tables:
`0003_portal` in `evidence/schema.py`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from evidence.clock import utc_now
from evidence.store import Store, table

ROLES = ("A", "B")


def _log(store: Store, agency_id: str, criterion_id: str, what: str, who: str, old: Any, new: Any, why: str) -> None:
    table(store, "review_log").insert({"agency_id": agency_id, "criterion_id": criterion_id, "what": what, "who": who,
                                   "at": utc_now(), "old": None if old is None else json.dumps(old, ensure_ascii=False),
                                   "new": None if new is None else json.dumps(new, ensure_ascii=False), "why": why})


def save_observation(store: Store, run_id: str, agency_id: str, role: str, inspector: str,
                     observation: dict[str, Any]) -> str:
    """Keep one inventory as a JSON artifact of its run; return its hash."""
    data = json.dumps(observation, ensure_ascii=False, sort_keys=True).encode("utf-8")
    artifact = store.keep_bytes(run_id, data, ".json", "portal_observation")
    with store.db.conn:
        table(store, "portal_observations").insert({
            "run_id": run_id, "agency_id": agency_id, "role": role, "inspector": inspector,
            "observed_at": observation.get("observed_at"), "observation_sha256": artifact.sha256,
            "pages": len(observation.get("pages", ())), "error": observation.get("error"),
        }, pk="run_id", replace=True)
    return artifact.sha256


def record_score(store: Store, *, agency_id: str, criterion_id: str, role: str, inspector: str,
                 score: float | None, max_points: float, outcome: str, reasons: list[dict[str, Any]] | None = None,
                 source: str, run_id: str | None = None, why: str = "") -> bool:
    """Set one reviewer's score of one criterion; log the change. Return False when nothing changed."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    key = (agency_id, criterion_id, role)
    old = next(table(store, "portal_scores").rows_where("agency_id = ? and criterion_id = ? and role = ?", list(key)), None)
    if old is not None and old["score"] == score and old["outcome"] == outcome and old["inspector"] == inspector:
        return False
    with store.db.conn:
        table(store, "portal_scores").upsert({
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
    return list(table(store, "portal_scores").rows_where(where, params, order_by="agency_id, criterion_id, role"))


def appraise(store: Store, *, agency_id: str, criterion_id: str, appraiser: str, score: float | None,
             reason: str) -> None:
    """R2: the appraiser's score replaces the mean (None withdraws it); a reason is required."""
    if not reason.strip():
        raise ValueError("an appraisal needs a reason")
    old = next(table(store, "review_appraisals").rows_where("agency_id = ? and criterion_id = ?",
                                                        [agency_id, criterion_id]), None)
    with store.db.conn:
        if score is None:
            table(store, "review_appraisals").delete_where("agency_id = ? and criterion_id = ?", [agency_id, criterion_id])
        else:
            table(store, "review_appraisals").upsert({"agency_id": agency_id, "criterion_id": criterion_id,
                                                  "appraiser": appraiser, "score": score, "reason": reason,
                                                  "decided_at": utc_now()}, pk=("agency_id", "criterion_id"))
        _log(store, agency_id, criterion_id, "appraisal", appraiser, None if old is None else old["score"], score, reason)


def appraisals(store: Store, agency_id: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    where, params = ("agency_id = ?", [agency_id]) if agency_id else (None, [])
    return {(r["agency_id"], r["criterion_id"]): r for r in table(store, "review_appraisals").rows_where(where, params)}


def review_seed(store: Store, agency_id: str, *, threshold: float, fraction: float, who: str) -> dict[str, Any]:
    """The agency's spot-check seed, drawn once and kept so the sample can be drawn again identically."""
    row = next(table(store, "review_seeds").rows_where("agency_id = ?", [agency_id]), None)
    if row is None:
        row = {"agency_id": agency_id, "seed": secrets.randbelow(2**31), "threshold": threshold,
               "fraction": fraction, "created_by": who, "created_at": utc_now()}
        with store.db.conn:
            table(store, "review_seeds").insert(row, pk="agency_id")
            _log(store, agency_id, "*", "seed", who, None, row["seed"], "rút mẫu kiểm tra ngẫu nhiên")
    return row


def history(store: Store, agency_id: str, criterion_id: str | None = None) -> Iterator[dict[str, Any]]:
    where, params = "agency_id = ?", [agency_id]
    if criterion_id:
        where, params = where + " and criterion_id = ?", params + [criterion_id]
    yield from table(store, "review_log").rows_where(where, params, order_by="id")
