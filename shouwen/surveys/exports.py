"""The survey results as an Excel file: every text through the formula-safe cells."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from shouwen.core.spreadsheets import sheet_row
from shouwen.surveys.models import Answer, Rating
from shouwen.surveys.services import RoundResult

BOLD = Font(bold=True)


def results_workbook(result: RoundResult, comments: Iterable[Answer]) -> Workbook:
    """Return a workbook: the response rate and each service's distribution, then the comments."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("征询结果"))
    survey = result.round
    ws.append(sheet_row(ws, [f"{survey.estate.name} {survey.title}"], BOLD))
    ws.append(sheet_row(ws, [_("填写期"), survey.opens_on, survey.closes_on]))
    ws.append(sheet_row(ws, [_("征询住户"), result.households]))
    ws.append(sheet_row(ws, [_("已填写"), result.responded]))
    rate = result.response_rate
    ws.append(sheet_row(ws, [_("回收率（%）"), float(rate) if rate is not None else None]))
    ws.append([])
    ws.append(
        sheet_row(
            ws,
            [_("题目"), *[str(label) for _v, label in Rating.choices], _("评价户数"), _("满意率（%）")],
            BOLD,
        )
    )
    for q in result.questions:
        sat = q.satisfaction
        ws.append(
            sheet_row(
                ws,
                [
                    q.question.text,
                    *[q.counts.get(v, 0) for v in Rating.values],
                    q.answered,
                    float(sat) if sat is not None else None,
                ],
            )
        )
    sheet = wb.create_sheet(_("意见建议"))
    sheet.append(
        sheet_row(sheet, [_("房屋"), _("填写时间"), _("方式"), _("题目"), _("意见"), _("登记的事项")], BOLD)
    )
    for a in comments:
        sheet.append(
            sheet_row(
                sheet,
                [
                    a.response.household.unit.label,
                    a.response.submitted_at.date(),
                    str(a.response.get_channel_display()),
                    a.question.text,
                    a.text,
                    a.case.number if a.case else "",
                ],
            )
        )
    return wb
