"""Inspector B's scores from a file, and the review status of every criterion (R1, R2).

A scores file (CSV or XLSX, first row headers) has one row per agency and criterion:
`agency_id, criterion_id, score` and optionally `note`. Vietnamese headers are accepted too
(`co_quan, tieu_chi, diem, ghi_chu`). Every problem names the file, the row and the fix.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from configuration.loader import Config
from evidence import portal as portal_store
from evidence.portal import statuses  # the review's state lives beside its tables; re-exported here
from evidence.store import Store
from kiemtra.errors import ConfigError, ConfigInvalid

__all__ = ["ImportedScore", "import_scores", "read_scores", "statuses"]

HEADERS = {"agency_id": "agency_id", "co_quan": "agency_id", "criterion_id": "criterion_id", "tieu_chi": "criterion_id",
           "score": "score", "diem": "score", "note": "note", "ghi_chu": "note"}


@dataclass(frozen=True)
class ImportedScore:
    agency_id: str
    criterion_id: str
    score: float
    max_points: float
    note: str
    line: int


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from office.xlsxform import open_workbook, sheet_rows

        fix = "lưu bảng điểm ở dạng .xlsx hoặc .csv"
        book = open_workbook(path, fix, read_only=True, data_only=True)
        if not book.worksheets:
            raise ConfigError("tệp XLSX không có trang nào", file=str(path), fix=fix)
        rows = sheet_rows(book.worksheets[0], path, fix)
        header = [str(h or "").strip().lower() for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield number, dict(zip(header, values, strict=False))
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            reader.fieldnames = [(h or "").strip().lower() for h in reader.fieldnames or []]
            for number, row in enumerate(reader, start=2):
                if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    yield number, row
    except UnicodeDecodeError:
        raise ConfigError("tệp không phải CSV dạng UTF-8", file=str(path),
                          fix="lưu bảng điểm ở dạng CSV UTF-8 hoặc .xlsx") from None
    except csv.Error as exc:  # a field over csv.field_size_limit (128 KiB), a NUL byte...
        raise ConfigError(f"CSV không đọc được ({exc})", file=str(path),
                          fix="lưu bảng điểm ở dạng CSV UTF-8 hoặc .xlsx, mỗi ô một giá trị") from None


def read_scores(path: Path, config: Config) -> list[ImportedScore]:
    """Validate a scores file against the config's agencies and criteria; ConfigInvalid lists every problem."""
    if not path.is_file():
        raise ConfigError("không có tệp", file=str(path), fix="chỉ đường dẫn tới tệp CSV hoặc XLSX")
    by_id = {c.id: c for c in config.criteria}
    groups = {a.id: a.group for a in config.agencies}
    problems: list[ConfigError] = []
    out: list[ImportedScore] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in _rows(path):
        row = {HEADERS[k]: v for k, v in raw.items() if k in HEADERS}

        def problem(message: str, field: str, fix: str, line: int = line) -> None:
            problems.append(ConfigError(message, file=str(path), line=line, field=field, fix=fix))

        agency, criterion = str(row.get("agency_id") or "").strip(), str(row.get("criterion_id") or "").strip()
        if agency not in groups:
            problem(f"không có cơ quan '{agency}'", "agency_id", "dùng id cơ quan trong config/agencies/")
            continue
        if criterion not in by_id:
            problem(f"không có tiêu chí '{criterion}'", "criterion_id", "dùng id trong config/criteria/portal.yaml")
            continue
        max_points = by_id[criterion].points.get(groups[agency])
        if max_points is None:
            problem(f"tiêu chí {criterion} không áp dụng cho nhóm {groups[agency]}", "criterion_id", "bỏ dòng này")
            continue
        try:
            score = float(str(row.get("score")).replace(",", "."))
        except ValueError:
            problem(f"điểm '{row.get('score')}' không phải số", "score", "ghi số, ví dụ 3 hoặc 2,5")
            continue
        if not math.isfinite(score):
            problem(f"điểm '{row.get('score')}' không phải số hữu hạn", "score", "ghi số, ví dụ 3 hoặc 2,5")
            continue
        if (agency, criterion) in seen:
            problem(f"{agency}/{criterion} lặp lại (đã có ở dòng {seen[(agency, criterion)]})", "criterion_id",
                    "mỗi cơ quan, tiêu chí một dòng: bỏ dòng thừa")
            continue
        seen[(agency, criterion)] = line
        if not 0 <= score <= max_points:
            problem(f"điểm {score:g} ngoài khoảng 0–{max_points:g}", "score", f"ghi điểm từ 0 đến {max_points:g}")
            continue
        out.append(ImportedScore(agency, criterion, score, max_points, str(row.get("note") or ""), line))
    if problems:
        raise ConfigInvalid(problems)
    return out


def import_scores(store: Store, path: Path, config: Config, *, inspector: str, role: str = "B") -> int:
    """Store the file's scores as one reviewer's; return how many changed."""
    changed = 0
    for item in read_scores(path, config):
        changed += portal_store.record_score(
            store, agency_id=item.agency_id, criterion_id=item.criterion_id, role=role, inspector=inspector,
            score=item.score, max_points=item.max_points, outcome="scored", source=f"import:{path.name}",
            reasons=[{"text": item.note}] if item.note else [], why=f"nhập từ {path.name} dòng {item.line}")
    return changed
