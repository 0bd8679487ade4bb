"""Background tasks run by ``shouwen worker``; each is idempotent, so extra runs or workers are harmless."""

from __future__ import annotations

from django_tasks import task

from shouwen.notifications.services import deliver_pending


class DeliveryFailed(Exception):
    """Some e-mail or SMS copies failed for good in this run (after their retries)."""


@task()
def deliver_notifications_task() -> dict[str, int]:
    """Send the e-mail and SMS copies of notifications whose time has come.

    A copy that failed for good fails the task too, so the task list, the admin and the metrics
    never show a clean run for a delivery that did not happen. Copies still being retried do not.
    """
    counts = deliver_pending()
    failed = {key: value for key, value in counts.items() if key.endswith("_failed") and value}
    if failed:
        raise DeliveryFailed(f"notifications failed after their retries: {failed}; all counts: {counts}")
    return counts


@task()
def sweep_deadlines_task() -> dict[str, int]:
    """Escalate the case deadlines that have come due, alert on shift handovers not accepted in time and
    remind supervisors of bulletin boards not renewed for two weeks.

    Once per sweep period across all workers: the worker that wins the period's lease does both.
    """
    from shouwen.notifications.periodic import SWEEP, run_periodic

    return run_periodic(SWEEP)


@task()
def nightly_upkeep_task() -> dict[str, int]:
    """Prune old task rows and quiet sign-in counters, refresh planner statistics: once a night in all."""
    from shouwen.notifications.periodic import UPKEEP, run_periodic

    return run_periodic(UPKEEP)
