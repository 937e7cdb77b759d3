"""Sampling plans (R6): each draw of services to check, kept with its seed so it can be repeated.

Table `sample_plans` (`0006_scoring` in `evidence/schema.py`).
"""

from __future__ import annotations

import json
from typing import Any

from evidence.clock import utc_now
from evidence.store import Store, insert_row, table


def save_plan(store: Store, agency_id: str, plan: dict[str, Any]) -> int:
    """Keep a sampling plan with its seed, so the draw can be repeated and audited (R6)."""
    with store.db.conn:
        return insert_row(store, "sample_plans", {
            "agency_id": agency_id, "seed": plan["seed"], "k": plan["k"], "threshold": plan["threshold"],
            "plan": json.dumps(plan, ensure_ascii=False), "created_at": utc_now()})


def latest_plan(store: Store, agency_id: str) -> dict[str, Any] | None:
    row = next(table(store, "sample_plans").rows_where("agency_id = ?", [agency_id], order_by="id desc", limit=1), None)
    return {**row, "plan": json.loads(row["plan"])} if row else None
