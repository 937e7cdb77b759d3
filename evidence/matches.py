"""Stored matches of declared services to procedures, and inspectors' decisions on them.

The latest decision of an inspector wins over the automatic match in every later run; the
automatic match is still refreshed beside it, so a changed catalogue shows up for review.
Tables are created by the `0002_catalogue` migration in `evidence/schema.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from evidence.store import Store, table

ACTIONS = ("confirm", "correct", "reject")


@dataclass(frozen=True)
class StoredMatch:
    """A service's match as the level check should use it: the inspector's decision if any."""

    service_id: str
    match_class: str                  # exact, strong, weak, none
    codes: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    decided_by: str = "auto"          # "auto" or the inspector's name
    matched_at: str = ""

    @property
    def confirmed(self) -> bool:
        return self.decided_by != "auto"

    @property
    def level_check_allowed(self) -> bool:
        """R5: a service with no procedure is not level-checked further."""
        return self.match_class != "none" and bool(self.codes)


def record_match(store: Store, service_id: str, match_class: str, codes: Sequence[str], score: float,
                 reasons: Sequence[str], candidates: Sequence[dict[str, Any]], now: str) -> None:
    with store.db.conn:
        table(store, "service_matches").upsert({
            "service_id": service_id, "match_class": match_class, "codes": json.dumps(list(codes)),
            "score": score, "reasons": json.dumps(list(reasons), ensure_ascii=False),
            "candidates": json.dumps(list(candidates), ensure_ascii=False), "matched_at": now}, pk="service_id")


def record_decision(store: Store, service_id: str, action: str, codes: Sequence[str], inspector: str,
                    note: str, now: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action}")
    with store.db.conn:
        table(store, "match_decisions").insert({"service_id": service_id, "action": action, "codes": json.dumps(list(codes)),
                                            "inspector": inspector, "note": note, "decided_at": now})


def automatic(store: Store, service_id: str) -> StoredMatch | None:
    row = next(store.db.query("select * from service_matches where service_id = ?", [service_id]), None)
    if row is None:
        return None
    return StoredMatch(service_id, row["match_class"], tuple(json.loads(row["codes"])), row["score"] or 0.0,
                       tuple(json.loads(row["reasons"] or "[]")), "auto", row["matched_at"])


def decision(store: Store, service_id: str) -> dict[str, Any] | None:
    return next(store.db.query("select * from match_decisions where service_id = ? order by id desc limit 1",
                               [service_id]), None)


def match_of(store: Store, service_id: str) -> StoredMatch | None:
    """The match the level check uses: the latest inspector decision, else the automatic match."""
    auto = automatic(store, service_id)
    chosen = decision(store, service_id)
    if chosen is None:
        return auto
    who, codes = chosen["inspector"], tuple(json.loads(chosen["codes"]))
    note = f": {chosen['note']}" if chosen["note"] else ""
    if chosen["action"] == "reject":
        return StoredMatch(service_id, "none", (), 0.0, (f"cán bộ {who} xác định không khớp thủ tục nào{note}",),
                           who, chosen["decided_at"])
    if chosen["action"] == "confirm" and auto is not None:
        return StoredMatch(service_id, auto.match_class, codes or auto.codes, auto.score,
                           auto.reasons + (f"cán bộ {who} đã xác nhận{note}",), who, chosen["decided_at"])
    return StoredMatch(service_id, "exact", codes, 100.0, (f"cán bộ {who} chỉ định mã {', '.join(codes)}{note}",),
                       who, chosen["decided_at"])


def stored_service_ids(store: Store, agency_id: str | None = None) -> Iterator[dict[str, Any]]:
    sql = "select id, agency_id, name, unit, procedure_code from services"
    yield from store.db.query(sql + (" where agency_id = ?" if agency_id else "") + " order by agency_id, id",
                              [agency_id] if agency_id else [])
