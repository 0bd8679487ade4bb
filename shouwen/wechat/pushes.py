"""Status changes of a bound follower's cases pushed as template messages, sent by the worker.

A timeline event of one of the kinds below creates a pending push for every subscribed follower
bound to the case's resident (on the estate's account); ``deliver_pushes`` sends them through the
backend with retries. Registration is not pushed for a case that came in through WeChat: the
passive reply already carried its number. Pushes name the accountable person only by surname and
staff number, never internal notes.

The template's fields are WeChat's usual ``first``, ``keyword1`` (case number), ``keyword2``
(status), ``keyword3`` (time) and ``remark``; the account's template must have them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shouwen.cases.models import Case, CaseEvent, Channel
from shouwen.wechat.backends import get_backend
from shouwen.wechat.models import Follower, PushStatus, TemplatePush

logger = logging.getLogger("shouwen.wechat")

Kind = CaseEvent.Kind
PUSHED_KINDS = frozenset(
    {Kind.REGISTERED, Kind.HANDOVER_ACCEPTED, Kind.RESOLVED, Kind.RETURN_VISIT, Kind.CLOSED, Kind.REOPENED}
)
MAX_ATTEMPTS = 5
BATCH = 200


def _holder(case: Case) -> str:
    staff = case.accountable
    if staff is None:
        return ""
    return f"{staff.name[:1]}（{_('工号')} {staff.staff_no}）"


def status_text(event: CaseEvent) -> str:
    """Return the status line a resident reads for the event."""
    case = event.case
    if event.kind == Kind.REGISTERED:
        return _("已登记受理")
    if event.kind == Kind.HANDOVER_ACCEPTED:
        return _("已交由责任人%(who)s处理") % {"who": _holder(case)}
    if event.kind == Kind.RESOLVED:
        return _("已处理完成")
    if event.kind == Kind.RETURN_VISIT:
        return _("已回访")
    if event.kind == Kind.CLOSED:
        return _("已办结")
    return _("已重新处理")


def on_case_event(event: CaseEvent) -> int:
    """Create the pending pushes of a status change for the bound followers; return how many."""
    if event.kind not in PUSHED_KINDS:
        return 0
    case = event.case
    if case.resident_id is None:
        return 0
    if event.kind == Kind.REGISTERED and case.origin.channel == Channel.WECHAT:
        return 0
    followers = Follower.objects.filter(
        resident_id=case.resident_id, subscribed=True, account__estate_id=case.estate_id, account__active=True
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = status_text(event)
    made = 0
    for follower in followers:
        _push, created = TemplatePush.objects.get_or_create(
            follower=follower,
            event=event,
            defaults={"case": case, "status_text": text[:100], "remark": case.summary[:200]},
        )
        made += created
    return made


def deliver_pushes(now: datetime | None = None) -> dict[str, int]:
    """Send the pending pushes whose time has come; retry failures with a growing wait."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    backend = get_backend()
    due = (
        TemplatePush.objects.filter(status=PushStatus.PENDING, next_try_at__lte=now)
        .select_related("follower__account", "case")
        .order_by("next_try_at", "pk")[:BATCH]
    )
    for push in due:
        # Claimed by a conditional update: two workers never send one push twice.
        if not TemplatePush.objects.filter(
            pk=push.pk, status=PushStatus.PENDING, attempts=push.attempts
        ).update(attempts=F("attempts") + 1):
            continue
        push.attempts += 1
        account = push.follower.account
        if not account.template_id:
            result_ok, reference, error = False, "", "no template id configured"
        else:
            data = {
                "first": _("您反映的事项有新进展"),
                "keyword1": push.case.number,
                "keyword2": push.status_text,
                "keyword3": timezone.localtime(push.created_at).strftime("%Y-%m-%d %H:%M"),
                "remark": push.remark,
            }
            try:
                result = backend.send_template(account, push.follower.openid, account.template_id, data, "")
                result_ok, reference, error = result.ok, result.reference, result.error
            except Exception as exc:  # the edge: WeChat's API failing is retried, never lost
                logger.exception("WeChat template push %s failed", push.pk)
                result_ok, reference, error = False, "", str(exc)
        if result_ok:
            push.status, push.sent_at, push.reference, push.error = (
                PushStatus.SENT,
                timezone.now(),
                reference[:100],
                "",
            )
            counts["sent"] += 1
        elif push.attempts >= MAX_ATTEMPTS or not account.template_id:
            push.status, push.error = PushStatus.FAILED, error[:300]
            counts["failed"] += 1
        else:
            push.error, push.next_try_at = error[:300], now + timedelta(minutes=2**push.attempts)
            counts["retry"] += 1
        push.save(update_fields=["status", "sent_at", "reference", "error", "next_try_at"])
    return counts
