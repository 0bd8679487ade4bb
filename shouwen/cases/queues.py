"""The case queues, each declared once: the queue page and the API list read this table.

A queue is either a list of cases (``cases``) or a list of pending handovers (``handovers``: the
page shows the handovers, the API the cases they are about). Each row names its code, the older
codes the API still accepts, its label and the query (from :mod:`shouwen.cases.queries`) that also
fixes its order. Every queryset given to a queue is already limited to the user's estates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shouwen.cases import queries
from shouwen.cases.models import Case, Handover
from shouwen.directory.models import Staff

CaseQuery = Callable[[QuerySet[Case], Staff], QuerySet[Case]]
HandoverQuery = Callable[[Staff], QuerySet[Handover]]


@dataclass(frozen=True)
class Queue:
    """One queue: its code, label, the query that lists it and whether the page counts it on its tab."""

    code: str
    label: Promise
    cases: CaseQuery | None = None
    handovers: HandoverQuery | None = None
    # Codes the API used before the queues were declared once; still accepted.
    aliases: tuple[str, ...] = ()
    counted: bool = False
    # Whether the queue depends on who asks (a superuser without a staff record has none of these).
    personal: bool = True

    @property
    def lists_handovers(self) -> bool:
        """Whether the page lists pending handovers rather than cases."""
        return self.handovers is not None

    def case_rows(self, scoped: QuerySet[Case], staff: Staff | None) -> QuerySet[Case]:
        """Return the queue's cases among ``scoped``, in the queue's order (for handovers: oldest case first)."""
        if staff is None and self.personal:
            return scoped.none()
        if self.handovers is not None:
            assert staff is not None
            waiting = self.handovers(staff).values("case_id")
            return scoped.filter(pk__in=waiting).order_by("created_at", "pk")
        assert self.cases is not None  # every row names one of the two queries
        return self.cases(scoped, staff)  # type: ignore[arg-type]  # only impersonal queues get None

    def handover_rows(self, scoped: QuerySet[Case], staff: Staff) -> QuerySet[Handover]:
        """Return the queue's pending handovers whose case is among ``scoped``, oldest first."""
        assert self.handovers is not None
        return queries.visible_handovers(self.handovers(staff), scoped)


QUEUES: Mapping[str, Queue] = {
    q.code: q
    for q in (
        Queue(
            "mine",
            _("我的事项"),
            cases=queries.my_open_cases,
            counted=True,
        ),
        Queue(
            "incoming",
            _("待我接收"),
            handovers=queries.handovers_waiting_for,
            aliases=("handovers_for_me",),
            counted=True,
        ),
        Queue(
            "department",
            _("部门待接收"),
            handovers=queries.department_unassigned,
            aliases=("department_unassigned",),
        ),
        Queue(
            "estate",
            _("小区未结事项"),
            cases=lambda scoped, staff: queries.estate_open_cases(scoped),
            aliases=("estate_open",),
            personal=False,
        ),
        Queue(
            "requests",
            _("请求指派"),
            cases=lambda scoped, staff: queries.assignment_requests(scoped),
            aliases=("assignment_requests",),
            personal=False,
        ),
        Queue(
            "escalated",
            _("督办给我"),
            cases=queries.escalated_to,
            counted=True,
        ),
        Queue(
            "overdue",
            _("已超时"),
            cases=lambda scoped, staff: queries.overdue(scoped),
            personal=False,
            counted=True,
        ),
    )
}
DEFAULT = "mine"
_BY_ANY_CODE = {code: q for q in QUEUES.values() for code in (q.code, *q.aliases)}


def find(code: str) -> Queue | None:
    """Return the queue named by its code or one of its older codes, None when there is none."""
    return _BY_ANY_CODE.get(code)


def choices() -> list[tuple[str, Promise]]:
    """Every accepted code with its label (an older code has the label of its queue), for the API."""
    return [(code, q.label) for q in QUEUES.values() for code in (q.code, *q.aliases)]
