"""In English, the home-visit pages say nothing in Chinese but the data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shouwen.core.tests.test_english import chinese_left
from shouwen.homevisits import services
from shouwen.homevisits.models import HomeVisit


@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("cs_assistant", "homevisits:today"),
        ("cs_assistant", "homevisits:record"),
        ("cs_assistant", "homevisits:detail"),
        ("cs_supervisor", "homevisits:coverage"),
        ("cs_supervisor", "homevisits:area_new"),
        ("cs_supervisor", "reports:summaries"),
    ],
)
def test_the_home_visit_pages_in_english_have_no_chinese_but_the_data(world, area, client_for, who, page):
    from datetime import timedelta

    from django.utils import timezone

    services.record_visit(
        world.staff["cs_assistant"],
        unit=world.units["3-2-1502"],
        phoned_at=timezone.now() - timedelta(hours=1),
        visited_at=timezone.now(),
        outcome="visited",
    )
    client = client_for(world.staff[who])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    if page == "homevisits:record":
        url = reverse(page) + f"?unit={world.units['3-2-1502'].pk}"
    elif page == "homevisits:detail":
        url = reverse(page, args=[HomeVisit.objects.get().pk])
    else:
        url = reverse(page)
    response = client.get(url)
    assert response.status_code == 200
    left = chinese_left(response.content.decode())
    assert left == [], left
