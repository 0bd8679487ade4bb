"""The escalation ladder: who is told at each level, and telling them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from shouwen.cases.models import Case, CaseEvent
from shouwen.core.i18n import stored
from shouwen.directory.models import Staff


def _with_role(case: Case, role: str) -> list[Staff]:
    company_wide = role == "deputy_gm"
    qs = Staff.objects.filter(is_active=True, roles__role=role, company_id=case.estate.company_id)
    if not company_wide:
        qs = qs.filter(estates=case.estate_id)
    return list(qs.select_related("user").distinct().order_by("staff_no"))


def targets(case: Case, level: str) -> list[Staff]:
    """Return the people a level of the ladder means for this case (receiver → supervisor → director/DGM)."""
    holder = case.accountable
    if level == "accountable":
        return [holder] if holder else []
    if level == "supervisor":
        head = holder.department.head if holder and holder.department else None
        if head is not None and head.is_active and head != holder:
            return [head]
        found = [s for s in _with_role(case, "cs_supervisor") if s != holder]
        return found or [s for s in _with_role(case, "office_director") if s != holder]
    if level == "office_director":
        return _with_role(case, "office_director") or _with_role(case, "deputy_gm")
    if level == "deputy_gm":
        return _with_role(case, "deputy_gm")
    raise ValueError(level)


def notify_level(
    case: Case,
    level: str,
    *,
    kind: str,
    title: str,
    body: str = "",
    urgent: bool = False,
    record: bool = True,
) -> list[Staff]:
    """Notify everyone at a level of the ladder, and (unless told not to) write it in the case's timeline."""
    from shouwen.notifications.services import notify

    people = targets(case, level)
    url = reverse("cases:detail", args=[case.number])
    for person in people:
        notify(
            person,
            title=title,
            body=body or case.summary,
            case=case,
            kind=kind,
            url=url,
            urgent=urgent,
            sms=urgent,
        )
    if not record:
        return people
    event_kind = {"reported": CaseEvent.Kind.REPORTED, "near_due": CaseEvent.Kind.NEAR_DUE}.get(
        kind, CaseEvent.Kind.ESCALATED
    )
    names = "、".join(p.name for p in people) or "—"
    CaseEvent.objects.create(
        case=case,
        actor=None,
        kind=event_kind,
        text=stored(gettext_noop("%(title)s（%(names)s）"), title=title, names=names),
        data={"level": level, "to": [p.pk for p in people]},
    )
    return people
