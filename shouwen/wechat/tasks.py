"""The background task that sends the template pushes (queued by ``shouwen worker`` with the deliveries)."""

from __future__ import annotations

from django_tasks import task

from shouwen.wechat.pushes import deliver_pushes


@task()
def push_templates_task() -> dict[str, int]:
    """Send the pending template messages to followers; idempotent, several workers are harmless."""
    return deliver_pushes()
