"""Survey figures: what each agency declared in its yearly survey form, one row per figure.

Table `survey_figures` (`0006_scoring` in `evidence/schema.py`); imported by `office/survey.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evidence.clock import utc_now
from evidence.store import Store, table


def save_survey(store: Store, year: int, agency_id: str, rows: Iterable[dict[str, Any]]) -> int:
    """Replace one agency's figures of a year by a newly imported form; return how many were stored."""
    now = utc_now()
    records = [{**row, "year": year, "agency_id": agency_id, "imported_at": now} for row in rows]
    with store.db.conn:
        table(store, "survey_figures").delete_where("year = ? and agency_id = ?", [year, agency_id])
        table(store, "survey_figures").insert_all(records, pk=("year", "agency_id", "figure_id"))
    return len(records)


def survey_figures(store: Store, year: int) -> dict[str, dict[str, dict[str, Any]]]:
    """agency id → figure id → stored row."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in table(store, "survey_figures").rows_where("year = ?", [year]):
        out.setdefault(row["agency_id"], {})[row["figure_id"]] = row
    return out
