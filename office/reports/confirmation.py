"""Per-agency confirmation sheets (R13): every figure and point used, where it came from, and two
columns for the agency's answer (đồng ý / không đồng ý) and its reason.

Each row has a key in column A: `figure:<id>` (a survey or measured figure), `criterion:<id>` (the
points of a criterion) or `service:<id>` (one declared service's verdict). `kiemtra confirm import`
reads the sheet back by those keys. A very hidden page `ID_SHEET` holds the sheet's id (cell
`ID_CELL`), under which the store keeps the agency, the year and the keys it was issued for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from evidence.confirmations import confirmation_rows
from office.reports.data import AgencyReport, ReportData
from office.xlsxform import put, put_at, put_row, write_header

SHEET = "Xác nhận"
AGENCY_CELL, YEAR_CELL = "C2", "C3"
HEADER_ROW = 5
COLUMNS = ("Khóa", "Loại", "Nội dung", "Giá trị", "Nguồn", "Bằng chứng", "Ý kiến", "Lý do (nếu không đồng ý)")
ANSWER_COL, REASON_COL = 7, 8
ID_SHEET, ID_CELL = "kiemtra", "B1"


def sheet_rows(report: AgencyReport, services: list[dict[str, Any]], base: str) -> list[tuple[Any, ...]]:
    """The sheet's rows: the same items the workspace's page shows (`evidence.confirmations.confirmation_rows`)."""
    return confirmation_rows(report.figures, report.items, services, base)


def sheet_keys(report: AgencyReport, services: list[dict[str, Any]]) -> list[str]:
    """The row keys of an agency's sheet, as issued."""
    return [str(row[0]) for row in sheet_rows(report, services, "")]


def write_sheet(data: ReportData, report: AgencyReport, services: list[dict[str, Any]], path: Path, *,
                evidence_url: str, sheet_id: str = "") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    put(sheet, 1, 1, f"Phiếu xác nhận số liệu đánh giá năm {data.year} — {report.name}").font = Font(bold=True, size=13)
    sheet["A2"], sheet["A3"] = "Mã cơ quan", "Năm đánh giá"
    put_at(sheet, AGENCY_CELL, report.agency_id)
    put_at(sheet, YEAR_CELL, data.year)
    write_header(sheet, HEADER_ROW, COLUMNS, (28, 14, 40, 12, 50, 50, 14, 40))
    answers = DataValidation(type="list", formula1='"đồng ý,không đồng ý"', allow_blank=True)
    sheet.add_data_validation(answers)
    for row, values in enumerate(sheet_rows(report, services, evidence_url.rstrip("/")), start=HEADER_ROW + 1):
        put_row(sheet, row, values)
        answers.add(sheet.cell(row, ANSWER_COL))
    if sheet_id:
        hidden = book.create_sheet(ID_SHEET)
        hidden.sheet_state = "veryHidden"  # not listed by Excel's "Unhide": the id is not for the agency to edit
        hidden["A1"] = "Mã phiếu (không sửa)"
        put_at(hidden, ID_CELL, sheet_id)
    book.save(path)
    return path
