"""Reading CSDL TTHC exports (CSV, JSON, XLSX) into the catalogue, in one transaction.

Columns are recognized by their header, with or without diacritics, in the spellings real
exports use (`ma_thu_tuc`, "Mã thủ tục", `MATTHC`...). Every bad row stops the import with one
line naming the file, the row and the fix; nothing already in the catalogue changes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.catalogue.normalize import fold, index_terms, normalize
from evidence import catalogue
from evidence.clock import utc_now
from evidence.store import Store
from kiemtra.errors import ConfigError

CODE = re.compile(r"^\d\.\d{6}$")
# Field → header spellings (folded, without spaces and underscores).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("mathutuc", "matthc", "ma", "code", "mathutuchanhchinh", "codenotation", "maso"),
    "name": ("tenthutuc", "tentthc", "ten", "name", "tenthutuchanhchinh", "thutuc"),
    "field": ("linhvuc", "field", "tenlinhvuc"),
    "level": ("capthuchien", "level", "cap"),
    "agency": ("coquanthuchien", "coquancothamquyen", "agency", "coquan"),
    "decision": ("soquyetdinh", "quyetdinh", "decision", "quyetdinhcongbo"),
    "kind": ("loaithutuc", "kind"),
    "channels": ("hinhthucnop", "cachthucthuchien", "channels", "hinhthucnopheuristic"),
    "status": ("trangthai", "status", "tinhtrang"),
}
WITHDRAWN_WORDS = ("bai bo", "het hieu luc", "withdrawn", "huy bo", "thu hoi")


@dataclass(frozen=True)
class Row:
    number: int            # the row number an inspector sees in the file (CSV/XLSX line, JSON index + 1)
    values: dict[str, Any]


def _key(header: Any) -> str:
    return re.sub(r"[\s_\-.]+", "", fold(str(header or "").strip().lower()))


def column_map(headers: Iterable[Any], file: str) -> dict[str, Any]:
    """Header → field, failing when the code or name column is missing."""
    found: dict[str, Any] = {}
    for header in headers:
        key = _key(header)
        for name, spellings in COLUMNS.items():
            if key in spellings and name not in found:
                found[name] = header
    for required, example in (("code", "ma_thu_tuc"), ("name", "ten_thu_tuc")):
        if required not in found:
            raise ConfigError(f"không tìm thấy cột {'mã' if required == 'code' else 'tên'} thủ tục (có các cột: "
                              f"{', '.join(str(h) for h in headers)})", file=file, line=1,
                              fix=f"đặt tên cột là {example} hoặc “{'Mã thủ tục' if required == 'code' else 'Tên thủ tục'}”")
    return found


def _csv_rows(path: Path) -> Iterator[Row]:
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    # Exports use ',' or, from Excel in Vietnamese locale, ';' (sometimes tabs): the header decides.
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    mapping = column_map(reader.fieldnames or [], str(path))
    for row in reader:
        if None in row:
            raise ConfigError(f"dòng có nhiều ô hơn tiêu đề ({len(reader.fieldnames or [])} cột)", file=str(path),
                              line=reader.line_num, fix="kiểm tra dấu phẩy trong tên; đặt tên có dấu phẩy trong ngoặc kép")
        yield Row(reader.line_num, {f: row.get(h) for f, h in mapping.items()})


def _json_rows(path: Path) -> Iterator[Row]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"JSON không hợp lệ: {exc.msg}", file=str(path), line=exc.lineno,
                          fix="xuất lại tệp JSON từ CSDL TTHC") from None
    items = document
    if isinstance(document, dict):
        items = next((v for v in document.values() if isinstance(v, list)), None)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError("JSON phải là một danh sách thủ tục (hoặc một đối tượng chứa danh sách đó)", file=str(path),
                          fix='dạng [{"ma_thu_tuc": "1.001193", "ten_thu_tuc": "..."}]')
    headers = list(dict.fromkeys(k for item in items for k in item))
    mapping = column_map(headers, str(path))
    for index, item in enumerate(items):
        yield Row(index + 1, {f: item.get(h) for f, h in mapping.items()})


def _xlsx_rows(path: Path) -> Iterator[Row]:
    from office.xlsxform import open_workbook, sheet_rows  # openpyxl only when an XLSX is read

    fix = "mở bằng Excel/LibreOffice và lưu lại dạng .xlsx"
    book = open_workbook(path, fix, read_only=True, data_only=True)
    sheet = book.active
    if sheet is None:
        raise ConfigError("tệp XLSX không có trang nào", file=str(path), fix=fix)
    rows = sheet_rows(sheet, path, fix)
    # Exports often carry a title above the table: the header is the first row naming a code column.
    for number, headers in enumerate(rows, start=1):  # noqa: B007 (read after the loop: the header's row)
        if any(_key(h) in COLUMNS["code"] for h in headers if h is not None):
            break
    else:
        raise ConfigError("không tìm thấy dòng tiêu đề có cột mã thủ tục", file=str(path), fix="thêm cột ma_thu_tuc")
    mapping = column_map([h for h in headers if h is not None], str(path))
    position = {f: list(headers).index(h) for f, h in mapping.items()}
    for offset, values in enumerate(rows, start=number + 1):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        yield Row(offset, {f: values[i] if i < len(values) else None for f, i in position.items()})
    book.close()


READERS = {".csv": _csv_rows, ".tsv": _csv_rows, ".json": _json_rows, ".xlsx": _xlsx_rows}


def read_records(path: Path) -> list[dict[str, Any]]:
    """Validated catalogue rows of one export file, with their index words."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ConfigError(f"không đọc được định dạng {path.suffix or '(không có đuôi)'}", file=str(path),
                          fix="dùng tệp .csv, .json hoặc .xlsx")
    if not path.is_file():
        raise ConfigError("không có tệp này", file=str(path), fix="kiểm tra đường dẫn")
    try:
        return validate(reader(path), str(path))
    except UnicodeDecodeError:
        raise ConfigError("tệp không phải UTF-8", file=str(path), fix="lưu lại tệp với mã hóa UTF-8") from None
    except csv.Error as exc:  # a field over csv.field_size_limit (128 KiB), a NUL byte...
        raise ConfigError(f"CSV không đọc được ({exc})", file=str(path),
                          fix="xuất lại tệp từ CSDL TTHC; mỗi ô một giá trị, không có ô dài bất thường") from None
    except RecursionError:
        raise ConfigError("JSON lồng quá sâu", file=str(path), fix="xuất lại tệp JSON từ CSDL TTHC") from None


def validate(rows: Iterable[Row], file: str) -> list[dict[str, Any]]:
    """Clean each row; the first bad row raises ConfigError naming its row and column."""
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        values = {k: ("" if v is None else str(v).strip()) for k, v in row.values.items()}
        code, name = values.get("code", ""), " ".join(values.get("name", "").split())
        if not CODE.match(code):
            raise ConfigError(f"mã thủ tục {code!r} không đúng dạng", file=file, line=row.number, field="ma_thu_tuc",
                              fix="mã thủ tục có dạng d.dddddd, ví dụ 1.001193")
        if not normalize(name).folded:
            raise ConfigError(f"tên thủ tục của mã {code} bị trống", file=file, line=row.number, field="ten_thu_tuc",
                              fix="điền tên thủ tục như trong quyết định công bố")
        if code in seen:
            raise ConfigError(f"mã {code} lặp lại (đã có ở dòng {seen[code]})", file=file, line=row.number,
                              field="ma_thu_tuc", fix="bỏ một trong hai dòng")
        seen[code] = row.number
        status = "withdrawn" if any(w in fold(values.get("status", "").lower()) for w in WITHDRAWN_WORDS) else "active"
        terms = " ".join(index_terms(normalize(name).tokens))
        records.append({**values, "code": code, "name": name, "status": status, "terms": terms})
    if not records:
        raise ConfigError("tệp không có thủ tục nào", file=file, fix="kiểm tra lại tệp xuất từ CSDL TTHC")
    return records


def import_file(store: Store, path: Path, *, source: str | None = None, full: bool = False) -> catalogue.ImportReport:
    """Read, validate and store one export; nothing is written unless the whole file is good."""
    records = read_records(path)
    return catalogue.upsert_procedures(store, records, source=source or f"tệp:{path.name}", now=utc_now(), full=full)


def import_records(store: Store, records: list[dict[str, Any]], *, source: str, full: bool = False) -> catalogue.ImportReport:
    """Store rows that came from elsewhere (the harvest spider), validated like a file's."""
    rows = validate((Row(i + 1, r) for i, r in enumerate(records)), source)
    return catalogue.upsert_procedures(store, rows, source=source, now=utc_now(), full=full)
