"""Per-agency confirmation sheets (R13): every figure and point used, where it came from, and two
columns for the agency's answer (đồng ý / không đồng ý) and its reason.

Each row has a key in column A: `figure:<id>` (a survey or measured figure), `criterion:<id>` (the
points of a criterion) or `service:<id>` (one declared service's verdict). `kiemtra confirm import`
reads the sheet back by those keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from office.reports.data import AgencyReport, ReportData
from office.xlsxform import write_header

SHEET = "Xác nhận"
AGENCY_CELL, YEAR_CELL = "C2", "C3"
HEADER_ROW = 5
COLUMNS = ("Khóa", "Loại", "Nội dung", "Giá trị", "Nguồn", "Bằng chứng", "Ý kiến", "Lý do (nếu không đồng ý)")
ANSWER_COL, REASON_COL = 7, 8


def sheet_rows(report: AgencyReport, services: list[dict[str, Any]], base: str) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for f in report.figures:
        link = base + f["link"] if f.get("link") else ""
        proof = "; ".join(f["evidence"][:5])
        rows.append((f"figure:{f['figure_id']}", "số liệu", f["figure_id"], f["value"], f["source"],
                     " ".join(x for x in (link, proof) if x)))
    for item in report.items:
        rows.append((f"criterion:{item['criterion_id']}", "điểm tiêu chí", item["criterion_id"],
                     f"{item['points']:g}/{item['max_points']:g}", "; ".join(item["reasons"]), ""))
    for s in services:
        found = "chưa kiểm tra" if s["level"] is None else f"mức {s['level']} ({s['mode']})"
        rows.append((f"service:{s['id']}", "dịch vụ công", s["name"], found, f"khai báo mức {s['declared_level']}",
                     f"{base}/dich-vu/{s['id']}"))
    return rows


def write_sheet(data: ReportData, report: AgencyReport, services: list[dict[str, Any]], path: Path, *,
                evidence_url: str) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet["A1"] = f"Phiếu xác nhận số liệu đánh giá năm {data.year} — {report.name}"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"], sheet[AGENCY_CELL] = "Mã cơ quan", report.agency_id
    sheet["A3"], sheet[YEAR_CELL] = "Năm đánh giá", data.year
    write_header(sheet, HEADER_ROW, COLUMNS, (28, 14, 40, 12, 50, 50, 14, 40))
    answers = DataValidation(type="list", formula1='"đồng ý,không đồng ý"', allow_blank=True)
    sheet.add_data_validation(answers)
    for row, values in enumerate(sheet_rows(report, services, evidence_url.rstrip("/")), start=HEADER_ROW + 1):
        for column, value in enumerate(values, start=1):
            sheet.cell(row, column, value)
        answers.add(sheet.cell(row, ANSWER_COL))
    book.save(path)
    return path
