"""Connect the cases timeline to the template pushes of bound followers."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from shouwen.cases.models import CaseEvent


@receiver(post_save, sender=CaseEvent, dispatch_uid="wechat_push_on_case_event")
def _case_event_saved(sender: type[CaseEvent], instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        from shouwen.wechat.pushes import on_case_event

        on_case_event(instance)
