"""What every report reads: a year's stored totals, items, figures and the confirmation round, per agency.

A figure is final unless the agency disputes it and the dispute is still open; an agency's result
is final when none of its figures is disputed (R13: "gửi số liệu ... để xác nhận", then "cập nhật").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from checks.scoring import TOTAL
from configuration.loader import Config
from evidence import confirmations, disputes
from evidence import scores as score_store
from evidence.store import Store

GROUP_NAMES = {"bo": "Bộ, cơ quan ngang Bộ", "cqtcp": "Cơ quan thuộc Chính phủ", "tinh": "Tỉnh, thành phố trực thuộc Trung ương"}


@dataclass
class AgencyReport:
    agency_id: str
    name: str
    group: str
    totals: dict[str, dict[str, Any]]                 # category (and "total") → stored total row
    items: list[dict[str, Any]]
    figures: list[dict[str, Any]]
    disputed: dict[str, dict[str, Any]] = field(default_factory=dict)   # item key → open dispute
    answers: dict[str, str] = field(default_factory=dict)               # item key → agree | dispute

    @property
    def final(self) -> bool:
        return not self.disputed

    def status(self, key: str) -> str:
        if key in self.disputed:
            return "đang khiếu nại"
        return "đã xác nhận" if self.answers.get(key) == "agree" else "chính thức"


@dataclass
class ReportData:
    year: int
    categories: dict[str, str]
    maxima: dict[str, dict[str, float]]
    agencies: list[AgencyReport]

    def group(self, group: str) -> list[AgencyReport]:
        """The group's agencies by overall rank (exempt categories do not change the order)."""
        members = [a for a in self.agencies if a.group == group and TOTAL in a.totals]
        return sorted(members, key=lambda a: (a.totals[TOTAL]["rank"] or 10**6, a.agency_id))


def load_report(store: Store, config: Config, year: int) -> ReportData:
    totals = score_store.score_rows(store, "score_totals", year)
    items = score_store.score_rows(store, "score_items", year)
    figures = score_store.score_rows(store, "score_figures", year)
    open_disputes = disputes.item_disputes(store, year, "open")
    answers = confirmations.confirmations(store, year)
    agencies = []
    for agency in config.agencies:
        report = AgencyReport(
            agency.id, agency.name, agency.group,
            {t["category"]: t for t in totals if t["agency_id"] == agency.id},
            [{**i, "reasons": json.loads(i["reasons"] or "[]")} for i in items if i["agency_id"] == agency.id],
            [{**f, "evidence": json.loads(f["evidence"] or "[]")} for f in figures if f["agency_id"] == agency.id],
            {d["item_key"]: d for d in open_disputes if d["agency_id"] == agency.id},
            {key: row["answer"] for (agency_id, key), row in answers.items() if agency_id == agency.id})
        agencies.append(report)
    table = config.scoring.table
    return ReportData(year, dict(table.categories), {g: dict(m) for g, m in table.maxima.items()}, agencies)


def category_cell(report: AgencyReport, category: str) -> tuple[str, str, str]:
    """(points, index, rank) as shown: exempt or absent categories show "—"."""
    row = report.totals.get(category)
    if row is None or row["exempt"]:
        return "—", "—", "—"
    return f"{row['points']:g}", f"{row['idx']:.3f}", str(row["rank"] or "—")
