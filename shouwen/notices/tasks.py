"""Background tasks of notices (run by ``shouwen worker``; idempotent)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notice_sms_task() -> dict[str, int]:
    """Send the notices' text messages whose time has come (quiet hours, the minute's rate, once per number)."""
    from shouwen.notices.services import deliver_notice_sms

    return deliver_notice_sms()
