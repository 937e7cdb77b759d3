"""The XLSX workbook (one sheet per group: points, index and rank per category) and the CSV beside it."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from checks.scoring import TOTAL
from office.reports.data import GROUP_NAMES, AgencyReport, ReportData, category_cell
from office.xlsxform import csv_row, put, put_row

SHEET_NAMES = {"bo": "Bộ, ngành", "cqtcp": "Cơ quan thuộc CP", "tinh": "Tỉnh, thành phố"}


def header(data: ReportData) -> list[str]:
    columns = ["Nhóm", "Mã cơ quan", "Tên cơ quan"]
    for category in [*data.categories, TOTAL]:
        label = "Tổng" if category == TOTAL else category.upper()
        columns += [f"{label} điểm", f"{label} chỉ số", f"{label} hạng"]
    return columns + ["Tình trạng số liệu"]


def row_of(data: ReportData, report: AgencyReport) -> list[str]:
    cells = [report.group, report.agency_id, report.name]
    for category in [*data.categories, TOTAL]:
        cells += list(category_cell(report, category))
    status = "chính thức" if report.final else f"đang khiếu nại: {', '.join(sorted(report.disputed))}"
    return cells + [status]


def write_workbook(data: ReportData, path: Path) -> Path:
    book = Workbook()
    book.remove(book.active)
    for group in data.maxima:
        sheet = book.create_sheet(SHEET_NAMES[group])
        put(sheet, 1, 1, f"Kết quả đánh giá mức độ ứng dụng CNTT năm {data.year} — {GROUP_NAMES[group]}")
        sheet["A1"].font = Font(bold=True, size=13)
        put_row(sheet, 2, header(data))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row, report in enumerate(data.group(group), start=3):
            put_row(sheet, row, [_number(v) for v in row_of(data, report)])
        sheet.column_dimensions["C"].width = 40
    book.save(path)
    return path


def _number(value: str) -> str | float | int:
    # Numbers stay numbers in the workbook so the department can sort and sum them.
    try:
        number = int(value) if value.isdigit() else float(value)
    except ValueError:
        return value
    return number if math.isfinite(number) else value  # a name "nan" or "inf" stays a name


def write_csv(data: ReportData, path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(csv_row(header(data)))
        for group in data.maxima:
            for report in data.group(group):
                writer.writerow(csv_row(row_of(data, report)))
    return path
