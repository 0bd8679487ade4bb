"""The receipt a resident can quote (case number, first-contact owner), printed or as a text message."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.cases import transitions
from shouwen.cases.lib import Kind
from shouwen.cases.lib import lock_case as _lock
from shouwen.cases.lib import record_event as _event
from shouwen.cases.lib import save_case as _save
from shouwen.cases.models import (
    Case,
    CaseEvent,
)
from shouwen.directory.models import Staff


def promised_time(case: Case) -> datetime | None:
    """Return the time the resident is promised a definite answer (000 篇3 明确回复具体期限).

    The first-answer deadline when the case has one, otherwise the resolution deadline; the deadlines
    are the sla app's rows, read here through the case's reverse relation.
    """
    running = {
        kind: due
        for kind, due in case.deadlines.filter(
            kind__in=["first_answer", "resolution"], state="running", due_at__isnull=False
        ).values_list("kind", "due_at")
    }
    return running.get("first_answer") or running.get("resolution")


def receipt_text(case: Case, *, link: bool = True) -> str:
    """Return the receipt as a text message: the number to quote, who is accountable, what next.

    With ``link``, the signed link that opens the case in the residents' portal ends the message. It
    is a key to the case's portal page, so it is only sent, never kept in the timeline or shown to staff.
    """
    holder = case.accountable or case.first_contact
    promised = promised_time(case)
    return (
        _(
            "【%(estate)s客服中心】您反映的事项已受理，编号 %(number)s（%(category)s），首问责任人%(surname)s（工号%(staff_no)s）。"
            "查询进度请报此编号。"
        )
        % {
            "estate": case.estate.name,
            "number": case.number,
            "category": case.get_category_display(),
            "surname": case.first_contact.surname,
            "staff_no": case.first_contact.staff_no,
        }
        + ("" if holder == case.first_contact else _("当前由%(name)s跟进。") % {"name": holder.name})
        + ("" if promised is None else _("我们将在 %(time)s 前给您答复。") % {"time": _local(promised)})
        + (_portal_link(case) if link else "")
    )


def _portal_link(case: Case) -> str:
    """Return the sentence with the signed link that opens this case in the residents' portal, if any."""
    if case.resident_id is None:
        return ""
    from shouwen.portal.signin import link_url

    return _("查看进度：%(url)s") % {"url": link_url(case.pk, case.resident_id)}


def promised_label(case: Case) -> str:
    """Return the promised answer time as the receipt prints it ("" without a deadline)."""
    promised = promised_time(case)
    return "" if promised is None else _local(promised)


def _local(at: datetime) -> str:
    """Return a deadline as the resident reads it (a limit at midnight is 24:00 of the day before)."""
    local = timezone.localtime(at)
    if local.hour == 0 and local.minute == 0:
        return f"{local.date() - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


class SmsLimitReached(ValidationError):
    """The case has had as many text messages to the resident as one day allows; ``wait`` seconds to the next."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message, code="sms_limit")
        self.wait = wait


def check_sms_limit(case: Case) -> None:
    """Refuse a text message to the resident beyond SHOUWEN_SMS_PER_CASE_PER_DAY in 24 hours (case locked)."""
    limit = settings.SHOUWEN_SMS_PER_CASE_PER_DAY
    now = timezone.now()
    day = timedelta(days=1)
    sent = list(
        CaseEvent.objects.filter(case=case, kind=Kind.RECEIPT_SENT, at__gt=now - day)
        .exclude(data__status="failed")  # a message the gateway refused reached nobody
        .order_by("at")
        .values_list("at", flat=True)[:limit]
    )
    if len(sent) < limit:
        return
    free_at = sent[0] + day  # when the oldest of them leaves the 24 hours
    raise SmsLimitReached(
        _(
            "该事项 24 小时内已给住户发送 %(limit)s 条短信，已达上限，请在 %(time)s 之后再发送，或改为电话告知。"
        )
        % {"limit": limit, "time": timezone.localtime(free_at).strftime("%m-%d %H:%M")},
        wait=(free_at - now).total_seconds(),
    )


def send_receipt(staff: Staff, case: Case) -> str:
    """Send the receipt to the caller's phone as a text message and record it in the timeline.

    The message is counted against the day's limit in a short transaction under the case's lock (so
    parallel resends cannot both pass), then the gateway is called outside any transaction (a slow one
    holds no lock), and the entry is marked sent or failed.
    """
    from shouwen.core.sms import send_sms

    event, phone = _reserve_receipt(staff, case)
    result = send_sms(phone, event.text + _portal_link(case))
    _finish_receipt(event, result.ok, result.reference, result.error)
    if not result.ok:
        raise ValidationError(_("短信发送失败：%(error)s") % {"error": result.error})
    return event.text


@transaction.atomic
def _reserve_receipt(staff: Staff, case: Case) -> tuple[CaseEvent, str]:
    case = _lock(case)
    transitions.check("send_receipt", staff, case)
    check_sms_limit(case)
    phone = case.origin.caller_phone
    if not phone and case.resident_id:
        first = case.resident.phones.first()  # type: ignore[union-attr]
        phone = first.number if first else ""
    if not phone:
        raise ValidationError(_("没有可发送短信的电话号码。"))
    event = _event(case, staff, Kind.RECEIPT_SENT, receipt_text(case, link=False), status="sending")
    _save(case)
    return event, phone


@transaction.atomic
def _finish_receipt(event: CaseEvent, ok: bool, reference: str, error: str) -> None:
    # The entry stays on the timeline either way: what was tried, and whether it went out.
    event.data = {**event.data, "status": "sent" if ok else "failed", "reference": reference}
    if not ok:
        event.data["error"] = error[:200]
    event.save(update_fields=["data"])
