"""Background tasks of the deadline module (Django Tasks API through the django-tasks backport)."""

from __future__ import annotations

from django_tasks import task

from shouwen.sla.models import PolicyChange


@task()
def recompute_policy_task(policy_id: int, change_id: int | None = None) -> int:
    """Recompute the open deadlines of a changed policy and note how many in the change log."""
    from shouwen.sla.services import recompute_policy

    count = recompute_policy(policy_id)
    if change_id is not None:
        PolicyChange.objects.filter(pk=change_id).update(recomputed=count)
    return count
