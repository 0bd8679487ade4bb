"""催办: a supervisor presses the accountable person; the timeline keeps it and the holder's bell shows it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shouwen.cases import services
from shouwen.cases.models import CaseEvent
from shouwen.notifications.models import Notification


def test_a_supervisor_chases_the_holder_who_is_notified_and_the_timeline_keeps_it(world):
    case = world.register(content="楼上装修噪音，晚上十点还在施工")
    services.chase(world.supervisor, case, note="住户第三次来电，请今天答复")
    event = CaseEvent.objects.get(case=case, kind="chased")
    assert event.actor == world.supervisor and event.text == "住户第三次来电，请今天答复"
    note = Notification.objects.get(recipient=world.clerk, kind="chased")
    assert case.number in note.title and note.case == case
    assert note.url == reverse("cases:detail", args=[case.number])


def test_a_chase_without_a_note_says_what_is_expected(world):
    case = world.register()
    services.chase(world.supervisor, case)
    assert CaseEvent.objects.get(case=case, kind="chased").text == "请尽快办理并答复住户。"


def test_only_supervisors_chase_and_not_themselves_nor_a_closed_case(world):
    case = world.register()
    with pytest.raises(PermissionDenied):
        services.chase(world.technician, case)
    own = world.register(world.supervisor)
    with pytest.raises(ValidationError):
        services.chase(world.supervisor, own)
    services.void_case(world.supervisor, case, reason="重复登记")
    with pytest.raises(PermissionDenied):
        services.chase(world.supervisor, case)
    assert not Notification.objects.filter(kind="chased").exists()


def test_the_chase_is_on_the_case_page_for_supervisors_and_in_the_timeline(world, client_for):
    case = world.register()
    url = reverse("cases:detail", args=[case.number])
    assert (
        reverse("cases:act", args=[case.number, "chase"])
        in client_for(world.supervisor).get(url).content.decode()
    )
    assert (
        reverse("cases:act", args=[case.number, "chase"])
        not in client_for(world.clerk).get(url).content.decode()
    )
    response = client_for(world.supervisor).post(
        reverse("cases:act", args=[case.number, "chase"]), {"note": "请加快"}, follow=True
    )
    html = response.content.decode()
    assert "催办" in html and "请加快" in html
