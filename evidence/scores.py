"""Computed scores: each criterion's points, each category's total and rank, and the figures used.

Tables `score_items`, `score_totals`, `score_figures` (`0006_scoring` in `evidence/schema.py`),
replaced as a whole for a year each time `kiemtra score` computes it.
"""

from __future__ import annotations

from typing import Any

from evidence.clock import utc_now
from evidence.store import Store, table

TABLES = ("score_items", "score_totals", "score_figures")


def save_scores(store: Store, year: int, items: list[dict[str, Any]], totals: list[dict[str, Any]],
                figures: list[dict[str, Any]]) -> None:
    """Replace the year's computed points, totals and the figures they used, in one transaction."""
    now = utc_now()
    with store.db.conn:
        for name in TABLES:
            table(store, name).delete_where("year = ?", [year])
        table(store, "score_items").insert_all([{**i, "year": year, "computed_at": now} for i in items])
        table(store, "score_totals").insert_all([{**t, "year": year, "computed_at": now} for t in totals])
        table(store, "score_figures").insert_all([{**f, "year": year} for f in figures])


def score_rows(store: Store, name: str, year: int, agency_id: str | None = None) -> list[dict[str, Any]]:
    """A year's rows of one of `TABLES`, by agency."""
    if name not in TABLES:
        raise ValueError(name)
    where = "year = ?"
    params: list[Any] = [year]
    if agency_id:
        where, params = where + " and agency_id = ?", [*params, agency_id]
    return list(table(store, name).rows_where(where, params, order_by="agency_id"))
