"""What `shouwen worker` asks of the task queue, on either backend: is a run waiting, and the reaper.

A worker killed in the middle of a task leaves it behind. On the database queue the task's row stays
"running"; on RQ the job stays in the queue's started registry until its heartbeat lapses, when RQ
moves it to the failed registry (django-tasks-rq queues jobs without RQ retries). The reaper, a
periodic job of the worker (once a minute across all workers), queues such tasks again, so none is
lost: at-least-once. Only tasks that are safe to run twice are queued again; each of ours is (the
delivery claims every copy, the sweep and the reminders record what they did).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django_tasks.base import Task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("shouwen.worker")

# A task "running" this long on the database queue belongs to a worker that was killed. Longer than
# any task takes: a sweep or a delivery run takes minutes at most.
STALE_RUNNING_MINUTES = 30
# The tasks queued again after their worker died: all of them are idempotent.
IDEMPOTENT_TASKS = (
    "shouwen.notifications.tasks.deliver_notifications_task",
    "shouwen.notifications.tasks.sweep_deadlines_task",
    "shouwen.notifications.tasks.nightly_upkeep_task",
    "shouwen.reports.tasks.remind_monthly_summaries_task",
    "shouwen.sla.tasks.recompute_policy_task",
    "shouwen.mailbox.tasks.poll_mailboxes_task",
    "shouwen.wechat.tasks.push_templates_task",
    "shouwen.notices.tasks.deliver_notice_sms_task",
    "shouwen.surveys.tasks.send_survey_links_task",
)
# A job whose worker died this many times is left in the failed registry (it may be what kills them).
MAX_REQUEUES = 5
ABANDONED = "rq.exceptions.AbandonedJobError"


def is_waiting(t: Task[Any, Any]) -> bool:
    """Return whether a run of the task is already queued and not yet started (either queue backend)."""
    if settings.SHOUWEN_TASKS_BACKEND == "rq":
        import django_rq

        queue = django_rq.get_queue(t.queue_name)
        return any(job.func_name == t.module_path for job in queue.get_jobs(0, 500))
    return DBTaskResult.objects.filter(task_path=t.module_path, status=TaskResultStatus.READY).exists()


def requeue_abandoned(now: datetime) -> int:
    """Queue again the tasks killed workers left behind; return how many."""
    count = _requeue_rq(now) if settings.SHOUWEN_TASKS_BACKEND == "rq" else _requeue_db(now)
    if count:
        logger.warning("queued again %s task(s) left behind by a worker that stopped", count)
    return count


def _requeue_db(now: datetime) -> int:
    cutoff = now - timedelta(minutes=STALE_RUNNING_MINUTES)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff, task_path__in=IDEMPOTENT_TASKS
    ).update(status=TaskResultStatus.READY, started_at=None)


def _requeue_rq(now: datetime) -> int:
    import django_rq
    from django_tasks_rq.backend import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    count = 0
    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        # What RQ's own maintenance does every few minutes: a job whose worker's heartbeat lapsed
        # goes from the started registry to the failed one, marked as abandoned.
        StartedJobRegistry(queue=queue).cleanup(timestamp=now.timestamp())
        failed = FailedJobRegistry(queue=queue)
        for job_id in failed.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is None or job.func_name not in IDEMPOTENT_TASKS:
                continue
            exceptions = job.meta.get("_django_tasks_rq_exceptions") or []
            if not exceptions or exceptions[-1] != ABANDONED:
                continue  # it raised: its error is for people to see, not to run again and again
            requeued = int(job.meta.get("shouwen_requeued", 0))
            if requeued >= MAX_REQUEUES:
                continue
            job.meta["shouwen_requeued"] = requeued + 1
            job.save_meta()
            failed.requeue(job)
            count += 1
    return count
