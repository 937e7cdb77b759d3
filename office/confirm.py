"""The confirmation round (R13): reading an agency's answers, opening disputes, asking for re-checks.

A dispute names what it disputes by its row (a service, a criterion, a measured figure) and may
name more in its reason (service ids, portal criterion ids). Every service or criterion it names
gets a re-check request in the store (`evidence.recheck_requests.pending_recheck_requests`) for the crawl queue.
A dispute of a figure the agency itself declared asks for no crawl: the department corrects it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from configuration.loader import Config
from evidence import confirmations
from evidence.store import Store
from kiemtra.errors import ConfigError, ConfigInvalid
from office.reports.confirmation import AGENCY_CELL, ANSWER_COL, HEADER_ROW, ID_CELL, ID_SHEET, REASON_COL, SHEET, YEAR_CELL
from office.xlsxform import open_workbook

AGREE = {"đồng ý", "dong y", "agree", "đồng y", "x"}
DISPUTE = {"không đồng ý", "khong dong y", "dispute", "khiếu nại", "khieu nai"}


@dataclass
class ConfirmResult:
    agency_id: str
    year: int
    agreed: int = 0
    disputes: list[int] = field(default_factory=list)
    recheck_requests: list[int] = field(default_factory=list)


def _answer(raw: object) -> str | None:
    text = unicodedata.normalize("NFC", str(raw or "")).strip().lower()
    if not text:
        return None
    return "agree" if text in AGREE else "dispute" if text in DISPUTE else "?"


def named_targets(config: Config, agency_id: str, key: str, reason: str) -> list[tuple[str, str]]:
    """(kind, target id) to re-check for a disputed row: its own target and those its reason names."""
    agency = config.agency(agency_id)
    return confirmations.recheck_targets(agency_id, key, reason,
                                         services={s.id: s.declared_level for s in agency.services},
                                         criteria=[c.id for c in config.criteria])


def _issued(store: Store, book: Workbook, path: Path) -> dict[str, Any]:
    """The issued sheet a returned file names in its hidden page; ConfigError when it names none the store knows."""
    fix = "dùng phiếu do `kiemtra report` tạo và gửi cho cơ quan, không chép sang tệp khác"
    raw = book[ID_SHEET][ID_CELL].value if ID_SHEET in book.sheetnames else None
    sheet_id = str(raw or "").strip()
    if not sheet_id:
        raise ConfigError("phiếu không có mã phiếu (trang ẩn kiemtra)", file=str(path), field=f"{ID_SHEET}!{ID_CELL}", fix=fix)
    issued = confirmations.issued_sheet(store, sheet_id[:64])
    if issued is None:
        raise ConfigError(f"mã phiếu '{sheet_id[:40]}' không phải của phiếu nào đã phát từ kho này", file=str(path),
                          field=f"{ID_SHEET}!{ID_CELL}", fix=fix)
    return issued


def _year(value: object) -> int | None:
    """A year cell as an int, or None when it holds text, a fraction, a bool or nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def import_answers(store: Store, config: Config, path: Path) -> ConfirmResult:
    """Read a returned confirmation sheet; store answers, open disputes, request re-checks."""
    if not path.exists():
        raise ConfigError("không có tệp", file=str(path), fix="chỉ đường dẫn tới phiếu xác nhận XLSX")
    book = open_workbook(path, "dùng phiếu XLSX do `kiemtra report` tạo", data_only=True)
    if SHEET not in book.sheetnames:
        raise ConfigError(f"không có trang '{SHEET}'", file=str(path), fix="dùng phiếu do `kiemtra report` tạo")
    sheet = book[SHEET]
    issued = _issued(store, book, path)
    agency_id, year = str(sheet[AGENCY_CELL].value or "").strip(), _year(sheet[YEAR_CELL].value)
    problems: list[ConfigError] = []

    def problem(cell: str, message: str, fix: str) -> None:
        problems.append(ConfigError(message, file=str(path), field=f"{SHEET}!{cell}", fix=fix))

    if agency_id != issued["agency_id"]:
        problem(AGENCY_CELL, f"phiếu được phát cho cơ quan '{issued['agency_id']}', ô mã cơ quan ghi '{agency_id}'",
                "không sửa ô mã cơ quan; mỗi cơ quan gửi lại đúng phiếu của mình")
    elif agency_id not in {a.id for a in config.agencies}:
        problem(AGENCY_CELL, f"không có cơ quan '{agency_id}' trong cấu hình", "dùng phiếu do `kiemtra report` tạo")
    if year != issued["year"]:
        problem(YEAR_CELL, f"phiếu được phát cho năm {issued['year']}, ô năm ghi '{sheet[YEAR_CELL].value}'",
                "không sửa ô năm đánh giá")
    if problems:
        raise ConfigInvalid(problems)
    keys, seen = set(issued["item_keys"]), dict[str, int]()
    answers = []
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        key = str(sheet.cell(row, 1).value or "").strip()
        answer = _answer(sheet.cell(row, ANSWER_COL).value)
        reason = str(sheet.cell(row, REASON_COL).value or "").strip()
        cell = sheet.cell(row, ANSWER_COL).coordinate
        if key and key not in keys:
            problem(sheet.cell(row, 1).coordinate, f"khóa '{key}' không có trong phiếu đã phát",
                    "không sửa, không thêm dòng ở cột A; lấy lại phiếu do `kiemtra report` tạo")
            continue
        if key and key in seen:
            problem(sheet.cell(row, 1).coordinate, f"khóa '{key}' lặp lại (đã có ở dòng {seen[key]})", "bỏ dòng chép thừa")
            continue
        seen[key] = row
        if not key or answer is None:
            continue
        if answer == "?":
            problems.append(ConfigError(f"ý kiến '{sheet.cell(row, ANSWER_COL).value}' không hợp lệ", file=str(path),
                                        field=f"{SHEET}!{cell}", fix="ghi 'đồng ý' hoặc 'không đồng ý'"))
        elif answer == "dispute" and not reason:
            problems.append(ConfigError("không đồng ý nhưng không nêu lý do", file=str(path),
                                        field=f"{SHEET}!{sheet.cell(row, REASON_COL).coordinate}",
                                        fix="ghi lý do và dịch vụ, tiêu chí cần kiểm tra lại"))
        else:
            evidence = [str(sheet.cell(row, c).value) for c in (3, 4, 5, 6) if sheet.cell(row, c).value not in (None, "")]
            answers.append((row, key, answer, reason, evidence))
    if problems:
        raise ConfigInvalid(problems)
    result = ConfirmResult(agency_id, issued["year"])
    for row, key, answer, reason, evidence in answers:
        # The same call as the workspace's page (evidence/web/confirmation.py): one disputes model for both paths.
        answered = confirmations.answer_item(
            store, year=result.year, agency_id=agency_id, item_key=key, answer=answer, reason=reason,
            source_file=path.name, row=row, evidence=evidence,
            targets=named_targets(config, agency_id, key, reason) if answer == "dispute" else [])
        if answer == "agree":
            result.agreed += 1
        elif answered.dispute_id is not None:
            result.disputes.append(answered.dispute_id)
            result.recheck_requests += answered.recheck_requests
    return result
