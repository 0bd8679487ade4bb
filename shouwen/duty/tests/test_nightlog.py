"""The night log: every night call is an entry; the night shift cannot be handed over while one is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shouwen.duty import services
from shouwen.duty.models import HandoverSheet, NightLogEntry, ShiftKind
from shouwen.duty.tests.helpers import day_of, roster, shift_ending

pytestmark = pytest.mark.django_db


def night_form(world, **extra):
    return {
        "estate": world.estate.pk,
        "called_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "caller_name": "张伟",
        "caller_phone": "13812345678",
        "unit": "3-2-1502",
        "content": "卫生间水管滴水",
        "urgency": "normal",
        **extra,
    }


def test_each_night_call_is_an_entry_of_the_night_log(world, client_for):
    client = client_for(world.technician)
    client.post(reverse("mobile:night"), night_form(world, morning_work_order="on"))
    client.post(reverse("mobile:night"), night_form(world, repaired_now="on", answer="已关阀门"))
    client.post(reverse("mobile:night"), night_form(world, log_only="on", content="楼道有异味"))
    assert sorted(NightLogEntry.objects.values_list("status", flat=True)) == ["case", "handled", "open"]
    entries = {e.content: e for e in NightLogEntry.objects.all()}
    assert entries["楼道有异味"].place == "3-2-1502" and entries["楼道有异味"].contact is None
    page = client_for(world.clerk).get(reverse("duty:night")).content.decode()
    assert "楼道有异味" in page and "待处理 1 条" in page
    # The night technician reaches his handover from the phone pages.
    assert 'id="m-duty"' in client_for(world.technician).get(reverse("mobile:home")).content.decode()


def test_the_night_shift_cannot_be_handed_over_with_an_unresolved_entry(world, client_for):
    ends = timezone.now() - timedelta(minutes=2)
    shift_ending(world, ShiftKind.NIGHT, ends, hours=15)
    roster(world, world.technician, ShiftKind.NIGHT, day_of(ends, 15))
    first = services.record_night_entry(
        world.technician, estate=world.estate, content="楼道灯不亮", place="5栋"
    )
    second = services.record_night_entry(world.technician, estate=world.estate, content="噪音投诉：装修")
    sheet = services.create_sheet(world.technician, incoming=world.clerk, estate=world.estate)
    with pytest.raises(ValidationError, match="夜间值班记录还有 2 条未处理"):
        services.accept_sheet(world.clerk, sheet)
    client = client_for(world.clerk)
    page = client.get(reverse("duty:sheet", args=[sheet.pk])).content.decode()
    assert 'id="night-open"' in page
    answer = client.post(reverse("duty:sheet", args=[sheet.pk]), {"do": "accept"}, follow=True)
    assert "夜间值班记录还有 2 条未处理" in answer.content.decode()
    # The morning clerk settles each entry: one becomes a case, the other is answered.
    client.post(reverse("duty:night_entry", args=[first.pk]), {"do": "case", "category": "public_repair"})
    first.refresh_from_db()
    assert first.status == "case" and first.contact.case.origin.channel == "night_log"
    assert first.contact.case.accountable == world.clerk
    with pytest.raises(ValidationError, match="未处理"):
        services.accept_sheet(world.clerk, sheet)
    client.post(reverse("duty:night_entry", args=[second.pk]), {"do": "handled", "answer": ""})
    second.refresh_from_db()
    assert second.status == "open"  # an answer is needed
    client.post(
        reverse("duty:night_entry", args=[second.pk]), {"do": "handled", "answer": "已电话告知装修方"}
    )
    services.accept_sheet(world.clerk, sheet)
    assert HandoverSheet.objects.get().status == "accepted"


def test_a_settled_entry_is_not_settled_twice(world):
    entry = services.record_night_entry(world.technician, estate=world.estate, content="楼道灯不亮")
    services.night_entry_handled(world.clerk, entry, answer="已修好")
    from shouwen.cases.lib import CaseConflict

    with pytest.raises(CaseConflict):
        services.night_entry_to_case(world.clerk, entry, category="public_repair")


def test_a_night_entry_cannot_be_from_the_future(world):
    with pytest.raises(ValidationError):
        services.record_night_entry(
            world.technician, estate=world.estate, content="x", called_at=timezone.now() + timedelta(hours=1)
        )
