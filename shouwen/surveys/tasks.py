"""Background task of the survey: the text-message links, a batch per run (see ``shouwen worker``)."""

from __future__ import annotations

from django_tasks import task

from shouwen.surveys.services import send_invitations


@task()
def send_survey_links_task() -> dict[str, int]:
    """Send the next batch of survey links of open rounds (outside quiet hours); idempotent."""
    return send_invitations()
