"""Small shared helpers for the XLSX forms kiemtra sends out (survey forms, confirmation sheets)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from kiemtra.errors import ConfigError


def open_workbook(path: Path, fix: str, **options: Any) -> Workbook:
    """The workbook in `path`; a file that is not XLSX is a ConfigError naming the file and `fix`."""
    try:
        return load_workbook(path, **options)
    except Exception as exc:  # openpyxl raises several unrelated types (zip, XML, KeyError) for a broken file
        raise ConfigError(f"không đọc được tệp XLSX ({type(exc).__name__})", file=str(path), fix=fix) from None


def save_workbook(book: Workbook, path: Path) -> Path:
    """Write `book` to `path` (making its folder); a place that cannot be written is a ConfigError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except OSError as exc:
        raise ConfigError(f"không ghi được tệp ({type(exc).__name__})", file=str(path),
                          fix="chọn một đường dẫn trong thư mục ghi được (thư mục cha phải là thư mục, không phải tệp)") from None
    return path


def write_header(sheet: Worksheet, row: int, columns: Sequence[str], widths: Sequence[float]) -> None:
    """A bold, shaded header row and the columns' widths, so every form reads alike."""
    for column, title in enumerate(columns, start=1):
        cell = sheet.cell(row, column, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row, column).column_letter].width = width
