"""Pages of the daily routine: the review with chase buttons, the patrol form, reading, the home page."""

from __future__ import annotations

import re

import time_machine
from django.urls import reverse

from shouwen.cases.models import CaseEvent
from shouwen.rounds import services
from shouwen.rounds.models import MorningReview, PatrolReport
from shouwen.rounds.tests.helpers import TUESDAY_9, TUESDAY_19, patrol_with_finding, photo


def test_the_review_page_counts_lists_and_chases_in_one_click(world, client_for):
    with time_machine.travel(TUESDAY_9.replace(day=9, hour=11), tick=False):
        case = world.register(category="household_repair", content="卫生间马桶漏水")
    client = client_for(world.supervisor)
    with time_machine.travel(TUESDAY_9, tick=False):
        html = client.get(reverse("rounds:review"), {"estate": world.estate.pk}).content.decode()
        assert "2026-03-09" in html
        assert re.search(r"<strong>1</strong> 件新登记维修与投诉", html)
        assert f'id="review-unfinished-{case.number}"' in html
        back = reverse("rounds:review") + f"?estate={world.estate.pk}&day=2026-03-10"
        chased = client.post(reverse("cases:act", args=[case.number, "chase"]), {"next": back})
        assert chased.status_code == 302 and chased["Location"] == back
        assert case.events.filter(kind=CaseEvent.Kind.CHASED).exists()
        done = client.post(reverse("rounds:review_done"), {"estate": world.estate.pk, "day": "2026-03-10"})
        assert done.status_code == 302
        assert MorningReview.objects.get(estate=world.estate).reviewed_by == world.supervisor
        home = client.get(reverse("core:home")).content.decode()
        assert 'id="home-review-LJY"' in home and "今日翻阅：李强" in home
    assert client_for(world.clerk).get(reverse("rounds:review")).status_code == 403


def test_the_patrol_form_hands_in_a_report_with_a_finding_and_photo_as_a_case(world, client_for):
    client = client_for(world.staff["cs_assistant"])
    form = client.get(reverse("rounds:patrol_new")).content.decode()
    checkpoints = list(services.active_checkpoints(world.estate))
    assert all(f'name="state_{cp.pk}"' in form for cp in checkpoints)
    garage = next(cp for cp in checkpoints if cp.name == "车库")
    with time_machine.travel(TUESDAY_19, tick=False):
        answer = client.post(
            reverse("rounds:patrol_new"),
            {
                "estate": world.estate.pk,
                f"state_{garage.pk}": "finding",
                f"finding_{garage.pk}": "车库B区积水约5厘米",
                f"action_{garage.pk}": "on",
                f"photos_{garage.pk}": photo(),
            },
        )
    report = PatrolReport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "rounds:patrol_detail", args=[report.pk]
    )
    assert report.late
    item = report.items.get(normal=False)
    assert item.case is not None and item.case.attachments.count() == 1
    page = client.get(answer["Location"]).content.decode()
    assert item.case.number in page and 'id="report-late"' in page
    photo_url = reverse("rounds:patrol_photo", args=[report.pk, item.photos.get().pk])
    assert photo_url in page
    assert client.get(photo_url).status_code == 200
    with time_machine.travel(TUESDAY_19, tick=False):
        again = client.get(reverse("rounds:patrol_new")).content.decode()
    assert 'id="patrol-handed-in"' in again and 'id="patrol-form"' not in again
    assert client_for(world.staff["other_technician"]).get(photo_url).status_code == 403


def test_the_supervisor_sees_unread_reports_on_the_home_page_and_reads_one(world, client_for):
    report = patrol_with_finding(world)
    client = client_for(world.supervisor)
    home = client.get(reverse("core:home")).content.decode()
    assert re.search(r"<strong>1</strong> 份巡视日报表未审阅", home)
    assert reverse("rounds:patrol_detail", args=[report.pk]) in home
    client.post(reverse("rounds:patrol_read", args=[report.pk]))
    report.refresh_from_db()
    assert report.read_by == world.supervisor
    home = client.get(reverse("core:home")).content.decode()
    assert re.search(r"<strong>0</strong> 份巡视日报表未审阅", home)
    # The patrol itself cannot mark its own report read.
    assert (
        client_for(world.staff["cs_assistant"])
        .post(reverse("rounds:patrol_read", args=[report.pk]))
        .status_code
        == 403
    )


def test_nav_shows_the_entries_to_the_roles_that_have_them(world, client_for):
    assistant = client_for(world.staff["cs_assistant"]).get(reverse("core:home")).content.decode()
    assert 'id="nav-patrol"' in assistant and 'id="nav-review"' not in assistant
    boss = client_for(world.supervisor).get(reverse("core:home")).content.decode()
    assert 'id="nav-patrol"' in boss and 'id="nav-review"' in boss
    tech = client_for(world.technician).get(reverse("core:home")).content.decode()
    assert 'id="nav-patrol"' not in tech and 'id="nav-review"' not in tech
