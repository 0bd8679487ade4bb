"""The monthly summary and next month's plan (000 篇2 九 5: reported by the 30th of each month).

A draft is written from the month's figures (the statistics of :mod:`shouwen.reports.services`
and the home visits), shaped like the seeds' 物业客服月度总结: daily reception, targets, home
visits, problems found, then next month's plan. The supervisor edits and submits it; a submitted
revision is read-only and a change makes a new revision; from the 25th a supervisor whose estate
has submitted nothing is reminded once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import visible_estate_ids
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths
from shouwen.directory.models import Estate, Staff
from shouwen.reports.models import MonthlySummary, SummaryReminder, SummaryStatus
from shouwen.reports.periods import Period

REMINDER_DAY = 25  # the supervisor is reminded from this day of the month (submitted by the 30th)
SUPERVISOR_ROLE = "cs_supervisor"


class SummaryConflict(Exception):
    """The summary changed state meanwhile: submitted, or a newer revision exists."""


def month_start(day: date) -> date:
    """Return the first day of the day's month."""
    return day.replace(day=1)


def _require(staff: Staff, estate_id: int) -> None:
    if (
        not staff.is_active
        or not can(staff.user, Cap.SUMMARY_WRITE)
        or estate_id not in visible_estate_ids(staff.user)
    ):
        raise PermissionDenied(_("您无权编写该小区的月度总结。"))


# ── Writing the draft from the figures ────────────────────────────────────────────────────────


def month_figures(estate: Estate, month: date, now: datetime | None = None) -> dict[str, Any]:
    """Return the figures a summary is written from, as plain JSON (kept with the draft)."""
    from shouwen.cases.models import ACTIVE_STATUSES, Case
    from shouwen.homevisits import services as visits
    from shouwen.reports import services
    from shouwen.sla.calendar import BusinessCalendar

    period = Period.month(month.year, month.month)
    report = services.build_monthly_report([estate.pk], period, now)
    nxt = Period.month((period.end + timedelta(days=1)).year, (period.end + timedelta(days=1)).month)
    calendar = BusinessCalendar.for_estate(estate)
    working_days = sum(1 for n in range(nxt.days) if calendar.is_workday(nxt.start + timedelta(days=n)))
    coverage = visits.coverage([estate.pk])
    estate_row = coverage.estates[0] if coverage.estates else None
    total = report.comparison.total or [0, 0, None, 0, None]
    return {
        "month": f"{period.start:%Y-%m}",
        "next_month": f"{nxt.start:%Y-%m}",
        "contacts": total[0],
        "contacts_before": total[1],
        "by_category": [[label, values[0]] for label, values in report.comparison.rows],
        "analysis": report.analysis,
        "rates": [
            {"label": r.label, "percent": _num(r.percent), "target": _num(r.target), "status": r.status}
            for r in report.rates
        ],
        "recurring": [[label, values[0]] for label, values in report.recurring.places.rows[:3]],
        "open_cases": Case.objects.filter(estate=estate, status__in=ACTIVE_STATUSES).count(),
        "visits": visits.month_figures([estate.pk], period.start, period.end),
        "coverage": {
            "occupied": estate_row.occupied if estate_row else 0,
            "visited": estate_row.visited if estate_row else 0,
            "percent": _num(estate_row.percent) if estate_row else None,
            "never": estate_row.never if estate_row else 0,
            "assistants": len(coverage.areas),
        },
        "next_working_days": working_days,
    }


def _num(value: Any) -> float | None:
    return float(value) if value is not None else None


def write_summary(estate: Estate, f: dict[str, Any]) -> str:
    """Write the month's summary from the figures, in the seeds' order."""
    lines = [
        _("%(month)s 月，%(estate)s 客服中心工作总结如下：") % {"month": f["month"], "estate": estate.name},
        "",
    ]
    lines.append(_("一、日常接待工作"))
    by_category = "、".join(
        _("%(label)s %(n)s 宗") % {"label": label, "n": n} for label, n in f["by_category"] if n
    )
    lines.append(
        _("本月共登记来电来访 %(n)s 宗（上月 %(p)s 宗）%(detail)s。")
        % {
            "n": f["contacts"],
            "p": f["contacts_before"],
            "detail": (_("，其中") + by_category) if by_category else "",
        }
    )
    lines.append("")
    lines.append(_("二、指标完成情况"))
    rated = [r for r in f["rates"] if r["percent"] is not None]
    for r in rated:
        mark = {"met": _("达标"), "missed": _("未达标")}.get(r["status"], "")
        target = _("（目标 %(t)s%%）") % {"t": r["target"]} if r["target"] is not None else ""
        lines.append(f"{r['label']} {r['percent']}%{target} {mark}".rstrip())
    if not rated:
        lines.append(_("本月没有可计算的指标。"))
    lines.append("")
    v, c = f["visits"], f["coverage"]
    lines.append(_("三、上门走访工作"))
    lines.append(
        _(
            "本月上门走访 %(total)s 户次，其中见到住户 %(visited)s 户（入户 %(entered)s 户），无人在家 %(nobody)s 户（已留便条），"
            "住户婉拒 %(refused)s 户；收集意见建议 %(opinions)s 条，登记为事项 %(cases)s 宗。"
        )
        % {
            "total": v["total"],
            "visited": v["visited"],
            "entered": v["entered"],
            "nobody": v["nobody_home"],
            "refused": v["refused"],
            "opinions": v["with_opinions"],
            "cases": v["cases"],
        }
    )
    if c["occupied"]:
        lines.append(
            _("近一年走访覆盖 %(visited)s / %(occupied)s 户（%(percent)s%%），尚有 %(never)s 户从未走访。")
            % c
        )
    lines.append("")
    lines.append(_("四、存在的问题"))
    problems = [r for r in rated if r["status"] == "missed"]
    for r in problems:
        lines.append(_("%(label)s 未达到目标。") % {"label": r["label"]})
    for label, n in f["recurring"]:
        lines.append(_("%(place)s 重复发生问题 %(n)s 宗。") % {"place": label, "n": n})
    if f["open_cases"]:
        lines.append(_("月末仍有 %(n)s 宗事项未办结。") % {"n": f["open_cases"]})
    if not problems and not f["recurring"] and not f["open_cases"]:
        lines.append(_("本月未发现突出问题。"))
    return "\n".join(lines)


def write_plan(f: dict[str, Any]) -> str:
    """Write next month's plan from what the figures show is left to do."""
    lines = [_("%(month)s 月工作计划：") % {"month": f["next_month"]}]
    items = []
    if f["open_cases"]:
        items.append(_("跟进未办结的 %(n)s 宗事项，做到件件有回音。") % {"n": f["open_cases"]})
    for r in f["rates"]:
        if r["status"] == "missed":
            items.append(
                _("分析%(label)s未达标的原因，制定改进措施，力争达到 %(t)s%%。")
                % {"label": r["label"], "t": r["target"]}
            )
    for label, _n in f["recurring"]:
        items.append(_("会同相关部门排查%(place)s反复发生问题的根源。") % {"place": label})
    c = f["coverage"]
    if c["assistants"]:
        per_day_total = c["assistants"] * 4
        items.append(
            _(
                "下月共 %(days)s 个工作日，%(people)s 名客服助理每人每天走访 4–5 户，计划走访不少于 %(n)s 户，优先走访从未走访的 %(never)s 户。"
            )
            % {
                "days": f["next_working_days"],
                "people": c["assistants"],
                "n": per_day_total * f["next_working_days"],
                "never": c["never"],
            }
        )
    items.append(_("每日翻阅前一天的报修与投诉，及时回访已完成的事项。"))
    items.append(_("月末汇总走回访记录，统计分析后报管理处主任。"))
    lines += [f"{n}. {text}" for n, text in enumerate(items, start=1)]
    return "\n".join(lines)


# ── The supervisor's steps ────────────────────────────────────────────────────────────────────


def revisions(estate_id: int, month: date) -> QuerySet[MonthlySummary]:
    """Return every revision of the estate's summary of the month, newest first."""
    return MonthlySummary.objects.filter(estate_id=estate_id, month=month_start(month)).order_by("-revision")


def ensure_draft(
    estate: Estate, month: date, by: Staff | None = None, now: datetime | None = None
) -> MonthlySummary:
    """Return the month's latest revision, writing a first draft from the figures when there is none."""
    month = month_start(month)
    latest = revisions(estate.pk, month).first()
    if latest is not None:
        return latest
    figures = month_figures(estate, month, now)
    try:
        with transaction.atomic():
            return MonthlySummary.objects.create(
                estate=estate,
                month=month,
                summary=write_summary(estate, figures),
                plan=write_plan(figures),
                figures=figures,
                updated_by=by,
            )
    except IntegrityError:  # written at the same moment by another request or the worker
        latest = revisions(estate.pk, month).first()
        assert latest is not None
        return latest


def start_summary(staff: Staff, estate: Estate, month: date) -> MonthlySummary:
    """Open the month's summary for the supervisor: the draft, written now if it is not yet."""
    _require(staff, estate.pk)
    if not 2000 <= month.year <= 2099 or month_start(month) > month_start(timezone.localdate()):
        raise ValidationError({"month": _("只能编写本月或以前月份的总结。")})
    return ensure_draft(estate, month, by=staff)


def _locked_draft(summary: MonthlySummary) -> MonthlySummary:
    locked = MonthlySummary.objects.select_for_update().get(pk=summary.pk)
    if locked.status != SummaryStatus.DRAFT:
        raise SummaryConflict(_("该月度总结已提交，不能再修改；如需修改请生成新版本。"))
    return locked


def save_summary(
    staff: Staff, summary: MonthlySummary, *, summary_text: str, plan_text: str
) -> MonthlySummary:
    """Save the supervisor's edits of a draft."""
    _require(staff, summary.estate_id)
    check_lengths({"summary": (summary_text, LONG_TEXT_MAX), "plan": (plan_text, LONG_TEXT_MAX)})
    with transaction.atomic():
        locked = _locked_draft(summary)
        locked.summary, locked.plan = summary_text.strip(), plan_text.strip()
        locked.updated_by, locked.updated_at = staff, timezone.now()
        locked.save(update_fields=["summary", "plan", "updated_by", "updated_at"])
    return locked


def submit_summary(
    staff: Staff, summary: MonthlySummary, *, summary_text: str | None = None, plan_text: str | None = None
) -> MonthlySummary:
    """Submit a draft (with last edits if given): who and when are recorded; it is read-only afterwards."""
    _require(staff, summary.estate_id)
    with transaction.atomic():
        locked = _locked_draft(summary)
        if summary_text is not None:
            locked.summary = summary_text.strip()
        if plan_text is not None:
            locked.plan = plan_text.strip()
        check_lengths({"summary": (locked.summary, LONG_TEXT_MAX), "plan": (locked.plan, LONG_TEXT_MAX)})
        errors = {}
        if not locked.summary:
            errors["summary"] = _("请填写本月工作总结。")
        if not locked.plan:
            errors["plan"] = _("请填写下月工作计划。")
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        locked.status = SummaryStatus.SUBMITTED
        locked.submitted_by, locked.submitted_at = staff, now
        locked.updated_by, locked.updated_at = staff, now
        locked.save()
    return locked


def revise_summary(staff: Staff, summary: MonthlySummary) -> MonthlySummary:
    """Start a new revision of a submitted summary, its text copied; the submitted one stays as it was."""
    _require(staff, summary.estate_id)
    with transaction.atomic():
        latest = (
            MonthlySummary.objects.select_for_update()
            .filter(estate_id=summary.estate_id, month=summary.month)
            .order_by("-revision")
            .first()
        )
        if latest is None or latest.pk != summary.pk or latest.status != SummaryStatus.SUBMITTED:
            raise SummaryConflict(_("只能在最新的已提交版本上生成新版本。"))
        return MonthlySummary.objects.create(
            estate_id=summary.estate_id,
            month=summary.month,
            revision=summary.revision + 1,
            summary=summary.summary,
            plan=summary.plan,
            figures=summary.figures,
            updated_by=staff,
        )


# ── The reminder on the 25th ──────────────────────────────────────────────────────────────────


def supervisors_of(estate: Estate) -> QuerySet[Staff]:
    """Return the active customer-service supervisors serving the estate."""
    return Staff.objects.filter(estates=estate, is_active=True, roles__role=SUPERVISOR_ROLE).distinct()


def remind_unsubmitted(now: datetime | None = None) -> int:
    """From the 25th, remind each supervisor once whose estate has not submitted the month's summary.

    The draft is written at the same time, so the reminder opens a summary ready to edit.
    Idempotent: a reminder row per estate, month and supervisor; return how many were sent.
    """
    from shouwen.notifications.services import notify

    now = now or timezone.now()
    today = timezone.localdate(now)
    if today.day < REMINDER_DAY:
        return 0
    month = month_start(today)
    submitted = set(
        MonthlySummary.objects.filter(month=month, status=SummaryStatus.SUBMITTED).values_list(
            "estate_id", flat=True
        )
    )
    sent = 0
    for estate in Estate.objects.exclude(pk__in=submitted).order_by("code"):
        people = list(
            supervisors_of(estate).exclude(
                pk__in=SummaryReminder.objects.filter(estate=estate, month=month).values("recipient_id")
            )
        )
        if not people:
            continue
        summary = ensure_draft(estate, month, now=now)
        for person in people:
            with transaction.atomic():
                _reminder, created = SummaryReminder.objects.get_or_create(
                    estate=estate, month=month, recipient=person, defaults={"sent_at": now}
                )
                if created:
                    notify(
                        person,
                        title=_("%(estate)s %(month)s 月度总结尚未提交，请于 30 日前提交")
                        % {"estate": estate.name, "month": f"{month:%Y-%m}"},
                        body=_("已根据本月数据生成草稿，请修改后提交。"),
                        url=reverse("reports:summary", args=[summary.pk]),
                        now=now,
                    )
                    sent += 1
    return sent
