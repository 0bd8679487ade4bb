"""Background tasks run by ``shouwen worker``; both are idempotent, so extra runs or workers are harmless."""

from __future__ import annotations

from django_tasks import task

from shouwen.notifications.services import deliver_pending


@task()
def deliver_notifications_task() -> dict[str, int]:
    """Send the e-mail and SMS copies of notifications whose time has come."""
    return deliver_pending()


@task()
def sweep_deadlines_task() -> dict[str, int]:
    """Escalate the case deadlines that have come due."""
    # Imported here: the SLA app depends on this one (it calls notify), not the other way round.
    from shouwen.sla.sweep import sweep_deadlines

    return sweep_deadlines()
