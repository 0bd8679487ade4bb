"""The printable work order (业主报修处理登记表 / 维修工作单) as a PDF with an embedded CJK font.

ReportLab embeds a subset of a TrueType font, so the PDF shows (and its text extracts as) Chinese on
any reader. ReportLab cannot use CFF-flavoured OpenType fonts such as Noto Sans CJK, hence a
TrueType CJK font (Debian's fonts-wqy-microhei). Without one, generation stops with
:class:`CJKFontMissing` instead of printing empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from shouwen.access.masking import mask_phone
from shouwen.directory.models import Staff
from shouwen.workorders.models import WorkOrder

FONT_NAME = "ShouwenCJK"
# TrueType CJK fonts from Debian packages, in order of preference: (path, index inside a .ttc).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
# A character every candidate must have to count as a Chinese font.
PROBE = "维修工作单"


class CJKFontMissing(ImproperlyConfigured):
    """No TrueType font with Chinese characters was found, so no PDF can be made."""


_registered: str | None = None


def _candidates() -> list[tuple[str, int]]:
    configured = getattr(settings, "SHOUWEN_PDF_FONT", "")
    if configured:
        path, _sep, index = configured.partition("#")
        return [(path, int(index or 0))]
    return list(FONT_CANDIDATES)


def register_cjk_font() -> str:
    """Register a TrueType CJK font with ReportLab once and return its name; raise CJKFontMissing."""
    global _registered
    if _registered:
        return _registered
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    tried = []
    for path, index in _candidates():
        tried.append(path)
        if not Path(path).is_file():
            continue
        try:
            font = TTFont(FONT_NAME, path, subfontIndex=index)
        except (TTFError, OSError):
            continue
        if all(ord(ch) in font.face.charToGlyph for ch in PROBE):
            pdfmetrics.registerFont(font)
            _registered = FONT_NAME
            return FONT_NAME
    raise CJKFontMissing(
        "No TrueType CJK font for work-order PDFs (tried: "
        + ", ".join(tried)
        + "). Install Debian's fonts-wqy-microhei (apt-get install fonts-wqy-microhei) "
        "or set SHOUWEN_PDF_FONT=/path/to/font.ttc#index."
    )


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


@dataclass
class _Styles:
    title: object
    subtitle: object
    body: object
    small: object
    head: object


def _styles(font: str) -> _Styles:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return _Styles(
        title=ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1),
        subtitle=ParagraphStyle(
            "subtitle", parent=body, fontSize=9, leading=12, alignment=1, textColor="#555555"
        ),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor="#555555"),
        head=ParagraphStyle("head", parent=body, fontSize=11, leading=16, spaceBefore=6, spaceAfter=2),
    )


def _p(text: object, style: object) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text or "—")).replace("\n", "<br/>"), style)


def _grid(
    rows: Sequence[Sequence[object]], widths: Sequence[float], font: str, header: bool = False
) -> object:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table([list(r) for r in rows], colWidths=list(widths))
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")))
    table.setStyle(TableStyle(style))
    return table


def _pair_rows(pairs: Sequence[tuple[str, object]], st: _Styles) -> list[list[object]]:
    """Lay label/value pairs out two to a row of four cells."""
    rows = []
    for i in range(0, len(pairs), 2):
        row: list[object] = []
        for label, value in pairs[i : i + 2]:
            row += [_p(label, st.body), _p(value, st.body)]
        while len(row) < 4:
            row.append("")
        rows.append(row)
    return rows


def _material_rows(order: WorkOrder, st: _Styles) -> list[list[object]]:
    """The cost table: a header, each material not voided (or a line saying none), the totals."""
    rows: list[list[object]] = [
        [_("材料名称规格"), _("计量单位"), _("数量"), _("单价（元）"), _("金额（元）")]
    ]
    for line in order.materials.filter(voided_at__isnull=True).order_by("added_at", "pk"):
        rows.append(
            [
                _p(line.name, st.body),
                line.unit,
                f"{line.quantity.normalize():f}",
                f"{line.unit_price}",
                f"{line.amount}",
            ]
        )
    if len(rows) == 1:
        rows.append([_p(_("未使用材料"), st.body), "", "", "", ""])
    rows += [
        [_("材料费合计"), "", "", "", f"{order.materials_total}"],
        [_("人工费"), "", "", "", f"{order.labour}"],
        [_("合计"), "", "", "", f"{order.total}"],
    ]
    return rows


def _charge_rows(order: WorkOrder, st: _Styles) -> list[list[object]]:
    """Who pays and why: the charge, the warranty basis, an overridden proposal, the payment taken."""
    if order.paid is None:
        charge = _("未确定")
    elif order.paid:
        charge = _("有偿服务，住户应付 ¥%(total)s") % {"total": order.total}
    else:
        charge = _("保修期内/免费，住户不付费（费用 ¥%(total)s 由责任方承担）") % {"total": order.total}
    rows = [
        [_p(_("收费性质"), st.body), _p(charge, st.body)],
        [_p(_("保修依据"), st.body), _p(order.paid_proposal_reason, st.body)],
    ]
    if order.paid_override_reason:
        rows.append([_p(_("改变建议原因"), st.body), _p(order.paid_override_reason, st.body)])
    if order.paid_at:
        payment = _("%(method)s ¥%(amount)s，收据号 %(receipt)s，%(at)s") % {
            "method": order.get_payment_method_display(),
            "amount": order.payment_amount,
            "receipt": order.receipt_no,
            "at": _local(order.paid_at),
        }
        rows.append([_p(_("收费"), st.body), _p(payment, st.body)])
    return rows


def _signature_cell(order: WorkOrder, st: _Styles) -> object:
    """The resident's drawn signature, the reason they refused to sign, or "not signed"."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    if order.signature:
        with order.signature.open("rb") as handle:
            png = handle.read()
        return Image(io.BytesIO(png), width=60 * mm, height=22 * mm, kind="proportional")
    if order.signature_refused_reason:
        return _p(_("住户拒签：%(reason)s") % {"reason": order.signature_refused_reason}, st.body)
    return _p(_("未签字"), st.body)


def render_work_order_pdf(order: WorkOrder, *, printed_by: Staff | None = None) -> bytes:
    """Return the work order as a one- or two-page A4 PDF with everything the paper form records."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from shouwen.workorders.timeline import crew

    font = register_cjk_font()
    st = _styles(font)
    case = order.case
    origin = case.origin
    place = case.unit.label if case.unit else (case.public_area.name if case.public_area else "")
    people = crew(order)
    full = 180 * mm
    label_w, value_w = 26 * mm, 64 * mm

    story: list[object] = [
        _p(_("%(estate)s 维修工作单") % {"estate": case.estate.name}, st.title),
        _p(_("（业主报修处理登记表）"), st.subtitle),
        Spacer(1, 4 * mm),
    ]
    facts = [
        (_("工作单号"), order.number),
        (_("事项编号"), case.number),
        (_("类型"), order.get_kind_display()),
        (_("工种"), order.get_trade_display()),
        (_("地址"), f"{case.estate.name} {place} {origin.location}".strip()),
        (_("紧急程度"), order.get_urgency_display()),
        (_("报修人"), origin.caller_name or (case.resident.name if case.resident else "")),
        (_("联系电话"), mask_phone(origin.caller_phone)),
        (_("报修时间"), _local(origin.received_at)),
        (_("预约上门"), f"{_local(order.appointment_at)} {order.appointment_note}".strip()),
        (_("维修人员"), "、".join(f"{p.name}（{p.staff_no}）" for p in people)),
        (_("开单人"), f"{order.created_by.name}（{order.created_by.staff_no}）"),
    ]
    story.append(_grid(_pair_rows(facts, st), [label_w, value_w] * 2, font))
    story.append(
        _grid([[_p(_("报修内容"), st.body), _p(order.description, st.body)]], [label_w, full - label_w], font)
    )
    story.append(_p(_("时间"), st.head))
    times = [
        (_("开单"), _local(order.created_at)),
        (_("接单"), _local(order.accepted_at)),
        (_("出发"), _local(order.on_way_at)),
        (_("到场"), _local(order.arrived_at)),
        (_("完工"), _local(order.done_at)),
        (_("签字"), _local(order.signed_at)),
    ]
    story.append(_grid(_pair_rows(times, st), [label_w, value_w] * 2, font))
    story.append(_p(_("诊断与维修方案"), st.head))
    story.append(
        _grid(
            [
                [_p(_("故障诊断"), st.body), _p(order.diagnosis, st.body)],
                [_p(_("维修方案"), st.body), _p(order.plan, st.body)],
                [_p(_("维修责任"), st.body), _p(order.get_responsibility_display() or _("待确定"), st.body)],
            ],
            [label_w, full - label_w],
            font,
        )
    )
    story.append(_p(_("费用明细"), st.head))
    story.append(
        _grid(_material_rows(order, st), [80 * mm, 16 * mm, 22 * mm, 30 * mm, 32 * mm], font, header=True)
    )
    story.append(_grid(_charge_rows(order, st), [label_w, full - label_w], font))
    story.append(_p(_("住户意见与签字"), st.head))
    opinion = order.resident_opinion or "—"
    if order.resident_rating:
        opinion = f"{order.get_resident_rating_display()}。{order.resident_opinion}"
    story.append(
        _grid(
            [
                [_p(_("住户意见"), st.body), _p(opinion, st.body)],
                [_p(_("住户签字"), st.body), _signature_cell(order, st)],
                [_p(_("签字时间"), st.body), _p(_local(order.signed_at), st.body)],
            ],
            [label_w, full - label_w],
            font,
        )
    )
    story.append(Spacer(1, 4 * mm))
    printed = _("打印时间 %(at)s") % {"at": _local(timezone.now())}
    if printed_by is not None:
        printed += _("，打印人 %(name)s") % {"name": printed_by.name}
    story.append(_p(printed + _("。完工并签字后交回客户服务中心归档。"), st.small))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("维修工作单 %(number)s") % {"number": order.number},
        author=case.estate.name,
    )
    doc.build(story)
    return buffer.getvalue()
