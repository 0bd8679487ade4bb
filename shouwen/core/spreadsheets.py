"""Spreadsheet cells that Excel, WPS and LibreOffice show as text and never run as formulas.

Every .xlsx the system writes goes through :func:`sheet_row`. A text that a spreadsheet program
could take for a formula (starting with = + - @, a tab or a carriage return, possibly after
spaces) is written as a text cell with the "quote prefix" style: the file holds no formula for it,
the program shows the text exactly as stored, and editing the cell later keeps it text (the style
is what a typed leading apostrophe sets). The text itself is not changed, so a file exported and
imported again gives back the same values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# What makes Excel or LibreOffice start a formula (or a DDE command such as =cmd|' /C calc'!A0).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
DATE_FORMAT = "yyyy-mm-dd"


def looks_like_formula(text: str) -> bool:
    """Return whether a spreadsheet program could read the text as a formula."""
    stripped = text.lstrip(" \u3000")
    return text.startswith(FORMULA_STARTS) or stripped.startswith(FORMULA_STARTS)


def text_cell(ws: Any, text: str, font: Font | None = None) -> WriteOnlyCell:
    """Return a write-only cell holding ``text`` as text, with the quote prefix when it looks like a formula."""
    cell = WriteOnlyCell(ws, value=text)
    # openpyxl turns "=…" into a formula cell and "#N/A" into an error cell; the text stays text.
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def sheet_row(ws: Any, values: Iterable[Any], font: Font | None = None) -> list[Any]:
    """Return a row for a write-only sheet: texts safe from formulas, dates formatted as dates."""
    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            row.append(text_cell(ws, value, font))
        elif isinstance(value, date) or font is not None:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if font is not None:
                cell.font = font
            row.append(cell)
        else:
            row.append(value)
    return row
