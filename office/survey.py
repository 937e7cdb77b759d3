"""Survey forms 1A/2A/3A (R13): the XLSX template per group, and reading filled forms back.

The form is one sheet (`Phiếu 1A` for ministries, `Phiếu 2A` for agencies under the Government,
`Phiếu 3A` for provinces) with the agency id and year at the top and one row per figure the group
is asked (config/scoring.yaml, `source: survey`). Reading checks every cell and reports each problem
as "file: sheet!cell: what is wrong — fix". A required figure left empty is not an error: it is kept
as missing, and the criteria that read it score zero with that reason (R10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from configuration.loader import Config
from configuration.scoring import FigureSpec, ScoringConfig
from kiemtra.errors import ConfigError, ConfigInvalid
from office.xlsxform import open_workbook, put, put_at, save_workbook, write_header

SHEETS = {"bo": "Phiếu 1A", "cqtcp": "Phiếu 2A", "tinh": "Phiếu 3A"}
TITLES = {"bo": "Bộ, cơ quan ngang Bộ", "cqtcp": "Cơ quan thuộc Chính phủ", "tinh": "Tỉnh, thành phố trực thuộc Trung ương"}
AGENCY_CELL, YEAR_CELL = "C3", "C4"
HEADER_ROW = 6
COLUMNS = ("Mã số liệu", "Hạng mục", "Nội dung", "Đơn vị", "Kiểu", "Giá trị", "Ghi chú")
VALUE_COL, NOTE_COL = 6, 7
YES = {"có", "co", "x", "1", "yes", "true", "đạt"}
NO = {"không", "khong", "0", "no", "false"}


@dataclass
class SurveyForm:
    """One filled form as read: the agency, the year, each figure's value (None: left empty) and cell."""

    agency_id: str
    group: str
    year: int
    sheet: str
    values: dict[str, float | None] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)

    def rows(self, source_file: str) -> list[dict[str, Any]]:
        return [{"figure_id": fid, "value": value, "note": self.notes.get(fid, ""), "source_file": source_file,
                 "sheet": self.sheet, "cell": self.cells[fid]} for fid, value in self.values.items()]


def write_template(path: Path, group: str, scoring: ScoringConfig, *, agency_id: str = "", year: int | None = None) -> Path:
    """Write the blank form of a group (optionally with the agency and year filled in)."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEETS[group]
    form = sheet.title.split()[-1]
    # The Decision's appendices are not all at hand: the form says which parts are kiemtra's defaults.
    sheet["A1"] = (f"PHIẾU KHẢO SÁT {form} — {TITLES[group]} (mẫu của kiemtra theo Phụ lục {form}, Quyết định "
                   "2342/QĐ-BTTTT; số liệu ngoài hạng mục 1 mục 1–5 là mặc định kiemtra, chưa có phụ lục gốc)")
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A3"], sheet["A4"] = "Mã cơ quan (id trong danh sách cơ quan)", "Năm đánh giá"
    put_at(sheet, AGENCY_CELL, agency_id or None)
    put_at(sheet, YEAR_CELL, year)
    write_header(sheet, HEADER_ROW, COLUMNS, (24, 30, 60, 12, 10, 14, 30))
    yes_no = DataValidation(type="list", formula1='"có,không"', allow_blank=True)
    sheet.add_data_validation(yes_no)
    for row, figure in enumerate(scoring.survey_figures(group), start=HEADER_ROW + 1):
        values = (figure.id, scoring.table.categories[figure.category], figure.name, figure.unit,
                  "có/không" if figure.type == "yes_no" else "số")
        for column, value in enumerate(values, start=1):
            put(sheet, row, column, value).alignment = Alignment(wrap_text=column == 3, vertical="top")
        if figure.type == "yes_no":
            yes_no.add(sheet.cell(row, VALUE_COL))
    guide = book.create_sheet("Hướng dẫn")
    for row, text in enumerate((
            "Ghi mã cơ quan và năm đánh giá ở ô C3, C4.",
            "Ghi giá trị vào cột F (Giá trị): số không âm; với kiểu có/không ghi 'có' hoặc 'không'.",
            "Không đổi cột A (Mã số liệu) và không thêm, bớt dòng.",
            "Số liệu bắt buộc để trống: các tiêu chí dùng số liệu đó được 0 điểm (QĐ 2342 mục 5.3.b).",
            "Mẫu phiếu và các số liệu ngoài hạng mục 1 (mục 1–5) là mặc định của kiemtra khi chưa có phụ lục gốc "
            "của Quyết định; xem config/scoring.yaml (basis)."), start=1):
        guide.cell(row, 1, text)
    return save_workbook(book, path)


def read_form(path: Path, config: Config, *, year: int | None = None) -> SurveyForm:
    """Read and validate one filled form; ConfigInvalid lists every problem (sheet, cell, what, fix)."""
    if not path.exists():
        raise ConfigError("không có tệp", file=str(path), fix="chỉ đường dẫn tới tệp XLSX của phiếu khảo sát")
    book = open_workbook(path, "lưu phiếu ở dạng .xlsx", data_only=True)
    group = next((g for g, name in SHEETS.items() if name in book.sheetnames), None)
    if group is None:
        raise ConfigError("không có trang Phiếu 1A, 2A hoặc 3A", file=str(path),
                          fix="dùng mẫu của `kiemtra survey template`")
    sheet = book[SHEETS[group]]
    problems: list[ConfigError] = []

    def problem(cell: str, message: str, fix: str) -> None:
        problems.append(ConfigError(message, file=str(path), field=f"{sheet.title}!{cell}", fix=fix))

    agency_id = str(sheet[AGENCY_CELL].value or "").strip()
    groups = {a.id: a.group for a in config.agencies}
    if agency_id not in groups:
        problem(AGENCY_CELL, f"không có cơ quan '{agency_id}'", "ghi id cơ quan như trong config/agencies/")
    elif groups[agency_id] != group:
        problem(AGENCY_CELL, f"cơ quan {agency_id} thuộc nhóm {groups[agency_id]}, không dùng {sheet.title}",
                f"dùng {SHEETS[groups[agency_id]]}")
    form_year = _year(sheet[YEAR_CELL].value)
    if year is None and form_year is None:
        problem(YEAR_CELL, f"năm '{sheet[YEAR_CELL].value}' không hợp lệ", "ghi năm đánh giá, ví dụ 2024")
    form = SurveyForm(agency_id, group, year or form_year or 0, sheet.title)
    asked = {f.id: f for f in config.scoring.survey_figures(group)}
    seen: set[str] = set()
    first: dict[str, str] = {}
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        code = str(sheet.cell(row, 1).value or "").strip()
        if not code:
            continue
        cell = sheet.cell(row, VALUE_COL).coordinate
        if code not in asked:
            problem(sheet.cell(row, 1).coordinate, f"mã số liệu '{code}' không có trong {sheet.title}",
                    "không sửa cột A; lấy lại mẫu bằng `kiemtra survey template`")
            continue
        if code in seen:
            problem(sheet.cell(row, 1).coordinate, f"mã số liệu {code} lặp lại (đã có ở ô {first[code]})",
                    "mỗi số liệu một dòng: xóa dòng chép thừa")
            continue
        seen.add(code)
        first[code] = sheet.cell(row, 1).coordinate
        value, error = _parse(asked[code], sheet.cell(row, VALUE_COL).value)
        if error:
            problem(cell, error[0], error[1])
            continue
        form.values[code], form.cells[code] = value, cell
        form.notes[code] = str(sheet.cell(row, NOTE_COL).value or "")
        if value is None and asked[code].required:
            form.empty.append(code)
    for code in sorted(asked.keys() - seen):
        problem("A", f"thiếu dòng số liệu {code}", "không xóa dòng; lấy lại mẫu bằng `kiemtra survey template`")
    for code, value in form.values.items():
        limit = asked[code].at_most
        if not limit:
            continue
        bound = form.values.get(limit)
        if value is not None and bound is not None and value > bound:
            problem(form.cells[code], f"{code} = {value:g} lớn hơn {limit} = {bound:g}",
                    f"sửa lại: {asked[code].name} không thể vượt {asked[limit].name}")
    if problems:
        raise ConfigInvalid(problems)
    return form


def _year(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 2000 <= number <= 2100 else None


def _parse(figure: FigureSpec, raw: Any) -> tuple[float | None, tuple[str, str] | None]:
    """A cell's value, or (message, fix) when it cannot be one."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if figure.type == "yes_no":
        text = str(raw).strip().lower()
        if text in YES:
            return 1.0, None
        if text in NO:
            return 0.0, None
        return None, (f"'{raw}' không phải có/không", "ghi 'có' hoặc 'không'")
    if isinstance(raw, bool):
        return None, (f"'{raw}' không phải số", "ghi một số ≥ 0")
    try:
        number = float(raw) if isinstance(raw, (int, float)) else float(str(raw).strip().replace(" ", "").replace(",", "."))
    except ValueError:
        return None, (f"'{raw}' không phải số", "ghi một số ≥ 0, ví dụ 120 hoặc 2,5")
    if not math.isfinite(number):
        # inf, 1e999 and nan parse as floats; one of them made every agency's score NaN (issue 12).
        return None, (f"'{raw}' không phải số hữu hạn", "ghi một số ≥ 0, ví dụ 120 hoặc 2,5")
    if number < 0:
        return None, (f"{number:g} là số âm", "ghi một số ≥ 0")
    return number, None
