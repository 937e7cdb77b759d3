"""The confirmation round (R13): reading an agency's answers, opening disputes, asking for re-checks.

A dispute names what it disputes by its row (a service, a criterion, a measured figure) and may
name more in its reason (service ids, portal criterion ids). Every service or criterion it names
gets a re-check request in the store (`evidence.recheck_requests.pending_recheck_requests`) for the crawl queue.
A dispute of a figure the agency itself declared asks for no crawl: the department corrects it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from configuration.loader import Config
from evidence import confirmations, recheck_requests
from evidence.store import Store
from kiemtra.errors import ConfigError, ConfigInvalid
from office.reports.confirmation import AGENCY_CELL, ANSWER_COL, HEADER_ROW, REASON_COL, SHEET, YEAR_CELL
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
    service_ids = {s.id for s in agency.services}
    portal_ids = {c.id for c in config.criteria}
    kind, _, ident = key.partition(":")
    found: list[tuple[str, str]] = []
    if kind == "service" and ident in service_ids:
        found.append(("service", ident))
    elif kind == "criterion" or (kind == "figure" and ident.startswith("kt_")):
        if ident.startswith(("c4", "kt_dvctt")):
            # Disputing category 4 re-checks the declared level-3/4 services unless the reason names some.
            named = [s for s in service_ids if re.search(rf"\b{re.escape(s)}\b", reason)]
            found += [("service", s) for s in sorted(named or {s.id for s in agency.services if s.declared_level >= 3})]
        else:
            found.append(("criterion", f"{agency_id}/{ident}"))
    found += [("service", s) for s in sorted(service_ids) if re.search(rf"\b{re.escape(s)}\b", reason)]
    found += [("criterion", f"{agency_id}/{c}") for c in sorted(portal_ids) if re.search(rf"\b{re.escape(c)}\b", reason)]
    return list(dict.fromkeys(found))


def import_answers(store: Store, config: Config, path: Path) -> ConfirmResult:
    """Read a returned confirmation sheet; store answers, open disputes, request re-checks."""
    if not path.exists():
        raise ConfigError("không có tệp", file=str(path), fix="chỉ đường dẫn tới phiếu xác nhận XLSX")
    book = open_workbook(path, "dùng phiếu XLSX do `kiemtra report` tạo", data_only=True)
    if SHEET not in book.sheetnames:
        raise ConfigError(f"không có trang '{SHEET}'", file=str(path), fix="dùng phiếu do `kiemtra report` tạo")
    sheet = book[SHEET]
    agency_id, year = str(sheet[AGENCY_CELL].value or "").strip(), sheet[YEAR_CELL].value
    problems: list[ConfigError] = []
    if agency_id not in {a.id for a in config.agencies}:
        problems.append(ConfigError(f"không có cơ quan '{agency_id}'", file=str(path), field=f"{SHEET}!{AGENCY_CELL}",
                                    fix="không sửa ô mã cơ quan"))
        raise ConfigInvalid(problems)
    answers = []
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        key = str(sheet.cell(row, 1).value or "").strip()
        answer = _answer(sheet.cell(row, ANSWER_COL).value)
        reason = str(sheet.cell(row, REASON_COL).value or "").strip()
        cell = sheet.cell(row, ANSWER_COL).coordinate
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
    result = ConfirmResult(agency_id, int(year))
    for row, key, answer, reason, evidence in answers:
        dispute_id = confirmations.record_answer(store, result.year, agency_id, key, answer, reason, path.name, row, evidence)
        if answer == "agree":
            result.agreed += 1
            continue
        if dispute_id is None:
            continue
        result.disputes.append(dispute_id)
        for kind, target in named_targets(config, agency_id, key, reason):
            result.recheck_requests.append(recheck_requests.request_recheck(
                store, kind=kind, target_id=target, agency_id=agency_id, dispute_id=dispute_id,
                reason=f"khiếu nại {key}: {reason}"))
    return result
