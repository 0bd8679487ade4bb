"""Every rule of what a resident does in the portal: report, add information, answer the visit, cancel.

See :mod:`shouwen.portal.queries` for what a resident may see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shouwen.cases.models import Case
from shouwen.portal.models import CancelRequest

if TYPE_CHECKING:
    from shouwen.followups.models import ReturnVisit


def open_visit(case: Case) -> ReturnVisit | None:
    """Return the case's return visit waiting for the resident's answer, if any."""
    from shouwen.followups.models import ReturnVisit, VisitStatus

    if case.status != "resolved":
        return None
    return ReturnVisit.objects.filter(case=case, status=VisitStatus.PENDING).first()


def pending_cancel(case: Case) -> CancelRequest | None:
    """Return the resident's cancel request still waiting for the desk, if any."""
    return CancelRequest.objects.filter(case=case, status=CancelRequest.Status.PENDING).first()
