"""The supervisor's and the director's home page opens on what needs them now, each figure a link."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from shouwen.cases import services
from shouwen.sla.sweep import sweep_deadlines


def test_a_supervisor_starts_on_overdue_cases_escalations_and_waiting_handovers(world, client_for):
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        late = world.register(severity="important", content="物业维修拖延，报修三天没人来")
        waiting = world.register(category="public_repair", content="3栋电梯异响", resident=None)
        services.hand_over(
            world.clerk, waiting, to_department=world.departments["engineering"], note="请处理"
        )
    sweep_deadlines(timezone.now())
    response = client_for(world.supervisor).get(reverse("core:home"))
    desk = response.context["desk"]
    assert desk.overdue >= 2  # the complaint's resolution, the handover's acceptance
    assert desk.escalations >= 1
    assert [(w.department, w.count) for w in desk.waiting] == [("工程维修部", 1)]
    assert desk.waiting[0].oldest < timezone.now() - timedelta(days=9)
    html = response.content.decode()
    assert desk.overdue_url.replace("&", "&amp;") in html and "件事项已超时" in html
    # Each figure opens the list it counts.
    client = client_for(world.supervisor)
    overdue = client.get(desk.overdue_url).context["cases"]
    assert {c.number for c in overdue} >= {late.number, waiting.number}
    assert [c.number for c in client.get(desk.waiting[0].url).context["cases"]] == [waiting.number]
    assert client.get(desk.escalations_url).status_code == 200


def test_the_director_and_the_deputy_gm_get_the_figures_and_the_desk_does_not(world, client_for):
    for person in (world.staff["office_director"], world.staff["deputy_gm"]):
        assert client_for(person).get(reverse("core:home")).context["desk"].overdue == 0
    assert "desk" not in client_for(world.clerk).get(reverse("core:home")).context
