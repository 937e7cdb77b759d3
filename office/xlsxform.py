"""Small shared helpers for the XLSX forms and tables kiemtra sends out (survey forms, confirmation
sheets, report tables), and the one rule for every cell written from data.

A name that came from an agency, a crawled site or a file (`=HYPERLINK(...)`, `+cmd|...`, `@SUM`)
must never become a live formula when an inspector or an agency opens the file: every XLSX cell
from data goes through `put` (a number stays a number, anything else is typed as text), every CSV
cell through `csv_cell` (OWASP: a cell starting with = + - @, tab or CR gets a leading ').
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from kiemtra.errors import ConfigError

MAX_XLSX_INFLATED = 512 << 20  # a real form or export inflates to a few MB; 100,000 catalogue rows to about 60
MAX_XLSX_RATIO = 200           # XML deflates 5–20×; a bomb reaches 1000×


def _refuse_bomb(path: Path, fix: str) -> None:
    """An XLSX is a zip: refuse one whose members would inflate beyond reason, before openpyxl inflates them."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: load_workbook says so in its own words below
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_XLSX_INFLATED or (total > 1 << 20 and total > MAX_XLSX_RATIO * max(1, packed)):
        raise ConfigError(f"tệp XLSX giải nén ra {total:,} byte từ {packed:,} (bom zip?)", file=str(path), fix=fix)


def open_workbook(path: Path, fix: str, **options: Any) -> Workbook:
    """The workbook in `path`; a file that is not XLSX (or a zip bomb) is a ConfigError naming the file and `fix`."""
    _refuse_bomb(path, fix)
    try:
        return load_workbook(path, **options)
    except Exception as exc:  # openpyxl raises several unrelated types (zip, XML, KeyError) for a broken file
        raise ConfigError(f"không đọc được tệp XLSX ({type(exc).__name__})", file=str(path), fix=fix) from None


def sheet_rows(sheet: Any, path: Path, fix: str) -> Iterator[tuple[Any, ...]]:
    """The values of a sheet's rows; a read-only sheet parses lazily, so damage met half way is a ConfigError too."""
    rows = sheet.iter_rows(values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # the same unrelated types as open_workbook, raised while reading on
            raise ConfigError(f"không đọc được tệp XLSX ({type(exc).__name__})", file=str(path), fix=fix) from None
        yield row


def save_workbook(book: Workbook, path: Path) -> Path:
    """Write `book` to `path` (making its folder); a place that cannot be written is a ConfigError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except OSError as exc:
        raise ConfigError(f"không ghi được tệp ({type(exc).__name__})", file=str(path),
                          fix="chọn một đường dẫn trong thư mục ghi được (thư mục cha phải là thư mục, không phải tệp)") from None
    return path


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_of(value: Any) -> str:
    """`value` as text XLSX can hold: control characters XML forbids become U+FFFD instead of an error."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell from data: int/float stay numbers, None stays empty, anything else is text, never a formula."""
    cell = sheet.cell(row, column)
    if value is None:
        return cell
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    else:
        cell.value = text_of(value)
        cell.data_type = "s"  # openpyxl types a str starting with "=" as a formula; typed text is written as text
    return cell


def put_at(sheet: Worksheet, coordinate: str, value: Any) -> Cell:
    """`put` by coordinate ("C2")."""
    cell = sheet[coordinate]
    return put(sheet, cell.row, cell.column, value)


def put_row(sheet: Worksheet, row: int, values: Sequence[Any]) -> None:
    """Write a whole row from data with `put`, from column A."""
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value)


def csv_cell(value: Any) -> str:
    """A CSV cell from data; one a spreadsheet would read as a formula gets a leading ' (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def csv_row(values: Sequence[Any]) -> list[str]:
    return [csv_cell(v) for v in values]


def _is_number(text: str) -> bool:
    # "-2" or "-0.5" is a number, not a formula: it stays as it is so a sheet can still sum it.
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("inf", "infinity", "nan")


def write_header(sheet: Worksheet, row: int, columns: Sequence[str], widths: Sequence[float]) -> None:
    """A bold, shaded header row and the columns' widths, so every form reads alike."""
    for column, title in enumerate(columns, start=1):
        cell = put(sheet, row, column, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row, column).column_letter].width = width
