"""Return-visit pages: the queue by due date, scoped by estate, and the form that records a visit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from shouwen.cases import services
from shouwen.cases.models import CaseStatus
from shouwen.followups.models import ReturnVisit
from shouwen.followups.services import record_no_answer
from shouwen.followups.tests.helpers import MONDAY_9, other_estate_clerk, resolved_repair

QUEUE = reverse("followups:queue")


def _resolved_in_other_estate(world):
    case = world.register(
        world.staff["other_technician"],
        estate=world.other_estate,
        category="public_repair",
        content="1栋楼道灯不亮",
        caller_name="",
        caller_phone="",
        resident=None,
        unit=None,
    )
    services.resolve_case(world.staff["other_technician"], case, resolution="已更换灯泡")
    return case


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="visit-(\d+)"', html)]


def test_queue_lists_visits_by_due_date_and_marks_the_overdue(world, client_for):
    # A leak repair gets 3 days, others 2: the ordinary repair resolved after it is due first.
    with time_machine.travel(MONDAY_9, tick=False):
        leak = resolved_repair(world, content="卫生间天花板漏水")
    with time_machine.travel(MONDAY_9 + timedelta(hours=6), tick=False):
        other = resolved_repair(world, content="入户门锁芯坏了")
    with time_machine.travel(MONDAY_9 - timedelta(days=5), tick=False):
        late = resolved_repair(world, content="窗户关不严，漏风")
    foreign = _resolved_in_other_estate(world)
    record_no_answer(world.clerk, late.return_visits.get(), "no_answer")
    visits = {c: c.return_visits.get() for c in (leak, other, late)}
    assert visits[late].due_at < visits[other].due_at < visits[leak].due_at

    with time_machine.travel(MONDAY_9 + timedelta(days=1, hours=1), tick=False):
        html = client_for(world.clerk).get(QUEUE).content.decode()
    assert _row_ids(html) == [visits[late].pk, visits[other].pk, visits[leak].pk]
    assert foreign.return_visits.get().pk not in _row_ids(html)
    late_row = re.search(rf'<tr id="visit-{visits[late].pk}" class="([^"]*)">(.*?)</tr>', html, re.S)
    assert late_row is not None and late_row.group(1) == "late"
    assert "已超期" in late_row.group(2)
    assert '<span class="attempts">1 次</span>' in late_row.group(2)
    other_row = re.search(rf'<tr id="visit-{visits[other].pk}" class="([^"]*)">', html)
    assert other_row is not None and other_row.group(1) == ""
    # The resident's phone is masked; the full number is only on the resident page, where revealing is logged.
    assert "138****5678" in html and "13812345678" not in html
    assert reverse("directory:resident_detail", args=[world.residents["owner"].pk]) in html


def test_another_estates_staff_see_nothing_and_get_404_on_the_form(world, client_for):
    visit = resolved_repair(world).return_visits.get()
    client = client_for(other_estate_clerk(world))
    assert _row_ids(client.get(QUEUE).content.decode()) == []
    assert client.get(reverse("followups:detail", args=[visit.pk])).status_code == 404
    posted = client.post(
        reverse("followups:record", args=[visit.pk]), {"channel": "phone", "satisfaction": "satisfied"}
    )
    assert posted.status_code == 404
    assert (
        client.post(reverse("followups:no_answer", args=[visit.pk]), {"outcome": "no_answer"}).status_code
        == 404
    )
    visit.refresh_from_db()
    assert visit.status == "pending" and visit.attempts == 0


def test_technicians_have_no_return_visit_pages_or_link(world, client_for):
    client = client_for(world.technician)
    assert client.get(QUEUE).status_code == 403
    assert f'href="{QUEUE}"' not in client.get(reverse("core:home")).content.decode()
    assert f'href="{QUEUE}"' in client_for(world.clerk).get(reverse("core:home")).content.decode()


def test_clerk_records_a_satisfied_visit_through_the_form_and_the_case_closes(world, client_for):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    client = client_for(world.clerk)
    form = client.get(reverse("followups:detail", args=[visit.pk]))
    html = form.content.decode()
    assert form.status_code == 200
    for label in ("电话", "上门", "非常满意", "满意", "基本满意", "不满意", "无人接听"):
        assert label in html
    assert 'type="radio" name="satisfaction"' in html

    response = client.post(
        reverse("followups:record", args=[visit.pk]),
        {"channel": "phone", "satisfaction": "very_satisfied", "comments": "师傅很认真"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert f"事项 {case.number} 已办结" in response.content.decode()
    case.refresh_from_db()
    visit.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert (visit.status, visit.visitor, visit.channel, visit.satisfaction, visit.comments) == (
        "done",
        world.clerk,
        "phone",
        "very_satisfied",
        "师傅很认真",
    )


def test_unsatisfied_without_words_is_shown_again_with_the_error(world, client_for):
    visit = resolved_repair(world).return_visits.get()
    response = client_for(world.clerk).post(
        reverse("followups:record", args=[visit.pk]), {"channel": "phone", "satisfaction": "unsatisfied"}
    )
    assert response.status_code == 200
    assert "住户不满意时，必须记录住户的意见。" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "pending"


def test_unsatisfied_through_the_form_reopens_to_the_technician(world, client_for):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    response = client_for(world.clerk).post(
        reverse("followups:record", args=[visit.pk]),
        {"channel": "phone", "satisfaction": "unsatisfied", "comments": "还是堵"},
        follow=True,
    )
    assert "已退回刘师傅重新处理" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.accountable == world.technician


def test_no_answer_button_records_an_attempt_and_keeps_the_visit_in_the_queue(world, client_for):
    visit = resolved_repair(world).return_visits.get()
    client = client_for(world.clerk)
    response = client.post(
        reverse("followups:no_answer", args=[visit.pk]), {"outcome": "no_answer"}, follow=True
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert "已尝试 1 次" in response.content.decode()
    assert visit.pk in _row_ids(response.content.decode())
    visit.refresh_from_db()
    assert (visit.status, visit.attempts) == ("pending", 1)


def test_case_page_shows_the_visits_card_with_a_link_to_record(world, client_for):
    case = resolved_repair(world)
    visit = case.return_visits.get()
    record_no_answer(world.clerk, visit, "wrong_number", "空号")
    url = reverse("cases:detail", args=[case.number])
    html = client_for(world.clerk).get(url).content.decode()
    card = html.split('id="return-visit-card">', 1)[1].split('<div class="card">', 1)[0]
    assert "第1次回访" in card and "号码有误" in card and "空号" in card
    assert reverse("followups:detail", args=[visit.pk]) in card
    # The holder sees the card but may not record the visit; the case page offers no such action.
    tech_html = client_for(world.technician).get(url).content.decode()
    assert 'id="return-visit-card"' in tech_html
    assert reverse("followups:detail", args=[visit.pk]) not in tech_html
    assert 'data-action="record_return_visit"' not in html


def test_case_page_of_a_consultation_has_no_visits_card(world, client_for):
    case = world.register(category="consultation", content="装修时间有什么规定")
    html = client_for(world.clerk).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'id="return-visit-card"' not in html


def test_queue_page_query_count_does_not_grow_with_the_visits(
    world, client_for, django_assert_max_num_queries
):
    for i in range(12):
        resolved_repair(world, content=f"厨房下水道堵塞 {i}")
    client = client_for(world.clerk)
    client.get(QUEUE)  # warm the session and the sign-in
    with django_assert_max_num_queries(
        10
    ):  # session, user, staff, roles, estates, rows, phones, 2 counts, bell
        response = client.get(QUEUE)
    assert len(_row_ids(response.content.decode())) == 12
    assert ReturnVisit.objects.count() == 12


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("front_desk", 200),
        ("cs_assistant", 200),
        ("cs_supervisor", 200),
        ("office_director", 200),
        ("deputy_gm", 200),
        ("admin", 200),
        ("technician", 403),
        ("security", 403),
        ("cleaning", 403),
        ("finance_clerk", 403),
    ],
)
def test_the_queue_is_for_the_service_staff(world, client_for, role, status):
    assert client_for(world.staff[role]).get(QUEUE).status_code == status
