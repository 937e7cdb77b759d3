"""The confirmation round (R13): each agency's answer on each figure sent to it.

Table `confirmations` (`0006_scoring` in `evidence/schema.py`). An answer `dispute` opens an item
dispute (`evidence/disputes.py`); a later `agree` on the same figure closes it.
"""

from __future__ import annotations

from typing import Any

from evidence import disputes
from evidence.clock import utc_now
from evidence.store import Store, table

ANSWERS = ("agree", "dispute")


def record_answer(store: Store, year: int, agency_id: str, item_key: str, answer: str, reason: str,
                  source_file: str, row: int, evidence: list[str]) -> int | None:
    """Keep an agency's answer on one figure; a dispute opens a dispute item. Return its id if opened."""
    if answer not in ANSWERS:
        raise ValueError(f"answer must be one of {ANSWERS}")
    now = utc_now()
    with store.db.conn:
        table(store, "confirmations").upsert({"year": year, "agency_id": agency_id, "item_key": item_key,
                                              "answer": answer, "reason": reason, "source_file": source_file,
                                              "row": row, "answered_at": now}, pk=("year", "agency_id", "item_key"))
        if answer == "agree":
            # Agreeing later closes an earlier dispute of the same figure.
            disputes.close_item_disputes(store, year, agency_id, item_key, now)
            return None
        return disputes.open_item_dispute(store, year, agency_id, item_key, reason, evidence, now)


def confirmations(store: Store, year: int) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["agency_id"], r["item_key"]): r for r in table(store, "confirmations").rows_where("year = ?", [year])}
