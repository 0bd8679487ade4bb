"""The technician's day on the phone: lands on /m/, accepts handovers there, calls the resident of his job."""

from __future__ import annotations

from django.urls import reverse

from shouwen.access.models import PersonalDataAccess
from shouwen.cases import services as case_services
from shouwen.core.testing import PASSWORD
from shouwen.workorders import services

from .conftest import register_repair


def test_a_technician_lands_on_his_jobs_and_the_desk_on_the_home_page(client, world):
    response = client.post(reverse("accounts:login"), {"username": "jishu", "password": PASSWORD})
    assert response["Location"] == reverse("mobile:home")
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": "qiantai", "password": PASSWORD})
    assert response["Location"] == reverse("core:home")
    client.logout()
    # A page asked for before signing in still wins.
    response = client.post(
        reverse("accounts:login") + "?next=/cases/", {"username": "jishu", "password": PASSWORD}
    )
    assert response["Location"] == "/cases/"


def test_the_phone_pages_have_the_bell_the_language_switch_and_sign_out(world, client_for):
    html = client_for(world.technician).get(reverse("mobile:home")).content.decode()
    assert 'id="bell"' in html
    assert reverse("set_language") in html and 'value="en"' in html
    assert reverse("accounts:logout") in html and 'id="sign-out"' in html


def test_a_technician_accepts_a_handover_on_the_phone_and_becomes_accountable(world, client_for):
    case = world.register(category="public_repair", content="3栋电梯异响", resident=None, unit=None)
    handover = case_services.hand_over(world.clerk, case, to_staff=world.technician, note="请检查电梯")
    client = client_for(world.technician)
    html = client.get(reverse("mobile:home")).content.decode()
    assert 'id="handovers"' in html and case.number in html and "请检查电梯" in html
    response = client.post(
        reverse("cases:act", args=[case.number, "accept_handover"]),
        {"handover": handover.pk, "next": reverse("mobile:home")},
    )
    assert response["Location"] == reverse("mobile:home")
    case.refresh_from_db()
    assert case.accountable == world.technician
    assert 'id="handovers"' not in client.get(reverse("mobile:home")).content.decode()
    # Only a path on this site is followed back.
    other = world.register(content="楼道灯不亮")
    h2 = case_services.hand_over(world.clerk, other, to_staff=world.technician, note="看一下")
    response = client.post(
        reverse("cases:act", args=[other.number, "accept_handover"]),
        {"handover": h2.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("cases:detail", args=[other.number])


def test_the_technician_sent_to_a_job_reveals_the_residents_number_and_the_reveal_is_logged(
    world, client_for
):
    case = register_repair(world)
    order = services.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    client = client_for(world.technician)
    page = client.get(reverse("mobile:job", args=[order.number])).content.decode()
    assert "13812345678" not in page and 'id="reveal-phone"' in page
    page = client.post(reverse("mobile:job", args=[order.number])).content.decode()
    assert 'href="tel:13812345678"' in page
    log = PersonalDataAccess.objects.get()
    assert log.user == world.technician.user
    assert log.resident == world.residents["owner"] and log.fields == "phone"
    assert order.number in log.reason and "上门预约联系" in log.reason
    # The log page lists it for those who read the log.
    assert order.number in client_for(world.supervisor).get(reverse("access:access_log")).content.decode()


def test_a_technician_not_sent_to_the_job_cannot_reveal_the_number(world, client_for):
    case = register_repair(world)
    order = services.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    client = client_for(world.staff["engineering_head"])
    page = client.get(reverse("mobile:job", args=[order.number])).content.decode()
    assert 'id="reveal-phone"' not in page
    response = client.post(reverse("mobile:job", args=[order.number]), follow=True)
    assert "13812345678" not in response.content.decode()
    assert "只有派到该工单的维修人员" in response.content.decode()
    assert not PersonalDataAccess.objects.exists()
