"""The figures of the reports, each from aggregate SQL over the records of the estates given.

Every function takes the estate ids the user may see (:func:`report_estate_ids`) and a
:class:`~shouwen.reports.periods.Period`. Each table is one query with conditional aggregation
(``Count("id", filter=Q(...))`` grouped with ``values(...).annotate(...)``); Python only adds up
the few grouped rows the database returns, never the records themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwen.access.masking import mask_phone
from shouwen.access.scope import AnyUser, visible_estate_ids
from shouwen.cases.models import (
    ACTIVE_STATUSES,
    PROCEDURE_CATEGORIES,
    REPAIR_CATEGORIES,
    Attribution,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    Channel,
    Contact,
    Handover,
    HandoverStatus,
)
from shouwen.core.params import parse_id
from shouwen.directory.models import Estate
from shouwen.followups.models import ReturnVisit, Satisfaction, VisitStatus
from shouwen.reports.models import RateCode, Target
from shouwen.reports.periods import Period
from shouwen.sla.models import Deadline, DeadlineKind, DeadlineState
from shouwen.workorders.models import Rating, WorkOrder

HUNDRED = Decimal(100)


# ── Which estates ──────────────────────────────────────────────────────────────────────────────


def report_estate_ids(user: AnyUser, estate_id: int | None = None) -> list[int]:
    """Return the estates a report covers: all the user may see, or the one asked for if allowed."""
    visible = visible_estate_ids(user)
    if estate_id is None:
        return sorted(visible)
    if estate_id not in visible:
        raise PermissionDenied(_("您无权查看该小区的报表"))
    return [estate_id]


def estates_named(estate_ids: Iterable[int]) -> list[Estate]:
    return list(Estate.objects.filter(pk__in=list(estate_ids)).order_by("code"))


# ── Tables ─────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Table:
    """A titled table of numbers: what the page, the API, Excel and the PDF all show."""

    key: str
    title: str
    columns: list[str]  # the column headings after the row label
    row_label: str
    rows: list[tuple[str, list[Any]]] = field(default_factory=list)
    total: list[Any] | None = None
    links: list[str] = field(default_factory=list)  # drill-down link of each row ("" for none)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "row_label": self.row_label,
            "columns": self.columns,
            "rows": [{"label": label, "values": [_plain(v) for v in values]} for label, values in self.rows],
            "total": [_plain(v) for v in self.total] if self.total is not None else None,
            "note": self.note,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


# The columns of the seeds' monthly table (003 物业客服月度总结): the procedures are one column, 前台业务.
CATEGORY_COLUMNS: tuple[tuple[str, Promise, tuple[str, ...]], ...] = (
    ("consultation", gettext_lazy("咨询"), (Category.CONSULTATION,)),
    ("suggestion", gettext_lazy("意见建议"), (Category.SUGGESTION,)),
    ("complaint", gettext_lazy("投诉"), (Category.COMPLAINT,)),
    ("public_repair", gettext_lazy("公共维修"), (Category.PUBLIC_REPAIR,)),
    ("household_repair", gettext_lazy("居家维修"), (Category.HOUSEHOLD_REPAIR,)),
    ("other_service", gettext_lazy("其它服务"), (Category.OTHER_SERVICE,)),
    ("praise", gettext_lazy("表扬"), (Category.PRAISE,)),
    ("desk", gettext_lazy("前台业务"), tuple(sorted(PROCEDURE_CATEGORIES))),
)

DIMENSIONS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "estate": (gettext_lazy("小区"), ("estate__code", "estate__name")),
    "department": (gettext_lazy("处理部门"), ("case__department__estate__code", "case__department__name")),
    "channel": (gettext_lazy("来源"), ("channel",)),
    "staff": (gettext_lazy("登记人"), ("registered_by__staff_no", "registered_by__name")),
}


def counted_contacts(estate_ids: Sequence[int]) -> QuerySet[Contact]:
    """Contacts that count in the statistics: every registration except those of voided cases."""
    return (
        Contact.objects.filter(estate_id__in=list(estate_ids))
        .exclude(case__status=CaseStatus.VOID)
        .order_by()
    )


def _in(prefix: str, period: Period) -> Q:
    return Q(**{f"{prefix}__gte": period.start_at, f"{prefix}__lt": period.end_at})


def _category_counts(prefix: str = "") -> dict[str, Count]:
    counts = {
        key: Count("id", filter=Q(**{f"{prefix}category__in": list(cats)}))
        for key, _label, cats in CATEGORY_COLUMNS
    }
    counts["total"] = Count("id")
    return counts


def _row_label(dimension: str, row: dict[str, Any], many_estates: bool) -> str:
    if dimension == "estate":
        return str(row["estate__name"])
    if dimension == "department":
        if row["case__department__name"] is None:
            return _("未转部门（当场答复或客服中心办理）")
        prefix = f"{row['case__department__estate__code']} " if many_estates else ""
        return f"{prefix}{row['case__department__name']}"
    if dimension == "channel":
        return str(Channel(row["channel"]).label) if row["channel"] in Channel.values else row["channel"]
    return f"{row['registered_by__name']}（{row['registered_by__staff_no']}）"


def monthly_statistics(estate_ids: Sequence[int], period: Period, dimension: str = "estate") -> Table:
    """Contacts by category (the seeds' monthly table) per estate, department, channel or staff member.

    Beside each row's total: the same row's total the period before and a year earlier (one query:
    the three periods are read together and told apart by conditional counts).
    """
    title, fields = DIMENSIONS[dimension]
    before, last_year = period.previous(), period.year_earlier()
    now = _in("received_at", period)
    counts = {
        key: Count("id", filter=now & Q(category__in=list(cats))) for key, _label, cats in CATEGORY_COLUMNS
    }
    rows = (
        counted_contacts(estate_ids)
        .filter(now | _in("received_at", before) | _in("received_at", last_year))
        .values(*fields)
        .annotate(
            **counts,
            total=Count("id", filter=now),
            before=Count("id", filter=_in("received_at", before)),
            last_year=Count("id", filter=_in("received_at", last_year)),
        )
        .order_by(*fields)
    )
    keys = [key for key, _label, _cats in CATEGORY_COLUMNS] + ["total", "before", "last_year"]
    table = Table(
        key=f"by_{dimension}",
        title=_("来电来访分类统计（按%(dimension)s）") % {"dimension": title},
        row_label=str(title),
        columns=[str(label) for _key, label, _cats in CATEGORY_COLUMNS]
        + [_("合计"), _("上期合计"), _("去年同期合计")],
        note=_("上期为 %(before)s，去年同期为 %(last_year)s。")
        % {"before": before.label, "last_year": last_year.label},
    )
    many = len(estate_ids) > 1
    totals = [0] * len(keys)
    for row in rows:
        values = [row[k] for k in keys]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        table.rows.append((_row_label(dimension, row, many), values))
    table.total = totals
    return table


def category_comparison(estate_ids: Sequence[int], period: Period) -> Table:
    """Contacts by category this period, the period before and the same period a year earlier (one query)."""
    before, last_year = period.previous(), period.year_earlier()
    windows = {"now": period, "before": before, "last_year": last_year}
    qs = counted_contacts(estate_ids).filter(
        _in("received_at", period) | _in("received_at", before) | _in("received_at", last_year)
    )
    aggregates: dict[str, Count] = {}
    for key, _label, cats in CATEGORY_COLUMNS:
        for w, p in windows.items():
            aggregates[f"{key}__{w}"] = Count("id", filter=Q(category__in=list(cats)) & _in("received_at", p))
    counts = qs.aggregate(**aggregates)
    table = Table(
        key="comparison",
        title=_("来电来访分类统计与对比"),
        row_label=_("类别"),
        columns=[
            _("本期 %(p)s") % {"p": period.label},
            _("上期 %(p)s") % {"p": before.label},
            _("环比"),
            _("去年同期 %(p)s") % {"p": last_year.label},
            _("同比"),
        ],
    )
    totals = {w: 0 for w in windows}
    for key, label, _cats in CATEGORY_COLUMNS:
        now, prev, ly = (counts[f"{key}__{w}"] for w in windows)
        for w in windows:
            totals[w] += counts[f"{key}__{w}"]
        table.rows.append((str(label), [now, prev, change(now, prev), ly, change(now, ly)]))
    t_now, t_prev, t_ly = totals["now"], totals["before"], totals["last_year"]
    table.total = [t_now, t_prev, change(t_now, t_prev), t_ly, change(t_now, t_ly)]
    table.note = _("环比、同比为本期相对上期、去年同期的增减百分比；上期或去年同期为 0 时不计算。")
    return table


def change(now: int, before: int) -> Decimal | None:
    """Return the change in percent from ``before`` to ``now`` (None when there is nothing to compare with)."""
    if not before:
        return None
    return ((Decimal(now) - before) * HUNDRED / before).quantize(Decimal("0.1"), ROUND_HALF_UP)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """Return numerator / denominator in percent with one decimal (None when the denominator is 0)."""
    if not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)


# ── Rates ──────────────────────────────────────────────────────────────────────────────────────

DEFINITIONS: dict[str, tuple[Promise, Promise, Promise]] = {
    # code: (definition, numerator, denominator)
    RateCode.COMPLAINT_TIMELINESS: (
        gettext_lazy("本期办结的投诉中，每一轮办理都在时限内完成的比例（重新打开后的每一轮都计）。"),
        gettext_lazy("时限内办结"),
        gettext_lazy("本期办结"),
    ),
    RateCode.COMPLAINT_COMPLETION: (
        gettext_lazy("本期受理的投诉（不含作废）中，到期末已办结的比例。"),
        gettext_lazy("已办结"),
        gettext_lazy("本期受理"),
    ),
    RateCode.REPAIR_COMPLETION: (
        gettext_lazy(
            "本期受理的公共维修与居家维修（不含作废）中，到期末已处理完成（待回访或已办结）的比例。"
        ),
        gettext_lazy("已完成"),
        gettext_lazy("本期受理"),
    ),
    RateCode.REPAIR_TIMELINESS: (
        gettext_lazy("本期受理并已完成的维修中，每一轮办理都在时限内完成的比例。"),
        gettext_lazy("时限内完成"),
        gettext_lazy("已完成"),
    ),
    RateCode.RETURN_VISIT: (
        gettext_lazy("回访期限在本期内的回访（不含已取消）中，到期末已回访的比例。"),
        gettext_lazy("已回访"),
        gettext_lazy("应回访"),
    ),
    RateCode.SATISFACTION: (
        gettext_lazy("本期完成的全部回访中，住户评价为“满意”或“非常满意”的比例（“基本满意”不计入满意）。"),
        gettext_lazy("满意+非常满意"),
        gettext_lazy("已回访"),
    ),
    RateCode.SATISFACTION_REPAIR: (
        gettext_lazy("本期完成的维修回访中，“满意”或“非常满意”的比例。"),
        gettext_lazy("满意+非常满意"),
        gettext_lazy("已回访"),
    ),
    RateCode.SATISFACTION_COMPLAINT: (
        gettext_lazy("本期完成的投诉回访中，“满意”或“非常满意”的比例。"),
        gettext_lazy("满意+非常满意"),
        gettext_lazy("已回访"),
    ),
    RateCode.SATISFACTION_ONSITE: (
        gettext_lazy("本期完工并有住户现场评价的维修工作单中，评价为“满意”的比例。"),
        gettext_lazy("满意"),
        gettext_lazy("有评价"),
    ),
    RateCode.SERVICE_TIMELINESS: (
        gettext_lazy(
            "本期应完成的全部时限（转办接收、首次答复、办理完成、回访）中按时完成的比例："
            "本期完成的时限，加上到期日在本期内、至今仍未完成（已超时）的时限为分母。"
        ),
        gettext_lazy("按时完成"),
        gettext_lazy("应完成"),
    ),
}

# Which counts make each rate: (numerator key, denominator key) in the figures below.
RATE_PARTS: dict[str, tuple[str, str]] = {
    RateCode.COMPLAINT_TIMELINESS: ("complaints_closed_on_time", "complaints_closed"),
    RateCode.COMPLAINT_COMPLETION: ("complaints_completed", "complaints_received"),
    RateCode.REPAIR_COMPLETION: ("repairs_completed", "repairs_received"),
    RateCode.REPAIR_TIMELINESS: ("repairs_completed_on_time", "repairs_completed"),
    RateCode.RETURN_VISIT: ("visits_done", "visits_due"),
    RateCode.SATISFACTION: ("satisfied", "answered"),
    RateCode.SATISFACTION_REPAIR: ("satisfied_repair", "answered_repair"),
    RateCode.SATISFACTION_COMPLAINT: ("satisfied_complaint", "answered_complaint"),
    RateCode.SATISFACTION_ONSITE: ("rated_satisfied", "rated"),
    RateCode.SERVICE_TIMELINESS: ("deadlines_on_time", "deadlines_counted"),
}

SATISFACTION_CODES = (
    RateCode.SATISFACTION,
    RateCode.SATISFACTION_REPAIR,
    RateCode.SATISFACTION_COMPLAINT,
    RateCode.SATISFACTION_ONSITE,
)


@dataclass
class Rate:
    code: str
    label: str
    definition: str
    numerator_label: str
    denominator_label: str
    numerator: int
    denominator: int
    percent: Decimal | None
    target: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        """Return the rate minus its target (negative: below target)."""
        if self.percent is None or self.target is None:
            return None
        return self.percent - self.target

    @property
    def status(self) -> str:
        """ "met", "missed" or "" (no target or nothing to count)."""
        gap = self.gap
        if gap is None:
            return ""
        return "met" if gap >= 0 else "missed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "definition": self.definition,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "numerator_label": self.numerator_label,
            "denominator_label": self.denominator_label,
            "percent": _plain(self.percent),
            "target": _plain(self.target),
            "gap": _plain(self.gap),
            "status": self.status,
        }


def rate_figures(
    estate_ids: Sequence[int], period: Period, now: datetime | None = None
) -> dict[int, dict[str, int]]:
    """Return the counts behind every rate, per estate: seven aggregate queries in all.

    Each query reads one month of one table through an index on the month's column (received,
    closed, due, visited, done, met), so its cost follows the month's volume, not the history's.
    """
    now = now or timezone.now()
    ids = list(estate_ids)
    s, e = period.start_at, period.end_at
    figures: dict[int, dict[str, int]] = {i: {} for i in ids}

    def add(rows: Iterable[dict[str, Any]], key: str) -> None:
        for row in rows:
            figures[row.pop(key)].update(row)

    # Cases: complaints and repairs received in the period, and complaints closed in it.
    complaint = Q(category=Category.COMPLAINT)
    repair = Q(category__in=sorted(REPAIR_CATEGORIES))
    done_by_end = Q(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED], resolved_at__lt=e)
    late = Deadline.objects.filter(case=OuterRef("pk"), kind=DeadlineKind.RESOLUTION, margin_seconds__lt=0)
    on_time = ~Exists(late)
    add(
        Case.objects.filter(estate_id__in=ids, created_at__gte=s, created_at__lt=e)
        .exclude(status=CaseStatus.VOID)
        .filter(complaint | repair)
        .order_by()
        .values("estate_id")
        .annotate(
            complaints_received=Count("id", filter=complaint),
            complaints_completed=Count("id", filter=complaint & Q(status=CaseStatus.CLOSED, closed_at__lt=e)),
            repairs_received=Count("id", filter=repair),
            repairs_completed=Count("id", filter=repair & done_by_end),
            repairs_completed_on_time=Count("id", filter=repair & done_by_end & on_time),
        ),
        "estate_id",
    )
    add(
        Case.objects.filter(estate_id__in=ids, closed_at__gte=s, closed_at__lt=e, status=CaseStatus.CLOSED)
        .filter(complaint)
        .order_by()
        .values("estate_id")
        .annotate(complaints_closed=Count("id"), complaints_closed_on_time=Count("id", filter=on_time)),
        "estate_id",
    )

    # Return visits: due in the period (visit rate) and made in the period (satisfaction).
    pleased = Q(satisfaction__in=[Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED])
    of_repair = Q(case__category__in=sorted(REPAIR_CATEGORIES))
    of_complaint = Q(case__category=Category.COMPLAINT)
    visits = (
        ReturnVisit.objects.filter(case__estate_id__in=ids).exclude(case__status=CaseStatus.VOID).order_by()
    )
    add(
        visits.filter(status__in=[VisitStatus.PENDING, VisitStatus.DONE], due_at__gte=s, due_at__lt=e)
        .values("case__estate_id")
        .annotate(
            visits_due=Count("id"),
            visits_done=Count("id", filter=Q(status=VisitStatus.DONE, visited_at__lt=e)),
        ),
        "case__estate_id",
    )
    add(
        visits.filter(status=VisitStatus.DONE, visited_at__gte=s, visited_at__lt=e)
        .values("case__estate_id")
        .annotate(
            answered=Count("id"),
            satisfied=Count("id", filter=pleased),
            answered_repair=Count("id", filter=of_repair),
            satisfied_repair=Count("id", filter=of_repair & pleased),
            answered_complaint=Count("id", filter=of_complaint),
            satisfied_complaint=Count("id", filter=of_complaint & pleased),
        ),
        "case__estate_id",
    )

    # Work orders finished in the period with the resident's rating on the spot.
    add(
        WorkOrder.objects.filter(case__estate_id__in=ids, done_at__gte=s, done_at__lt=e)
        .exclude(resident_rating="")
        .order_by()
        .values("case__estate_id")
        .annotate(rated=Count("id"), rated_satisfied=Count("id", filter=Q(resident_rating=Rating.SATISFIED))),
        "case__estate_id",
    )

    # Deadlines: met in the period, and due in the period but still running past their due time.
    add(
        Deadline.objects.filter(
            case__estate_id__in=ids,
            state=DeadlineState.MET,
            met_at__gte=s,
            met_at__lt=e,
            due_at__isnull=False,
        )
        .order_by()
        .values("case__estate_id")
        .annotate(deadlines_met=Count("id"), deadlines_on_time=Count("id", filter=Q(margin_seconds__gte=0))),
        "case__estate_id",
    )
    add(
        Deadline.objects.filter(
            case__estate_id__in=ids, state=DeadlineState.RUNNING, due_at__gte=s, due_at__lt=min(e, now)
        )
        .order_by()
        .values("case__estate_id")
        .annotate(deadlines_overdue=Count("id")),
        "case__estate_id",
    )
    for counts in figures.values():
        counts["deadlines_counted"] = counts.get("deadlines_met", 0) + counts.get("deadlines_overdue", 0)
    return figures


def sum_figures(figures: dict[int, dict[str, int]]) -> dict[str, int]:
    """Add the per-estate counts up (a handful of rows)."""
    total: dict[str, int] = {}
    for counts in figures.values():
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


def targets() -> dict[str, Decimal]:
    return dict(Target.objects.values_list("code", "percent"))


def rates_from(counts: dict[str, int], goal: dict[str, Decimal]) -> list[Rate]:
    """Return every rate with its definition and target from the counts of :func:`rate_figures`."""
    result = []
    for code in RateCode:
        num_key, den_key = RATE_PARTS[code]
        definition, num_label, den_label = DEFINITIONS[code]
        num, den = counts.get(num_key, 0), counts.get(den_key, 0)
        result.append(
            Rate(
                code=code.value,
                label=str(code.label),
                definition=str(definition),
                numerator_label=str(num_label),
                denominator_label=str(den_label),
                numerator=num,
                denominator=den,
                percent=percent(num, den),
                target=goal.get(code.value),
            )
        )
    return result


def rates_table(rates: list[Rate]) -> Table:
    table = Table(
        key="rates",
        title=_("服务指标"),
        row_label=_("指标"),
        columns=[_("分子"), _("分母"), _("比率（%）"), _("目标（%）"), _("差距（百分点）")],
    )
    for r in rates:
        table.rows.append((r.label, [r.numerator, r.denominator, r.percent, r.target, r.gap]))
    return table


def estates_rates_table(
    estates: list[Estate], figures: dict[int, dict[str, int]], goal: dict[str, Decimal]
) -> Table:
    """Every rate, one column per estate (the deputy general manager's comparison)."""
    table = Table(
        key="estates",
        title=_("各小区服务指标对比（%）"),
        row_label=_("指标"),
        columns=[e.name for e in estates] + [_("目标")],
    )
    per_estate = {e.pk: {r.code: r.percent for r in rates_from(figures.get(e.pk, {}), goal)} for e in estates}
    for code in RateCode:
        table.rows.append(
            (str(code.label), [per_estate[e.pk][code.value] for e in estates] + [goal.get(code.value)])
        )
    return table


# ── Recurring problems ───────────────────────────────────────────────────────────────────────


@dataclass
class Recurring:
    places: Table
    callers: Table
    reopened: Table
    developer: Table


def recurring_problems(estate_ids: Sequence[int], period: Period, limit: int = 10) -> Recurring:
    """The same place with the same kind of problem, repeat callers, cases reopened twice, developer defects."""
    from django.urls import reverse

    ids = list(estate_ids)
    base = reverse("reports:cases")
    pq = period.query()
    cases = (
        Case.objects.filter(estate_id__in=ids)
        .exclude(status=CaseStatus.VOID)
        .filter(_in("created_at", period))
    )

    place_rows = (
        cases.filter(Q(public_area__isnull=False) | Q(unit__isnull=False))
        .order_by()
        .values(
            "category",
            "public_area_id",
            "public_area__name",
            "unit_id",
            "unit__building__code",
            "unit__entrance",
            "unit__number",
            "estate__name",
        )
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "category", "public_area_id", "unit_id")[:limit]
    )
    places = Table(
        key="places",
        title=_("重复发生的问题（同一位置、同一类别）"),
        row_label=_("位置 · 类别"),
        columns=[_("宗数")],
    )
    for row in place_rows:
        if row["public_area_id"]:
            where = row["public_area__name"]
            link = f"{base}?{pq}&public_area={row['public_area_id']}&category={row['category']}"
        else:
            entrance = f"-{row['unit__entrance']}" if row["unit__entrance"] else ""
            where = f"{row['unit__building__code']}{entrance}-{row['unit__number']}"
            link = f"{base}?{pq}&unit={row['unit_id']}&category={row['category']}"
        label = f"{row['estate__name']} {where} · {Category(row['category']).label}"
        places.rows.append((label, [row["n"]]))
        places.links.append(link)

    contacts = counted_contacts(ids).filter(_in("received_at", period))
    caller_rows = (
        contacts.filter(resident__isnull=False)
        .values("resident_id", "resident__name")
        .annotate(n=Count("id"), complaints=Count("id", filter=Q(category=Category.COMPLAINT)))
        .filter(n__gte=3)
        .order_by("-n", "resident_id")[:limit]
    )
    # Callers who are not residents, by number (the month's contacts, through the estate-and-time index).
    stranger = Q(resident__isnull=True)
    phone_rows = (
        contacts.exclude(caller_phone="")
        .values("caller_phone")
        .annotate(
            n=Count("id", filter=stranger),
            complaints=Count("id", filter=stranger & Q(category=Category.COMPLAINT)),
        )
        .filter(n__gte=3)
        .order_by("-n", "caller_phone")[:limit]
    )
    callers = Table(
        key="callers",
        title=_("重复来电来访（本期 3 次及以上）"),
        row_label=_("来电来访人"),
        columns=[_("次数"), _("其中投诉")],
    )
    for row in caller_rows:
        callers.rows.append((row["resident__name"], [row["n"], row["complaints"]]))
        callers.links.append(f"{base}?{pq}&resident={row['resident_id']}")
    for row in phone_rows:
        callers.rows.append((mask_phone(row["caller_phone"]), [row["n"], row["complaints"]]))
        callers.links.append("")

    reopened_now = CaseEvent.objects.filter(
        kind=CaseEvent.Kind.REOPENED, at__gte=period.start_at, at__lt=period.end_at, case__estate_id__in=ids
    ).values("case_id")
    reopen_rows = (
        CaseEvent.objects.filter(kind=CaseEvent.Kind.REOPENED, case_id__in=reopened_now)
        .exclude(case__status=CaseStatus.VOID)
        .order_by()
        .values("case__number", "case__summary", "case__category")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "case__number")[:limit]
    )
    reopened = Table(
        key="reopened",
        title=_("多次重新打开的事项（两次及以上，本期内有重新打开）"),
        row_label=_("事项"),
        columns=[_("重新打开次数")],
    )
    for row in reopen_rows:
        reopened.rows.append((f"{row['case__number']} {row['case__summary']}", [row["n"]]))
        reopened.links.append(reverse("cases:detail", args=[row["case__number"]]))

    finished = Q(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.DECLINED])
    developer_cases = Case.objects.filter(estate_id__in=ids, attribution=Attribution.DEVELOPER).order_by()
    dev = (
        developer_cases.filter(_in("created_at", period))
        .exclude(status=CaseStatus.VOID)
        .values("estate_id", "estate__name")
        .annotate(received=Count("id"), finished=Count("id", filter=finished))
    )
    # Still open now (the active statuses' index), whenever they were registered.
    still_open = dict(
        developer_cases.filter(status__in=sorted(ACTIVE_STATUSES), created_at__lt=period.end_at)
        .values("estate_id")
        .annotate(n=Count("id"))
        .values_list("estate_id", "n")
    )
    developer = Table(
        key="developer",
        title=_("开发商遗留问题"),
        row_label=_("小区"),
        columns=[_("本期登记"), _("其中已处理"), _("完成率（%）"), _("累计未处理")],
        note=_(
            "责任归属认定为“开发商遗留”的事项；完成率 = 本期登记中已处理（待回访、已办结或已婉拒）/ 本期登记。"
        ),
    )
    for row in sorted(dev, key=lambda r: r["estate__name"]):
        developer.rows.append(
            (
                row["estate__name"],
                [
                    row["received"],
                    row["finished"],
                    percent(row["finished"], row["received"]),
                    still_open.get(row["estate_id"], 0),
                ],
            )
        )
        developer.links.append(f"{base}?{pq}&attribution=developer")
    return Recurring(places=places, callers=callers, reopened=reopened, developer=developer)


DRILL_FILTERS = ("category", "public_area", "unit", "resident", "attribution")


def drill_down_cases(
    estate_ids: Sequence[int], period: Period, params: dict[str, str], limit: int = 200
) -> QuerySet[Case]:
    """The cases behind a figure of the recurring problems (received in the period, not voided)."""
    qs = (
        Case.objects.filter(estate_id__in=list(estate_ids))
        .exclude(status=CaseStatus.VOID)
        .filter(_in("created_at", period))
        .select_related("estate")
    )
    if params.get("category") in Category.values:
        qs = qs.filter(category=params["category"])
    for key in ("public_area", "unit", "resident"):
        value = parse_id(params.get(key))
        if value is not None:
            qs = qs.filter(**{f"{key}_id": value})
    if params.get("attribution") in Attribution.values:
        qs = qs.filter(attribution=params["attribution"])
    return qs.order_by("-created_at", "-pk")[:limit]


# ── Dashboard ────────────────────────────────────────────────────────────────────────────────


def _month_start(d: datetime) -> datetime:
    return d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


HANDOVER_BUCKETS = (
    ("under_4h", gettext_lazy("4 小时内"), 0, 4),
    ("under_1d", gettext_lazy("4–24 小时"), 4, 24),
    ("under_3d", gettext_lazy("1–3 天"), 24, 72),
    ("over_3d", gettext_lazy("3 天以上"), 72, None),
)


def dashboard_figures(
    estate_ids: Sequence[int], period: Period, now: datetime | None = None
) -> dict[str, Any]:
    """The charts of a dashboard: trend by month, category mix, overdue by department, handovers by age."""
    now = now or timezone.now()
    ids = list(estate_ids)
    local_now = timezone.localtime(now)
    first = _month_start(local_now)
    months = []
    for back in range(11, -1, -1):
        y, m = first.year, first.month - back
        while m <= 0:
            y, m = y - 1, m + 12
        months.append(f"{y:04d}-{m:02d}")
    bounds = [timezone.make_aware(datetime(int(m[:4]), int(m[5:]), 1)) for m in months]
    bounds.append(timezone.make_aware(datetime(first.year + first.month // 12, first.month % 12 + 1, 1)))
    series = {
        "total": Q(),
        "complaints": Q(category=Category.COMPLAINT),
        "repairs": Q(category__in=sorted(REPAIR_CATEGORIES)),
    }
    # One query: a conditional count per month and series (the site's months, not UTC's).
    counts = (
        counted_contacts(ids)
        .filter(received_at__gte=bounds[0], received_at__lt=bounds[-1])
        .aggregate(
            **{
                f"{name}_{i}": Count(
                    "id", filter=cond & Q(received_at__gte=bounds[i], received_at__lt=bounds[i + 1])
                )
                for name, cond in series.items()
                for i in range(len(months))
            }
        )
    )

    mix = counted_contacts(ids).filter(_in("received_at", period)).aggregate(**_category_counts())

    overdue_rows = (
        Deadline.objects.filter(case__estate_id__in=ids, state=DeadlineState.RUNNING, due_at__lt=now)
        .order_by()
        .values("case__department__name")
        .annotate(n=Count("id"))
        .order_by("-n", "case__department__name")
    )
    bucket_counts: dict[str, Count] = {}
    for key, _label, low, high in HANDOVER_BUCKETS:
        cond = Q(created_at__lte=now - timedelta(hours=low))
        if high is not None:
            cond &= Q(created_at__gt=now - timedelta(hours=high))
        bucket_counts[key] = Count("id", filter=cond)
    waiting = Handover.objects.filter(case__estate_id__in=ids, status=HandoverStatus.PENDING).aggregate(
        **bucket_counts
    )
    return {
        "trend": {
            "months": months,
            **{name: [counts[f"{name}_{i}"] for i in range(len(months))] for name in series},
            "labels": {"total": _("来电来访"), "complaints": _("投诉"), "repairs": _("维修")},
        },
        "mix": [{"name": str(label), "value": mix[key]} for key, label, _cats in CATEGORY_COLUMNS],
        "overdue": [
            {"name": row["case__department__name"] or _("未转部门"), "value": row["n"]}
            for row in overdue_rows
        ],
        "handovers": [
            {"name": str(label), "value": waiting[key]} for key, label, _low, _high in HANDOVER_BUCKETS
        ],
    }


def satisfaction_chart(rates: list[Rate]) -> list[dict[str, Any]]:
    by_code = {r.code: r for r in rates}
    return [
        {"name": by_code[c].label, "value": _plain(by_code[c].percent), "target": _plain(by_code[c].target)}
        for c in SATISFACTION_CODES
    ]


# ── The written analysis ─────────────────────────────────────────────────────────────────────


def write_analysis(comparison: Table, rates: list[Rate], recurring: Recurring) -> list[str]:
    """A few sentences for the monthly report, written from the figures (nothing is invented)."""
    paragraphs = []
    total = comparison.total or [0, 0, None, 0, None]
    now, prev, mom, ly, yoy = total
    text = _("本期共登记来电来访 %(n)s 宗") % {"n": now}
    if mom is not None:
        text += _("，较上期（%(p)s 宗）%(dir)s %(x)s%%") % {
            "p": prev,
            "dir": _("增加") if mom >= 0 else _("减少"),
            "x": abs(mom),
        }
    if yoy is not None:
        text += _("，较去年同期（%(p)s 宗）%(dir)s %(x)s%%") % {
            "p": ly,
            "dir": _("增加") if yoy >= 0 else _("减少"),
            "x": abs(yoy),
        }
    text += "。"
    if now:
        top = sorted(comparison.rows, key=lambda r: -r[1][0])[:3]
        parts = [
            _("%(name)s %(n)s 宗（%(share)s%%）") % {"name": name, "n": v[0], "share": percent(v[0], now)}
            for name, v in top
            if v[0]
        ]
        if parts:
            text += _("数量最多的是：") + "、".join(parts) + "。"
    paragraphs.append(text)

    missed = [r for r in rates if r.status == "missed"]
    met = [r for r in rates if r.status == "met"]
    if met:
        paragraphs.append(
            _("达到目标的指标：")
            + "；".join(f"{r.label} {r.percent}%（{_('目标')} {r.target}%）" for r in met)
            + "。"
        )
    if missed:
        paragraphs.append(
            _("未达到目标的指标：")
            + "；".join(
                _("%(label)s %(p)s%%，低于目标 %(t)s%% %(gap)s 个百分点")
                % {"label": r.label, "p": r.percent, "t": r.target, "gap": abs(r.gap or 0)}
                for r in missed
            )
            + _("。请相关部门分析原因并制定改进措施。")
        )
    if recurring.places.rows:
        label, values = recurring.places.rows[0]
        paragraphs.append(
            _("重复发生的问题共 %(n)s 处，最突出的是 %(label)s（%(count)s 宗），建议排查根源、预防再次发生。")
            % {"n": len(recurring.places.rows), "label": label, "count": values[0]}
        )
    if recurring.reopened.rows:
        paragraphs.append(
            _("有 %(n)s 宗事项多次重新打开，说明处理未能一次解决问题，需复查处理质量。")
            % {"n": len(recurring.reopened.rows)}
        )
    if recurring.callers.rows:
        paragraphs.append(
            _("有 %(n)s 位来电来访人本期反映 3 次及以上，建议主管回访了解诉求。")
            % {"n": len(recurring.callers.rows)}
        )
    return paragraphs


# ── Everything a monthly report holds ─────────────────────────────────────────────────────────


@dataclass
class MonthlyReport:
    period: Period
    estates: list[Estate]
    comparison: Table
    tables: dict[str, Table]
    rates: list[Rate]
    estate_rates: Table
    recurring: Recurring
    analysis: list[str]

    def all_tables(self) -> list[Table]:
        return [
            self.comparison,
            *self.tables.values(),
            rates_table(self.rates),
            self.estate_rates,
            self.recurring.places,
            self.recurring.callers,
            self.recurring.reopened,
            self.recurring.developer,
        ]


def build_monthly_report(
    estate_ids: Sequence[int], period: Period, now: datetime | None = None
) -> MonthlyReport:
    """Compute every table and rate of the monthly report for these estates."""
    estates = estates_named(estate_ids)
    comparison = category_comparison(estate_ids, period)
    tables = {dim: monthly_statistics(estate_ids, period, dim) for dim in DIMENSIONS}
    goal = targets()
    figures = rate_figures(estate_ids, period, now)
    rates = rates_from(sum_figures(figures), goal)
    recurring = recurring_problems(estate_ids, period)
    return MonthlyReport(
        period=period,
        estates=estates,
        comparison=comparison,
        tables=tables,
        rates=rates,
        estate_rates=estates_rates_table(estates, figures, goal),
        recurring=recurring,
        analysis=write_analysis(comparison, rates, recurring),
    )
