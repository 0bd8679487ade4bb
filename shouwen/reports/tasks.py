"""Background tasks of the reports (run by ``shouwen worker``; idempotent)."""

from __future__ import annotations

from django_tasks import task


@task()
def remind_monthly_summaries_task() -> dict[str, int]:
    """Remind supervisors from the 25th whose estate has not submitted the month's summary (hourly, once)."""
    from shouwen.notifications.periodic import MONTHLY_SUMMARY_REMINDER, run_periodic

    return run_periodic(MONTHLY_SUMMARY_REMINDER)
