"""The monthly summary: a draft from the month's figures, edited and submitted, revisions, the reminder."""

from __future__ import annotations

import signal
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shouwen.homevisits import services as visits
from shouwen.homevisits.models import Outcome
from shouwen.notifications.models import Notification
from shouwen.reports import summaries
from shouwen.reports.models import MonthlySummary, SummaryReminder, SummaryStatus

TZ = ZoneInfo("Asia/Shanghai")


def test_the_draft_is_written_from_the_months_figures(world):
    world.register(content="3栋电梯困人")
    world.register(category="household_repair", content="厨房水管漏水")
    now = timezone.now()
    visits.record_visit(
        world.staff["cs_assistant"],
        unit=world.units["3-2-1502"],
        phoned_at=now - timedelta(hours=1),
        visited_at=now - timedelta(minutes=1),
        outcome=Outcome.VISITED,
        opinions="希望增加快递柜",
    )
    summary = summaries.start_summary(world.staff["cs_supervisor"], world.estate, timezone.localdate())
    assert summary.status == SummaryStatus.DRAFT and summary.revision == 1
    assert "本月共登记来电来访 2 宗" in summary.summary
    assert "投诉 1 宗" in summary.summary and "居家维修 1 宗" in summary.summary
    assert "本月上门走访 1 户次" in summary.summary
    assert "月末仍有 2 宗事项未办结" in summary.summary
    assert "跟进未办结的 2 宗事项" in summary.plan
    assert summary.figures["contacts"] == 2
    # Opening it again gives the same draft.
    assert (
        summaries.start_summary(world.staff["cs_supervisor"], world.estate, timezone.localdate()) == summary
    )


def test_submitted_summaries_are_read_only_and_a_change_is_a_new_revision(world):
    supervisor = world.staff["cs_supervisor"]
    draft = summaries.start_summary(supervisor, world.estate, timezone.localdate())
    summaries.save_summary(supervisor, draft, summary_text="本月总结（修改）", plan_text="下月计划")
    submitted = summaries.submit_summary(supervisor, draft)
    assert submitted.submitted_by == supervisor and submitted.submitted_at is not None
    with pytest.raises(summaries.SummaryConflict):
        summaries.save_summary(supervisor, submitted, summary_text="改", plan_text="改")
    second = summaries.revise_summary(supervisor, submitted)
    assert (second.revision, second.status, second.summary) == (2, SummaryStatus.DRAFT, "本月总结（修改）")
    submitted.refresh_from_db()
    assert submitted.summary == "本月总结（修改）" and submitted.status == SummaryStatus.SUBMITTED
    with pytest.raises(summaries.SummaryConflict):
        summaries.revise_summary(supervisor, submitted)  # not the latest any more


def test_an_empty_plan_cannot_be_submitted_and_others_cannot_write(world):
    draft = summaries.start_summary(world.staff["cs_supervisor"], world.estate, timezone.localdate())
    with pytest.raises(ValidationError):
        summaries.submit_summary(world.staff["cs_supervisor"], draft, plan_text="  ")
    with pytest.raises(PermissionDenied):
        summaries.start_summary(world.staff["cs_assistant"], world.estate, timezone.localdate())
    with pytest.raises(PermissionDenied):
        summaries.start_summary(world.staff["cs_supervisor"], world.other_estate, timezone.localdate())


def test_the_reminder_comes_on_the_25th_once_and_not_after_submission(world):
    supervisor = world.staff["cs_supervisor"]
    assert summaries.remind_unsubmitted(datetime(2026, 11, 24, 9, tzinfo=TZ)) == 0
    assert summaries.remind_unsubmitted(datetime(2026, 11, 25, 9, tzinfo=TZ)) == 1
    assert summaries.remind_unsubmitted(datetime(2026, 11, 26, 9, tzinfo=TZ)) == 0
    note = Notification.objects.get(recipient=supervisor)
    assert "月度总结尚未提交" in note.title
    draft = MonthlySummary.objects.get(estate=world.estate, month=date(2026, 11, 1))
    assert note.url == reverse("reports:summary", args=[draft.pk])
    # December: submitted before the 25th, nobody is reminded.
    with time_machine.travel(datetime(2026, 12, 20, 9, tzinfo=TZ), tick=False):
        december = summaries.start_summary(supervisor, world.estate, date(2026, 12, 1))
        summaries.submit_summary(supervisor, december)
    assert summaries.remind_unsubmitted(datetime(2026, 12, 25, 9, tzinfo=TZ)) == 0


@pytest.fixture
def keep_signal_handlers():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def test_the_worker_reminds_the_supervisor_on_the_25th(live_world, keep_signal_handlers):
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=TZ), tick=True):
        call_command("worker", once=True, verbosity=0)
    reminder = SummaryReminder.objects.get()
    assert reminder.recipient == live_world.staff["cs_supervisor"] and reminder.month == date(2026, 11, 1)
    assert Notification.objects.filter(recipient=live_world.staff["cs_supervisor"]).count() == 1


def test_the_pages_draft_edit_submit_and_print(world, client_for):
    client = client_for(world.staff["cs_supervisor"])
    month = f"{timezone.localdate():%Y-%m}"
    response = client.post(reverse("reports:summaries"), {"estate": world.estate.pk, "month": month})
    summary = MonthlySummary.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:summary", args=[summary.pk])
    page = client.get(response.url).content.decode()
    assert 'id="summary-form"' in page and "日常接待工作" in page
    client.post(response.url, {"step": "submit", "summary": "总结正文", "plan": "计划正文"})
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.SUBMITTED and summary.summary == "总结正文"
    page = client.get(response.url).content.decode()
    assert 'id="summary-form"' not in page and 'id="revise-summary"' in page
    printed = client.get(reverse("reports:summary_print", args=[summary.pk])).content.decode()
    assert "总结正文" in printed and "计划正文" in printed
    # An assistant reads the reports? No: reading summaries needs the reports capability.
    assert client_for(world.staff["cs_assistant"]).get(reverse("reports:summaries")).status_code == 403
    director = client_for(world.staff["office_director"])
    assert director.get(reverse("reports:summary", args=[summary.pk])).status_code == 200


def test_the_api_opens_saves_submits_and_revises(world, client_for):
    client = client_for(world.staff["cs_supervisor"])
    month = f"{timezone.localdate():%Y-%m}"
    opened = client.post(
        "/api/v1/monthly-summaries/",
        {"estate": world.estate.pk, "month": month},
        content_type="application/json",
    )
    assert opened.status_code == 200, opened.json()
    pk = opened.json()["id"]
    saved = client.post(
        f"/api/v1/monthly-summaries/{pk}/save/",
        {"summary_text": "总结", "plan_text": "计划"},
        content_type="application/json",
    )
    assert saved.json()["summary"] == "总结"
    submitted = client.post(f"/api/v1/monthly-summaries/{pk}/submit/", {}, content_type="application/json")
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by"]["name"] == "李强"
    again = client.post(
        f"/api/v1/monthly-summaries/{pk}/save/",
        {"summary_text": "改", "plan_text": "改"},
        content_type="application/json",
    )
    assert again.status_code == 409
    revised = client.post(f"/api/v1/monthly-summaries/{pk}/revise/", content_type="application/json")
    assert revised.status_code == 201 and revised.json()["revision"] == 2
    listed = client.get("/api/v1/monthly-summaries/").json()
    assert [row["revision"] for row in listed["results"]] == [2, 1]
    assert client_for(world.staff["cs_assistant"]).get("/api/v1/monthly-summaries/").status_code == 403
