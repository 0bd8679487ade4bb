"""The document checklists seeded from the work rules (seed 001: 入住 ①, 装修 (1)–(5))."""

from __future__ import annotations

from typing import Any

PROCEDURES = [
    (
        "move_in_owner",
        "move_in",
        "入住办理（业主本人）",
        10,
        [
            ("业主身份证", "", True),
            ("入住通知单", "", True),
            ("房屋买卖契约（购房合同）", "", True),
        ],
    ),
    (
        "move_in_proxy",
        "move_in",
        "入住办理（委托他人代办）",
        20,
        [
            ("业主身份证", "可为复印件", True),
            ("入住通知单", "", True),
            ("房屋买卖契约（购房合同）", "", True),
            ("受托人身份证", "", True),
            ("业主签署的委托书", "", True),
        ],
    ),
    (
        "move_in_company",
        "move_in",
        "入住办理（单位购买）",
        30,
        [
            ("入住通知单", "", True),
            ("房屋买卖契约（购房合同）", "", True),
            ("单位证明（营业执照复印件加盖公章）", "", True),
            ("经办人个人身份证明", "", True),
        ],
    ),
    (
        "decoration_owner",
        "decoration",
        "装修申请（业主本人）",
        40,
        [
            ("业主身份证", "", True),
            ("装修方案（平面图、水电改造图）", "", True),
            ("施工单位营业执照及资质证书复印件", "", True),
            ("施工人员身份证复印件及一寸照片（办理临时出入证）", "", True),
            ("房产主管部门的批准书", "仅涉及拆改主体结构或明显加大荷载时需要", False),
        ],
    ),
    (
        "decoration_proxy",
        "decoration",
        "装修申请（委托他人代办）",
        50,
        [
            ("业主签署的委托书", "", True),
            ("受托人身份证", "", True),
            ("装修方案（平面图、水电改造图）", "", True),
            ("施工单位营业执照及资质证书复印件", "", True),
            ("施工人员身份证复印件及一寸照片（办理临时出入证）", "", True),
            ("房产主管部门的批准书", "仅涉及拆改主体结构或明显加大荷载时需要", False),
        ],
    ),
    (
        "item_release",
        "item_release",
        "物品放行",
        60,
        [
            ("业主身份证或业主书面同意（租户搬出时）", "", True),
            ("搬出物品清单", "", True),
        ],
    ),
]


def seed_checklists(procedure_model: Any, item_model: Any) -> None:
    """Create the seeded procedures and their items where missing (an admin's edits are kept)."""
    for code, category, name, order, items in PROCEDURES:
        proc, created = procedure_model.objects.get_or_create(
            code=code, defaults={"category": category, "name": name, "order": order}
        )
        if created:
            for i, (text, note, required) in enumerate(items, 1):
                item_model.objects.create(
                    procedure=proc, text=text, note=note, required=required, order=i * 10
                )
