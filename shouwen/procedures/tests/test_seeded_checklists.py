"""The checklists seeded from the customer-service work rules (seed 001: 入住 ①, 装修 (1), 物品放行)."""

from __future__ import annotations

import pytest

from shouwen.cases.models import PROCEDURE_CATEGORIES, Category
from shouwen.procedures.models import ChecklistItem, Procedure
from shouwen.procedures.seed import PROCEDURES, seed_checklists

pytestmark = pytest.mark.django_db

OWNER_PAPERS = ["业主身份证", "入住通知单", "房屋买卖契约（购房合同）"]


def texts(code: str) -> list[str]:
    return [item.text for item in Procedure.objects.get(code=code).items.all()]


def test_every_seeded_procedure_is_there_in_desk_order():
    assert list(Procedure.objects.values_list("code", flat=True)) == [
        "move_in_owner",
        "move_in_proxy",
        "move_in_company",
        "decoration_owner",
        "decoration_proxy",
        "item_release",
    ]
    assert all(p.active for p in Procedure.objects.all())


def test_each_procedure_belongs_to_a_registration_category_that_takes_a_checklist():
    for procedure in Procedure.objects.all():
        assert procedure.category in Category.values
        assert procedure.category in PROCEDURE_CATEGORIES


def test_moving_in_asks_the_papers_the_rules_name_for_owner_proxy_and_company():
    # 业主本人：身份证、入住通知单、房屋买卖契约
    assert texts("move_in_owner") == OWNER_PAPERS
    # 委托他人代办：除上述资料外，还需提供委托人身份证及委托书
    proxy = texts("move_in_proxy")
    assert proxy[:3] == OWNER_PAPERS
    assert proxy[3:] == ["受托人身份证", "业主签署的委托书"]
    # 单位购买：还需提供单位证明及个人身份证明
    company = texts("move_in_company")
    assert "单位证明（营业执照复印件加盖公章）" in company
    assert "经办人个人身份证明" in company
    assert "业主身份证" not in company


def test_a_proxys_copy_of_the_owners_id_is_enough():
    item = ChecklistItem.objects.get(procedure__code="move_in_proxy", text="业主身份证")
    assert item.note == "可为复印件"
    assert item.required


def test_the_housing_authoritys_approval_is_needed_only_for_structural_work():
    for code in ("decoration_owner", "decoration_proxy"):
        approval = ChecklistItem.objects.get(procedure__code=code, text="房产主管部门的批准书")
        assert approval.required is False
        assert "拆改主体结构" in approval.note
        others = ChecklistItem.objects.filter(procedure__code=code).exclude(pk=approval.pk)
        assert all(item.required for item in others)


def test_items_are_numbered_in_steps_of_ten_so_an_admin_can_slot_one_in_between():
    for code, _category, _name, _order, items in PROCEDURES:
        orders = list(Procedure.objects.get(code=code).items.values_list("order", flat=True))
        assert orders == [10 * i for i in range(1, len(items) + 1)]


def test_seeding_again_keeps_an_admins_edits_and_adds_nothing_twice():
    item = ChecklistItem.objects.get(procedure__code="move_in_owner", text="入住通知单")
    item.text = "入住通知单（原件）"
    item.save()
    Procedure.objects.filter(code="item_release").update(name="物品放行条")
    before = ChecklistItem.objects.count()
    seed_checklists(Procedure, ChecklistItem)
    assert ChecklistItem.objects.count() == before
    assert Procedure.objects.count() == len(PROCEDURES)
    assert "入住通知单（原件）" in texts("move_in_owner")
    assert Procedure.objects.get(code="item_release").name == "物品放行条"


def test_a_procedure_removed_before_any_case_used_it_is_seeded_again():
    Procedure.objects.get(code="item_release").delete()
    seed_checklists(Procedure, ChecklistItem)
    assert texts("item_release") == ["业主身份证或业主书面同意（租户搬出时）", "搬出物品清单"]
