"""In English, the main pages say nothing in Chinese but the data: names, places and what residents said."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from shouwen.cases import services as case_services
from shouwen.cases.models import Case, Contact, Handover
from shouwen.directory.models import Building, Company, Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.notifications.models import Notification
from shouwen.procedures.models import ChecklistItem, Procedure
from shouwen.sla.models import DeadlinePolicy

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def data_texts() -> list[str]:
    """Every text the world's records hold (shown as data, never translated), longest first."""
    texts: set[str] = {"首问", "中文"}  # the product's name; the language switch names Chinese in Chinese
    for model, fields in (
        (Company, ["name"]),
        (Estate, ["name", "address"]),
        (Building, ["name"]),
        (PublicArea, ["name"]),
        (Department, ["name"]),
        (Staff, ["name"]),
        (Resident, ["name"]),
        (Case, ["summary"]),
        (Contact, ["content", "caller_name", "incident", "demand"]),
        (Handover, ["note"]),
        # A notification's title is a system sentence shown in the reader's language; its body is the
        # case's summary or what the sender wrote.
        (Notification, ["body"]),
        # Rows the administrator edits (deadline rules, desk procedures and their documents) are data too.
        (DeadlinePolicy, ["name"]),
        (Procedure, ["name", "description"]),
        (ChecklistItem, ["text", "note"]),
    ):
        for row in model.objects.values_list(*fields):
            texts.update(str(v) for v in row if v)
    texts.update(name[0] for name in Staff.objects.values_list("name", flat=True))  # 我姓王: the surname
    texts.update(u.label for u in Unit.objects.select_related("building"))  # 3栋2单元1502, as people say it
    return sorted(texts, key=len, reverse=True)


def chinese_left(page: str) -> list[str]:
    text = html.unescape(TAGS.sub(" ", page))
    for value in data_texts():
        text = text.replace(value, " ")
    return sorted(set(CJK.findall(text)))


@pytest.fixture
def english(world, client_for):
    case = world.register()
    case_services.hand_over(world.clerk, case, to_staff=world.supervisor, note="请处理")
    # The supervisor's chase leaves the system's own sentence in the timeline (请尽快办理并答复住户).
    case_services.chase(world.supervisor, case)
    client = client_for(world.supervisor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client, case


@pytest.mark.parametrize(
    "page",
    ["home", "queue", "queue_mine", "queue_handovers", "case", "intake", "notifications"],
)
def test_the_main_pages_in_english_have_no_chinese_but_the_data(english, page):
    client, case = english
    url = {
        "home": reverse("core:home"),
        "queue": reverse("cases:queue"),
        "queue_mine": reverse("cases:queue") + "?queue=estate_open",
        "queue_handovers": reverse("cases:queue") + "?queue=handovers_for_me",
        "case": reverse("cases:detail", args=[case.number]),
        "intake": reverse("cases:intake"),
        "notifications": reverse("notifications:list"),
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    left = chinese_left(body)
    assert left == [], "\n".join([page, *left])


def test_the_technicians_job_list_in_english_has_no_chinese_but_the_data(world, client_for):
    from shouwen.workorders import services as wo_services

    case = world.register(category="household_repair", content="厨房水龙头漏水")
    wo_services.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    client = client_for(world.technician)
    client.post("/i18n/setlang/", {"language": "en", "next": "/m/"})
    left = chinese_left(client.get(reverse("mobile:home")).content.decode())
    assert left == [], left
