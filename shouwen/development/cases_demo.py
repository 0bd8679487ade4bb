"""Demo cases in every state, registered through the service functions and spread over two months."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwen.cases import services
from shouwen.cases.models import Case, CaseEvent, Contact, Handover, Responsibility
from shouwen.directory.models import Department, Estate, PublicArea, Resident, Staff
from shouwen.procedures.models import Procedure

CONTENT = {
    "household_repair": [
        ("卫生间天花板漏水，楼上住户不在家", "已维修防水层，试漏48小时无渗漏"),
        ("厨房下水道堵塞，水排不下去", "已疏通下水管"),
        ("入户门锁芯坏了，钥匙拧不动", "已更换锁芯，费用按有偿服务收取"),
        ("客厅插座没电，空气开关跳闸", "已更换损坏插座"),
        ("阳台地漏返水，下雨时积水", "已清理地漏并加装防返水芯"),
        ("窗户关不严，漏风", "已调整合页"),
    ],
    "public_repair": [
        ("电梯困人，有两位老人被困", "电梯维保单位到场救出，已检修门机"),
        ("电梯运行时有异响", "维保单位已更换导靴"),
        ("楼道灯不亮，晚上很黑", "已更换感应灯"),
        ("单元门禁坏了，刷卡开不了门", "已更换门禁读卡器"),
        ("地下车库积水，靠近B区车位", "已清理排水沟"),
        ("小区路灯不亮，中心花园附近", "已更换灯具"),
        ("水泵房噪音大，影响低层住户休息", "已更换减震垫"),
    ],
    "complaint": [
        ("楼上装修噪音，中午也在施工", "已通知装修户遵守施工时间"),
        ("邻居在楼道堆放杂物，影响通行", "已协调邻居清理"),
        ("保安态度不好，进门时被呵斥", "已对当班保安批评教育并上门致歉"),
        ("垃圾清运不及时，有异味", "已增加清运频次"),
        ("维修拖延，报修三天没人来", "已安排当天上门并致歉"),
        ("小区内有人遛狗不牵绳", "已张贴文明养犬提示并加强巡查"),
    ],
    "consultation": [
        ("物业费可以用手机缴纳吗", "可以，通过公众号缴纳"),
        ("装修施工时间有什么规定", "工作日8:00-12:00、14:00-18:00，周末不得进行噪音施工"),
        ("停车月卡怎么办理", "携带行驶证到客服中心办理"),
        ("快递能否代收", "客服中心可代收小件快递"),
    ],
    "suggestion": [
        ("建议增加儿童游乐设施", "已纳入明年改造计划"),
        ("建议增设电动车充电桩", "已报管理处研究"),
    ],
    "praise": [("表扬刘师傅维修认真负责", "已转达并在月度例会表扬")],
    "other_service": [("请帮忙开具居住证明", "已开具")],
}


# Which kind of public area a public-repair text is about.
AREA_KIND = {
    "电梯": "lift",
    "楼道灯": "lobby",
    "门禁": "lobby",
    "车库": "garage",
    "路灯": "lighting",
    "水泵": "pump_room",
}


def _area_for(content: str, areas: list[PublicArea], rng: random.Random) -> PublicArea:
    kind = next((k for word, k in AREA_KIND.items() if word in content), None)
    fitting = [a for a in areas if a.kind == kind] or areas
    return rng.choice(fitting)


def _shift(case: Case, delta: timedelta) -> None:
    from shouwen.followups.models import ReturnVisit, ReturnVisitAttempt
    from shouwen.sla.models import Deadline

    """Move a freshly created case and its history back in time by ``delta`` (demo data only)."""
    # The first contact was registered with its real reception time already; later ones were not.
    Contact.objects.filter(pk=case.origin_id).update(received_at=F("received_at") + delta)
    for model, fields, key in (
        (Case, ("created_at", "updated_at", "resolved_at", "closed_at"), "pk"),
        (Contact, ("received_at", "registered_at"), "case"),
        (Responsibility, ("started_at", "ended_at"), "case"),
        (Handover, ("created_at", "decided_at"), "case"),
        (CaseEvent, ("at",), "case"),
        # Visits before deadlines: shifting a deadline moves the waiting visit's due time with it.
        (ReturnVisit, ("created_at", "due_at", "last_attempt_at", "visited_at"), "case"),
        (ReturnVisitAttempt, ("at",), "visit__case"),
        (Deadline, ("started_at", "due_at", "near_at", "final_at", "next_check_at", "met_at"), "case"),
    ):
        for row in model.objects.filter(**{key: case.pk}):
            for f in fields:
                value = getattr(row, f)
                if value is not None:
                    setattr(row, f, value - delta)
            row.save(update_fields=list(fields))


@transaction.atomic
def load_demo_cases(estate: Estate, count: int, seed: int = 2026) -> int:
    """Register ``count`` demo cases for the estate and take them to every state."""
    rng = random.Random(f"{seed}-{estate.code}")
    staff = list(Staff.objects.filter(estates=estate, is_active=True).select_related("department", "user"))
    by_role: dict[str, list[Staff]] = {}
    for s in staff:
        for code in s.role_codes:
            by_role.setdefault(code, []).append(s)
    desk = by_role.get("front_desk", []) + by_role.get("cs_assistant", [])
    supervisor = (by_role.get("cs_supervisor") or by_role.get("office_director") or staff)[0]
    technicians = by_role.get("technician", [])
    departments = {d.kind: d for d in Department.objects.filter(estate=estate)}
    residents = list(
        Resident.objects.filter(estate=estate).prefetch_related("phones", "occupancies__unit")[:600]
    )
    areas = list(PublicArea.objects.filter(estate=estate))
    procedures = list(Procedure.objects.filter(active=True).prefetch_related("items"))
    categories = ["household_repair"] * 30 + ["public_repair"] * 30 + ["complaint"] * 8 + ["consultation"] * 8
    categories += ["suggestion"] * 2 + ["praise"] * 2 + ["other_service"] * 2 + ["procedure"] * 6
    made = 0
    now = timezone.now()
    # Oldest first, so that each day's case numbers follow the time of the call.
    # Registered with their reception time, which the service accepts back to the backdating window.
    oldest = min(60, settings.SHOUWEN_CONTACT_BACKDATE_DAYS - 1)
    ages = sorted(
        (rng.uniform(0, oldest) if i >= 40 else rng.uniform(0, 2) for i in range(count)), reverse=True
    )
    for days_ago in ages:
        when = now - timedelta(days=days_ago)
        first = rng.choice(desk if rng.random() < 0.85 else staff)
        resident = rng.choice(residents)
        occupancy = next(iter(resident.occupancies.all()), None)
        kind = rng.choice(categories)
        phone = next(iter(resident.phones.all()), None)
        common: dict[str, Any] = {
            "estate": estate,
            "channel": rng.choice(["phone"] * 6 + ["visit"] * 3 + ["web", "patrol", "letter"]),
            "caller_name": resident.name,
            "caller_phone": phone.number if phone else "",
            "resident": resident,
            "received_at": when,
        }
        try:
            if kind == "procedure":
                proc = rng.choice(procedures)
                items = list(proc.items.all())
                brought = [it.pk for it in items if rng.random() < 0.7]
                contact = services.register_contact(
                    first,
                    category=proc.category,
                    content=f"办理{proc.name}",
                    procedure=proc,
                    unit=occupancy.unit if occupancy else None,
                    documents_provided=brought,
                    **{**common, "channel": "visit"},
                )
            else:
                content, result = rng.choice(CONTENT[kind])
                public = kind == "public_repair"
                contact = services.register_contact(
                    first,
                    category=kind,
                    content=content,
                    unit=None if public or not occupancy else occupancy.unit,
                    public_area=_area_for(content, areas, rng) if public else None,
                    severity=rng.choice(["minor", "minor", "important", "major"])
                    if kind == "complaint"
                    else "",
                    preferred_time=rng.choice(["工作日晚上", "周六上午", "随时"]) if "repair" in kind else "",
                    **common,
                )
        except (ValidationError, PermissionDenied):
            continue
        case = contact.case
        assert case is not None
        # A refused step (e.g. handing a case to oneself) leaves the case where it is.
        with contextlib.suppress(ValidationError, PermissionDenied):
            _advance(case, rng, first, supervisor, technicians, departments, days_ago)
        _shift(case, now - when)
        made += 1
    return made


# The seeds' month (003 模板5): repair satisfaction 70%; the rest mostly "basically", some unsatisfied.
SATISFACTION_MIX = {"very_satisfied": 22, "satisfied": 48, "basically": 18, "unsatisfied": 12}
UNSATISFIED_WORDS = [
    "维修后还是有点漏水",
    "师傅说好上午来，下午才到，问题也没彻底解决",
    "处理结果不满意，希望再派人来看看",
]


def _visit_back(case: Case, rng: random.Random, first: Staff, supervisor: Staff, tech: Staff) -> None:
    """Visit the resident back as the service centre does: calls unanswered, some reworks, then closed."""
    from shouwen.access.permissions import can
    from shouwen.access.roles import Cap
    from shouwen.followups import services as followups
    from shouwen.followups.models import ReturnVisit

    visitor = first if can(first.user, Cap.FOLLOWUP_VISIT) else supervisor
    for round_no in (1, 2):
        visit = ReturnVisit.objects.get(case=case, status="pending")
        for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2, 3])):
            followups.record_no_answer(visitor, visit, rng.choice(["no_answer", "no_answer", "asked_later"]))
        visit.refresh_from_db()
        if visit.attempts >= 3 and rng.random() < 0.5:
            services.close_case(supervisor, case, note="连续三次电话回访无人接听，已留言，主管确认办结")
            return
        mix = {k: w for k, w in SATISFACTION_MIX.items() if round_no == 1 or k != "unsatisfied"}
        satisfaction = rng.choices(list(mix), weights=list(mix.values()))[0]
        comments = rng.choice(UNSATISFIED_WORDS) if satisfaction == "unsatisfied" else ""
        followups.record_return_visit(
            visitor,
            visit,
            channel=rng.choice(["phone"] * 4 + ["in_person"]),
            satisfaction=satisfaction,
            comments=comments,
        )
        if satisfaction != "unsatisfied":
            return
        services.resolve_case(tech, case, resolution="已返工处理，住户确认")


def _complete_documents(case: Case, rng: random.Random, first: Staff, days_ago: float) -> None:
    """A procedure short of documents: the notice is often given; older ones were completed and done."""
    if rng.random() < 0.6:
        services.give_one_time_notice(first, case, channel=rng.choice(["printed", "sms", "spoken"]))
    if days_ago > 3 and rng.random() < 0.7:
        missing = list(case.documents.filter(provided=False).values_list("item_id", flat=True))
        services.record_visit(first, case, channel="visit", content="补交资料")
        services.tick_documents(first, case, item_ids=missing)
        services.accept_for_processing(first, case)
        services.resolve_case(first, case, resolution="手续已办结")


def _advance(
    case: Case,
    rng: random.Random,
    first: Staff,
    supervisor: Staff,
    technicians: list[Staff],
    departments: dict[str, Department],
    days_ago: float,
) -> None:
    """Take a new case to a state that fits its age: recent ones open, older ones mostly closed."""
    if case.status == "awaiting_documents":
        _complete_documents(case, rng, first, days_ago)
        return
    roll = rng.random()
    if case.category in ("household_repair", "public_repair", "complaint") and technicians:
        dept = departments.get("engineering") if "repair" in case.category else departments.get("service")
        tech = rng.choice(technicians)
        if roll < 0.12:
            services.hand_over(first, case, to_department=dept or tech.department, note="请安排处理")
            return  # left pending: the giver stays accountable
        if roll < 0.15:
            services.keep_in_stead(first, case, department=departments["engineering"])
            return
        if roll < 0.18:
            services.request_assignment(first, case, note="不确定责任部门，请主管指派")
            return
        handover = services.hand_over(first, case, to_staff=tech, note="请上门处理，住户在家")
        if rng.random() < 0.08:
            services.return_handover(tech, handover, reason="属于开发商保修范围，请先联系开发商")
            return
        services.accept_handover(tech, handover)
        services.record_attribution(
            tech, case, attribution=rng.choice(["property", "developer", "natural", "resident", "contractor"])
        )
        if days_ago < 1.5 and rng.random() < 0.6:
            return
        content = next((r for c, r in CONTENT.get(case.category, []) if c in case.summary), "已处理")
        services.resolve_case(tech, case, resolution=content)
        if days_ago > 4 and rng.random() < 0.89:  # the seeds' month: return-visit rate 89%
            _visit_back(case, rng, first, supervisor, tech)
        return
    if roll < 0.05:
        services.decline_case(first, case, explanation="不属于物业服务范围，已耐心解释并建议通过法律途径解决")
    elif roll < 0.08:
        services.void_case(supervisor, case, reason="重复登记")
    elif days_ago > 1 or roll < 0.7:
        content = next((r for c, r in CONTENT.get(case.category, []) if c in case.summary), "已答复住户")
        services.resolve_case(first, case, resolution=content)
