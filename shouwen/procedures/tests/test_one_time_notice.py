"""What a procedure's checklist asks of a case: the documents it tracks and its one-time notice (一次性告知)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.core.exceptions import ValidationError

from shouwen.cases import services
from shouwen.cases.models import Case, CaseStatus
from shouwen.procedures.models import ChecklistItem, Procedure

pytestmark = pytest.mark.django_db


def apply_for(world, code: str, provided: Sequence[str] = ()) -> Case:
    """The owner comes to the desk for the procedure, bringing the documents named."""
    procedure = Procedure.objects.get(code=code)
    return world.register(
        channel="visit",
        category=procedure.category,
        content="前来办理手续",
        procedure=procedure,
        documents_provided=list(procedure.items.filter(text__in=provided).values_list("pk", flat=True)),
    )


def test_the_names_people_read_are_the_procedure_and_document_names():
    procedure = Procedure.objects.get(code="move_in_proxy")
    assert str(procedure) == "入住办理（委托他人代办）"
    assert str(procedure.items.first()) == "业主身份证"


def test_a_case_tracks_each_active_item_of_its_procedure_and_waits_for_the_missing_ones(world):
    ChecklistItem.objects.filter(procedure__code="move_in_owner", text="入住通知单").update(active=False)
    case = apply_for(world, "move_in_owner", provided=["业主身份证"])
    assert case.status == CaseStatus.AWAITING_DOCUMENTS
    assert sorted(case.documents.values_list("item__text", flat=True)) == sorted(
        ["业主身份证", "房屋买卖契约（购房合同）"]
    )
    assert services.missing_documents(case) == ["房屋买卖契约（购房合同）"]


def test_everything_brought_at_once_opens_the_case_without_a_notice(world):
    case = apply_for(
        world, "item_release", provided=["业主身份证或业主书面同意（租户搬出时）", "搬出物品清单"]
    )
    assert case.status == CaseStatus.OPEN
    assert services.missing_documents(case) == []


def test_the_notice_lists_only_the_required_documents_still_missing_in_checklist_order(world):
    case = apply_for(world, "decoration_owner", provided=["业主身份证"])
    notice = services.give_one_time_notice(world.clerk, case, channel="printed")
    assert notice.missing == [
        "装修方案（平面图、水电改造图）",
        "施工单位营业执照及资质证书复印件",
        "施工人员身份证复印件及一寸照片（办理临时出入证）",
    ]
    assert "房产主管部门的批准书" not in notice.text  # only for structural work: not asked of everyone


def test_the_notice_text_names_the_estate_procedure_and_number_and_asks_for_one_trip(world):
    case = apply_for(
        world, "move_in_proxy", provided=["业主身份证", "入住通知单", "房屋买卖契约（购房合同）"]
    )
    text = services.give_one_time_notice(world.clerk, case, channel="sms").text
    lines = text.splitlines()
    assert lines[0] == (
        f"【丽景园客服中心】一次性告知：您办理的“入住办理（委托他人代办）”（编号 {case.number}）还需补充以下资料："
    )
    assert lines[1:3] == ["1. 受托人身份证", "2. 业主签署的委托书"]
    assert lines[-1] == "请一次带齐以上资料前来办理。如有疑问请致电客服中心。"


def test_an_admin_reordering_the_checklist_reorders_the_notice(world):
    ChecklistItem.objects.filter(procedure__code="move_in_proxy", text="业主签署的委托书").update(order=5)
    case = apply_for(
        world, "move_in_proxy", provided=["业主身份证", "入住通知单", "房屋买卖契约（购房合同）"]
    )
    assert services.missing_documents(case) == ["业主签署的委托书", "受托人身份证"]


def test_a_notice_is_refused_once_everything_is_there(world):
    case = apply_for(world, "move_in_owner", provided=["业主身份证", "入住通知单"])
    services.tick_documents(
        world.clerk, case, item_ids=list(case.documents.values_list("item_id", flat=True))
    )
    with pytest.raises(ValidationError, match="资料已齐全"):
        services.give_one_time_notice(world.clerk, case, channel="printed")
