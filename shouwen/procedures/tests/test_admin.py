"""The admin's pages for procedures: the list, a procedure with its checklist, adding one."""

from __future__ import annotations

import pytest

from shouwen.cases.models import CaseStatus
from shouwen.procedures.models import Procedure

pytestmark = pytest.mark.django_db

LIST = "/admin/procedures/procedure/"


def test_the_admin_lists_the_procedures_and_filters_them_by_category(world, client_for):
    client = client_for(world.staff["admin"])
    page = client.get(LIST).content.decode()
    assert "入住办理（委托他人代办）" in page and "物品放行" in page
    decoration = client.get(LIST, {"category": "decoration"}).content.decode()
    assert "装修申请（业主本人）" in decoration
    assert "入住办理（业主本人）" not in decoration


def test_a_procedure_page_shows_its_checklist_to_edit(world, client_for):
    procedure = Procedure.objects.get(code="decoration_owner")
    page = client_for(world.staff["admin"]).get(f"{LIST}{procedure.pk}/change/").content.decode()
    for item in procedure.items.all():
        assert item.text in page
    assert "仅涉及拆改主体结构或明显加大荷载时需要" in page


def test_a_procedure_added_in_the_admin_is_asked_of_the_next_case(world, client_for):
    response = client_for(world.staff["admin"]).post(
        f"{LIST}add/",
        {
            "code": "move_in_renter",
            "category": "move_in",
            "name": "入住办理（租户）",
            "description": "",
            "active": "on",
            "order": "35",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-text": "租赁合同",
            "items-0-note": "",
            "items-0-required": "on",
            "items-0-active": "on",
            "items-0-order": "10",
            "items-1-text": "租户身份证",
            "items-1-note": "",
            "items-1-required": "on",
            "items-1-active": "on",
            "items-1-order": "20",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure = Procedure.objects.get(code="move_in_renter")
    case = world.register(channel="visit", category="move_in", content="租户办理入住", procedure=procedure)
    assert case.status == CaseStatus.AWAITING_DOCUMENTS
    assert sorted(case.documents.values_list("item__text", flat=True)) == ["租户身份证", "租赁合同"]


def test_only_administrators_reach_the_procedures_admin(world, client_for):
    assert client_for(world.supervisor).get(LIST).status_code == 302
