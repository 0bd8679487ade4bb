"""The worker's periodic task of the mailboxes (queued with the deliveries by ``shouwen worker``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from shouwen.mailbox.services import poll_all_once


@task()
def poll_mailboxes_task() -> dict[str, Any]:
    """Read every active estate mailbox once per period across all workers (the period's lease)."""
    return poll_all_once()
