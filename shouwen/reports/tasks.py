"""Background tasks of the reports (run by ``shouwen worker``; idempotent)."""

from __future__ import annotations

from django_tasks import task


@task()
def remind_monthly_summaries_task() -> int:
    """Remind supervisors from the 25th whose estate has not submitted the month's summary."""
    from shouwen.reports.summaries import remind_unsubmitted

    return remind_unsubmitted()
