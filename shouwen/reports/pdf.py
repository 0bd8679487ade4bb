"""The monthly report as a PDF: the analysis, the tables and vector charts, in Chinese with an embedded font.

The charts are drawn with reportlab.graphics, so they are vector drawings inside the PDF (sharp when
printed) and need no browser on the server. The font is the work order PDF's TrueType CJK font.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from shouwen.reports.services import MonthlyReport, Table
from shouwen.workorders.pdf import register_cjk_font

BRAND = "#0b6e4f"
ALERT = "#b42318"


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value}"
    return str(value)


def _styles(font: str) -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1),
        "sub": ParagraphStyle("sub", parent=body, fontSize=10, alignment=1, textColor="#555555"),
        "head": ParagraphStyle("head", parent=body, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor="#555555"),
    }


def _table(table: Table, st: dict[str, Any], width: float) -> list[Any]:
    from reportlab.platypus import Paragraph, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    cell = st["cell"]
    data = [[Paragraph(escape(table.row_label), cell), *(Paragraph(escape(c), cell) for c in table.columns)]]
    for label, values in table.rows:
        data.append([Paragraph(escape(label), cell), *(_fmt(v) for v in values)])
    if table.total is not None and table.rows:
        data.append([Paragraph(escape(_("合计")), cell), *(_fmt(v) for v in table.total)])
    if not table.rows:
        data.append([Paragraph(escape(_("本期没有数据")), cell), *([""] * len(table.columns))])
    first = min(width * 0.34, 150)
    rest = (width - first) / max(len(table.columns), 1)
    t = PdfTable(data, colWidths=[first] + [rest] * len(table.columns), repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st["body"].fontName),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.4, "#9aa5b1"),
                ("BACKGROUND", (0, 0), (-1, 0), "#e6f4ef"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    out: list[Any] = [Paragraph(escape(table.title), st["head"]), t]
    if table.note:
        out.append(Paragraph(escape(table.note), st["small"]))
    out.append(Spacer(1, 4))
    return out


def _bar_chart(
    names: list[str],
    values: list[float],
    font: str,
    width: float,
    *,
    targets: list[float] | None = None,
    max_value: float | None = None,
    colour: str = BRAND,
) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(width, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 50, width - 60, 125
    series = [values] + ([targets] if targets else [])
    chart.data = series
    chart.valueAxis.valueMin = 0
    top = max([*values, *(targets or []), 1])
    chart.valueAxis.valueMax = max_value or top * 1.15
    chart.valueAxis.labels.fontName = font
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(names) > 5 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(names) > 5 else "n"
    chart.bars[0].fillColor = colors.HexColor(colour)
    if targets:
        chart.bars[1].fillColor = colors.HexColor("#cbd2d9")
    chart.barLabelFormat = "%s"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6.5
    chart.barLabels.nudge = 6
    drawing.add(chart)
    if targets:
        drawing.add(String(width - 150, 180, _("深色：实际；浅色：目标"), fontName=font, fontSize=7))
    return drawing


def _pie(names: list[str], values: list[int], font: str, width: float) -> Any:
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing

    drawing = Drawing(width, 180)
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = width / 2 - 70, 15, 140, 140
    kept = [(n, v) for n, v in zip(names, values, strict=True) if v]
    pie.data = [v for _n, v in kept] or [1]
    pie.labels = [f"{n} {v}" for n, v in kept] or [_("本期没有数据")]
    pie.simpleLabels = 0
    pie.slices.fontName = font
    pie.slices.fontSize = 7
    pie.slices.label_pointer_piePad = 6
    drawing.add(pie)
    return drawing


def report_pdf(report: MonthlyReport) -> bytes:
    """Return the PDF bytes of the monthly report."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    font = register_cjk_font()
    st = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("客服中心月度报告 %(p)s") % {"p": report.period.label},
    )
    width = A4[0] - 30 * mm
    estates = "、".join(e.name for e in report.estates)
    story: list[Any] = [
        Paragraph(escape(_("客服中心月度报告")), st["title"]),
        Paragraph(
            escape(
                _("统计期间 %(p)s · %(e)s · 生成于 %(t)s")
                % {"p": report.period.label, "e": estates, "t": f"{timezone.localtime():%Y-%m-%d %H:%M}"}
            ),
            st["sub"],
        ),
        Paragraph(escape(_("一、分析")), st["head"]),
    ]
    story += [Paragraph(escape(p), st["body"]) for p in report.analysis]
    story.append(Paragraph(escape(_("二、来电来访分类统计")), st["head"]))
    rows = report.comparison.rows
    story.append(_pie([r[0] for r in rows], [r[1][0] for r in rows], font, width))
    story += _table(report.comparison, st, width)
    story.append(Paragraph(escape(_("三、服务指标")), st["head"]))
    with_value = [r for r in report.rates if r.percent is not None]
    story.append(
        _bar_chart(
            [r.label for r in with_value],
            [float(r.percent or 0) for r in with_value],
            font,
            width,
            targets=[float(r.target) if r.target is not None else 0.0 for r in with_value],
            max_value=110,
        )
    )
    from shouwen.reports.services import rates_table

    story += _table(rates_table(report.rates), st, width)
    for r in report.rates:
        story.append(Paragraph(escape(f"{r.label}：{r.definition}"), st["small"]))
    if len(report.estates) > 1:
        story += _table(report.estate_rates, st, width)
    story.append(Paragraph(escape(_("四、分项统计")), st["head"]))
    for t in report.tables.values():
        story += _table(t, st, width)
    story.append(Paragraph(escape(_("五、重复问题")), st["head"]))
    for t in (
        report.recurring.places,
        report.recurring.callers,
        report.recurring.reopened,
        report.recurring.developer,
    ):
        story += _table(t, st, width)
    doc.build(story)
    return out.getvalue()
