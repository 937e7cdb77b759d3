"""Small shared helpers for the XLSX forms kiemtra sends out (survey forms, confirmation sheets)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet


def write_header(sheet: Worksheet, row: int, columns: Sequence[str], widths: Sequence[float]) -> None:
    """A bold, shaded header row and the columns' widths, so every form reads alike."""
    for column, title in enumerate(columns, start=1):
        cell = sheet.cell(row, column, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row, column).column_letter].width = width
