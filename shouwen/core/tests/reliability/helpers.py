"""Shared pieces of the reliability tests: tokens, a richer world, sample rows per estate, the invariant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from shouwen.cases import services
from shouwen.cases.models import ACTIVE_STATUSES, Case, Handover, HandoverStatus, Responsibility
from shouwen.core.testing import PASSWORD, World
from shouwen.directory.models import Estate, PublicArea, Staff
from shouwen.directory.services import create_staff
from shouwen.notifications.services import notify

# A 1×1 PNG: the smallest file the attachment check accepts as a photo.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

# The people of the permission matrix: every role of make_world, the other estate's technician.
PERSONAS = (
    "front_desk",
    "cs_assistant",
    "cs_supervisor",
    "office_director",
    "technician",
    "engineering_head",
    "security",
    "cleaning",
    "finance_clerk",
    "deputy_gm",
    "admin",
    "other_technician",
)


def token_for(staff: Staff) -> str:
    """Return a new API token of the staff member (committed, so the server process sees it)."""
    from shouwen.accounts.tokens import issue_token

    _row, text = issue_token(staff.user, name="reliability tests")
    return text


def intake_body(world: World, n: int = 0, **overrides: Any) -> dict[str, Any]:
    """Return a valid POST /api/v1/cases/ body for the world's main estate, numbered ``n``."""
    body: dict[str, Any] = {
        "estate": world.estate.pk,
        "channel": "phone",
        "category": "complaint",
        "content": f"第{n}号来电：楼道灯不亮，晚上看不清台阶",
        "caller_name": "张先生",
        "caller_phone": "13812345678",
        "resident": world.residents["owner"].pk,
        "unit": world.units["3-2-1502"].pk,
    }
    body.update(overrides)
    return body


def assert_accountability_invariant() -> None:
    """Every active case has exactly one current holder, who is its accountable person; others none.

    At most one handover is pending per case, and the chain of holders has no gap or overlap.
    """
    problems: list[str] = []
    for case in Case.objects.all():
        current = list(Responsibility.objects.filter(case=case, ended_at__isnull=True))
        if case.status in ACTIVE_STATUSES:
            if len(current) != 1 or current[0].holder_id != case.accountable_id:
                problems.append(f"{case.number} ({case.status}): current holders {current}")
        elif current or case.accountable_id is not None:
            problems.append(f"{case.number} ({case.status}) is finished but has a holder")
        if Handover.objects.filter(case=case, status=HandoverStatus.PENDING).count() > 1:
            problems.append(f"{case.number}: more than one pending handover")
        chain = list(Responsibility.objects.filter(case=case).order_by("started_at", "pk"))
        for before, after in zip(chain, chain[1:], strict=False):
            if before.ended_at != after.started_at:
                problems.append(f"{case.number}: a gap or overlap in the chain")
    assert not problems, "\n".join(problems)


@dataclass
class Samples:
    """Rows of every kind in both estates, for filling path parameters with real ids."""

    world: World
    other_clerk: Staff
    cases: dict[str, Case] = field(default_factory=dict)  # "estate" / "other"
    notes: list[str] = field(default_factory=list)  # what could not be made, for failure messages


def other_estate_clerk(world: World) -> Staff:
    """Return a front-desk clerk serving only the other estate (created once)."""
    existing = Staff.objects.filter(user__username="qiantai2").first()
    if existing is not None:
        return existing
    return create_staff(
        company=world.company,
        username="qiantai2",
        password=PASSWORD,
        name="钱芳",
        staff_no="CH001",
        roles=["front_desk"],
        estates=[world.other_estate],
    )


def populate(world: World) -> Samples:
    """Give both estates a case of each shape: pending handover, note, attachment, return visit, notice."""
    other_clerk = other_estate_clerk(world)
    if not PublicArea.objects.filter(estate=world.other_estate).exists():
        PublicArea.objects.create(estate=world.other_estate, kind="lift", name="1栋电梯")
    samples = Samples(world=world, other_clerk=other_clerk)
    for key, estate, clerk, resident, unit in (
        ("estate", world.estate, world.clerk, world.residents["owner"], world.units["3-2-1502"]),
        (
            "other",
            world.other_estate,
            other_clerk,
            world.residents["other_owner"],
            world.units["other-1-101"],
        ),
    ):
        case = world.register(
            clerk,
            estate=estate,
            resident=resident,
            unit=unit,
            caller_name="",
            content="楼道灯不亮，晚上看不清台阶",
        )
        services.add_note(clerk, case, text="已联系电工")
        services.add_attachment(
            clerk, case, upload=SimpleUploadedFile("现场.png", PNG, content_type="image/png")
        )
        services.record_visit(clerk, case, channel="visit", content="住户再次来访催办")
        services.hand_over(
            clerk, case, to_department=estate.departments.get(kind="engineering"), note="请工程部处理"
        )
        samples.cases[key] = case
        # A complaint resolved by its holder waits for a return visit (followups opens it).
        complaint = world.register(
            clerk, estate=estate, resident=resident, unit=unit, caller_name="", content="保安态度不好"
        )
        services.resolve_case(clerk, complaint, resolution="已向住户道歉并批评教育当事保安")
        notify(clerk, title=f"{case.number} 已转工程部", case=case)
        _escalation(case, estate)
        _work_order(world, clerk, estate, resident, unit, samples)
        _patrol_report(world, estate)
        _duty(world, estate, clerk)
        _wechat(estate, resident)
        _notices(world, estate, resident)
    for code in PERSONAS:
        notify(world.staff[code], title="请查看本周排班", email=False)
    _home_visits_and_summaries(world)
    _surveys(world)
    return samples


def _home_visits_and_summaries(world: World) -> None:
    """Give both estates a visit area, a home visit and a monthly summary (by the administrator, who serves both)."""
    from django.utils import timezone

    from shouwen.homevisits.services import record_visit, set_area
    from shouwen.reports.summaries import start_summary

    admin = world.staff["admin"]
    for estate, unit in (
        (world.estate, world.units["3-2-1502"]),
        (world.other_estate, world.units["other-1-101"]),
    ):
        set_area(admin, estate=estate, assistant=admin, buildings=[unit.building])
        record_visit(admin, unit=unit, visited_at=timezone.now(), outcome="nobody_home", note_left=True)
        start_summary(admin, estate, timezone.localdate())


def _surveys(world: World) -> None:
    """Give both estates a survey round with an answered form and a comment (the admin serves both)."""
    from datetime import timedelta

    from django.utils import timezone

    from shouwen.surveys import services as surveys

    admin = world.staff["admin"]
    questionnaire = surveys.save_questionnaire(
        admin,
        title="业主意见征询表",
        questions=[
            surveys.QuestionInput("rating", "您对维修服务是否满意？", "engineering"),
            surveys.QuestionInput("comment", "您的意见和建议"),
        ],
    )
    today = timezone.localdate()
    for survey in surveys.start_rounds(
        admin,
        questionnaire=questionnaire,
        estates=[world.estate, world.other_estate],
        title="年度业主意见征询",
        opens_on=today,
        closes_on=today + timedelta(days=30),
        send_sms=False,
    ):
        household = survey.households.order_by("pk").first()
        if household is not None:
            rating, comment = questionnaire.questions.order_by("position")
            surveys.submit_response(
                household, {rating.pk: "satisfied", comment.pk: "希望增加垃圾桶"}, channel="sms_link"
            )


def _escalation(case: Any, estate: Estate) -> None:
    """Escalate the case's first deadline to the estate's supervisor (as the ladder would)."""
    from shouwen.sla.models import Escalation

    deadline = case.deadlines.order_by("pk").first()
    supervisor = Staff.objects.filter(estates=estate, roles__role="cs_supervisor").first()
    if deadline is not None and supervisor is not None:
        Escalation.objects.create(deadline=deadline, case=case, level=1, target=supervisor)


def _work_order(
    world: World, clerk: Staff, estate: Estate, resident: Any, unit: Any, samples: Samples
) -> None:
    """Open a work order for a repair of the estate, where the workorders app offers the service."""
    try:
        from shouwen.workorders.services import create_work_order
    except ImportError:  # the app is not there (yet): its endpoints are then checked without rows
        return
    repair = world.register(
        clerk,
        estate=estate,
        category="household_repair",
        content="卫生间水龙头漏水",
        caller_name="",
        resident=resident,
        unit=unit,
    )
    technicians = list(Staff.objects.filter(estates=estate, roles__role="technician")[:1])
    try:
        create_work_order(clerk, repair, trade="plumbing", technicians=technicians)
    except (TypeError, ValidationError, PermissionDenied) as exc:
        samples.notes.append(f"no work order in {estate.code}: {exc}")


def _patrol_report(world: World, estate: Estate) -> None:
    """Hand in a patrol report with a finding (and its photo, as a case) where the rounds app offers it."""
    try:
        from shouwen.rounds import services as rounds
    except ImportError:  # the app is not there: its endpoints are then checked without rows
        return
    items = [
        rounds.ItemInput(
            checkpoint=cp,
            normal=i != 0,
            finding="" if i else "道闸抬杆失灵",
            needs_action=i == 0,
            photos=() if i else (SimpleUploadedFile("道闸.png", PNG, content_type="image/png"),),
        )
        for i, cp in enumerate(rounds.active_checkpoints(estate))
    ]
    rounds.submit_report(world.staff["deputy_gm"], estate, items)


def _duty(world: World, estate: Estate, clerk: Staff) -> None:
    """Roster the clerk today, let her write a handover sheet to the administrator, and log a night call."""
    from django.utils import timezone

    from shouwen.duty import services as duty

    admin = world.staff["admin"]
    entry = duty.add_roster_entry(admin, estate=estate, day=timezone.localdate(), kind="day", staff=clerk)
    duty.create_sheet(clerk, incoming=admin, estate=estate, entry=entry, notes="电梯按钮一事今晚须回电")
    duty.record_night_entry(clerk, estate=estate, content="楼下车库门打不开", caller_name="陈先生")


def _wechat(estate: Estate, resident: Any) -> None:
    """Give the estate an official account with a follower bound to the resident."""
    from shouwen.wechat.models import Follower, WechatAccount

    account = WechatAccount.objects.create(
        estate=estate,
        name=f"{estate.name}物业",
        app_id=f"wx{estate.code.lower()}0000000001",
        token="MatrixToken1",
    )
    Follower.objects.create(account=account, openid=f"o{estate.code}Follower000000000001", resident=resident)


def _notices(world: World, estate: Estate, resident: Any) -> None:
    """Publish a notice with an attachment (read by the resident), keep a draft, record the board's renewal."""
    from django.utils import timezone

    from shouwen.notices import services as notices

    admin = world.staff["admin"]
    text = notices.NoticeInput(
        title="停水通知", body="明日 9:00–17:00 停水，请提前储水。", valid_from=timezone.localdate()
    )
    notice = notices.create_draft(admin, estate, text)
    notices.add_attachment(admin, notice, SimpleUploadedFile("停水.png", PNG, content_type="image/png"))
    notices.publish(admin, notice)
    notices.mark_read(notice, resident)
    notices.create_draft(admin, estate, text)
    notices.renew_board(admin, estate, note="停水通知", notices=[notice])


def rows_in(model: type[Model], estate: Estate) -> Any:
    """Return the model's rows that lie in the estate (by its ESTATE_LOOKUP), or None without one."""
    lookup = getattr(model, "ESTATE_LOOKUP", None)
    if lookup is None:
        return None
    if lookup == "pk":
        return model._default_manager.filter(pk=estate.pk)
    return model._default_manager.filter(**{lookup: estate.pk}).order_by("pk")
