"""Connect the cases timeline and the sla deadlines to the return visits.

A RESOLVED event of a repair or complaint opens the round's visit; a reopened, closed, declined
or voided case cancels the visit still waiting. The visit's due time follows the sla app's
return-visit deadline whenever that deadline is saved (opened, paused and resumed, or recomputed
after a policy change), so the order in which the two apps' handlers run does not matter.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from shouwen.cases.models import CaseEvent
from shouwen.sla.models import Deadline


@receiver(post_save, sender=CaseEvent, dispatch_uid="followups_on_case_event")
def _case_event_saved(sender: type[CaseEvent], instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        from shouwen.followups.services import on_case_event

        on_case_event(instance)


@receiver(post_save, sender=Deadline, dispatch_uid="followups_follow_deadline")
def _deadline_saved(sender: type[Deadline], instance: Deadline, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        from shouwen.followups.services import follow_deadline

        follow_deadline(instance)
