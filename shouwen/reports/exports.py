"""The monthly report as an Excel workbook: one sheet per table, numbers as numbers, texts formula-safe."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from shouwen.core.spreadsheets import sheet_row
from shouwen.reports.services import MonthlyReport, Table

BOLD = Font(bold=True)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _number(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet_title(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name = f"{base[:26]} {n}"
        n += 1
    used.add(name)
    return name


def _write_table(wb: Workbook, table: Table, used: set[str], heading: str) -> None:
    ws = wb.create_sheet(_sheet_title(table.title, used))
    ws.append(sheet_row(ws, [table.title], BOLD))
    ws.append(sheet_row(ws, [heading]))
    ws.append(sheet_row(ws, [table.row_label, *table.columns], BOLD))
    for label, values in table.rows:
        ws.append(sheet_row(ws, [label, *(_number(v) for v in values)]))
    if table.total is not None:
        ws.append(sheet_row(ws, [_("合计"), *(_number(v) for v in table.total)], BOLD))
    if table.note:
        ws.append(sheet_row(ws, [table.note]))


def report_workbook(report: MonthlyReport) -> bytes:
    """Return the .xlsx bytes of every table of the report, plus the rates with their definitions and the analysis."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    estates = "、".join(e.name for e in report.estates)
    heading = _("统计期间：%(p)s；小区：%(e)s") % {"p": report.period.label, "e": estates}
    for table in report.all_tables():
        _write_table(wb, table, used, heading)
    ws = wb.create_sheet(_sheet_title(_("指标定义"), used))
    ws.append(sheet_row(ws, [_("指标"), _("定义"), _("分子"), _("分母")], BOLD))
    for r in report.rates:
        ws.append(sheet_row(ws, [r.label, r.definition, r.numerator_label, r.denominator_label]))
    ws = wb.create_sheet(_sheet_title(_("分析"), used))
    ws.append(sheet_row(ws, [_("分析"), heading], BOLD))
    for paragraph in report.analysis:
        ws.append(sheet_row(ws, [paragraph]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
