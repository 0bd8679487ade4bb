"""Every rule of home visits: areas, the stored daily plan, recording a visit, opinions into cases, coverage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap, Role
from shouwen.cases.models import Case, Category, Channel
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths
from shouwen.directory.models import (
    Building,
    Estate,
    Occupancy,
    OccupancyRole,
    Resident,
    Staff,
    Unit,
    UnitKind,
)
from shouwen.homevisits import planning
from shouwen.homevisits.models import HomeVisit, Outcome, PlanItem, VisitArea
from shouwen.sla.calendar import BusinessCalendar

# Opinions that ask for action become a case of one of these categories.
CASE_CATEGORIES = (
    Category.SUGGESTION,
    Category.COMPLAINT,
    Category.HOUSEHOLD_REPAIR,
    Category.PUBLIC_REPAIR,
    Category.OTHER_SERVICE,
    Category.PRAISE,
)
# The intake has no channel of its own for home visits: a matter raised face to face is a 来访.
VISIT_CHANNEL = getattr(Channel, "HOME_VISIT", Channel.VISIT)


def _serves(staff: Staff, estate_id: int) -> bool:
    from shouwen.access.scope import visible_estate_ids

    return estate_id in visible_estate_ids(staff.user)


def _require(staff: Staff, cap: str, estate_id: int | None = None) -> None:
    if (
        not staff.is_active
        or not can(staff.user, cap)
        or (estate_id is not None and not _serves(staff, estate_id))
    ):
        raise PermissionDenied(_("您无权办理该小区的走访工作。"))


# ── Households ──────────────────────────────────────────────────────────────────────────────────


def occupied_units(day: date | None = None) -> QuerySet[Unit]:
    """Return the units somebody lives or works in on the day (vacant units and parking spaces left out)."""
    day = day or timezone.localdate()
    lived_in = Occupancy.objects.filter(Occupancy.current_q(day)).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=day)
    )
    return Unit.objects.exclude(kind=UnitKind.PARKING).filter(pk__in=lived_in.values("unit_id"))


def area_units(area: VisitArea, day: date | None = None) -> QuerySet[Unit]:
    """Return the occupied households of the area's buildings."""
    return occupied_units(day).filter(building__in=area.buildings.all())


def last_visits(units: QuerySet[Unit], before: date | None = None) -> QuerySet[Unit]:
    """Annotate each unit with ``last_visit``: when it was last visited with somebody at home."""
    done = Q(home_visits__outcome=Outcome.VISITED)
    if before is not None:
        done &= Q(home_visits__visited_at__lt=_day_start(before))
    return units.annotate(last_visit=Max("home_visits__visited_at", filter=done))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def households(area: VisitArea, day: date) -> list[planning.Household]:
    """Return the area's occupied households on the day with their last completed visit before it."""
    rows = last_visits(area_units(area, day), before=day).values_list(  # type: ignore[misc]
        "pk", "last_visit", "building__code", "entrance", "number"
    )
    return [
        planning.Household(
            pk, timezone.localdate(last) if last is not None else None, (building, entrance, number)
        )
        for pk, last, building, entrance, number in rows
    ]


# ── Areas ───────────────────────────────────────────────────────────────────────────────────────


def set_area(
    staff: Staff,
    *,
    estate: Estate,
    assistant: Staff,
    buildings: Iterable[Building],
    cycle_start: date | None = None,
) -> VisitArea:
    """Give an assistant the buildings they visit; a building belongs to one area at a time."""
    _require(staff, Cap.HOMEVISIT_MANAGE, estate.pk)
    buildings = list(buildings)
    errors: dict[str, str] = {}
    if (
        not assistant.is_active
        or not can(assistant.user, Cap.HOMEVISIT_WORK)
        or not _serves(assistant, estate.pk)
    ):
        errors["assistant"] = _("该员工不是本小区的客服助理，不能负责走访。")
    if any(b.estate_id != estate.pk for b in buildings):
        errors["buildings"] = _("只能选择本小区的楼栋。")
    else:
        taken = (
            VisitArea.objects.filter(estate=estate, buildings__in=buildings)
            .exclude(assistant=assistant)
            .values_list("buildings__code", "assistant__name")
            .distinct()
        )
        clash = [(code, name) for code, name in taken if code in {b.code for b in buildings}]
        if clash:
            errors["buildings"] = _("以下楼栋已分给其他客服助理：%(list)s") % {
                "list": "、".join(f"{code}栋（{name}）" for code, name in clash)
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        area, created = VisitArea.objects.get_or_create(
            estate=estate,
            assistant=assistant,
            defaults={"cycle_start": cycle_start or timezone.localdate(), "updated_by": staff},
        )
        if not created:
            area = VisitArea.objects.select_for_update().get(pk=area.pk)
            if cycle_start is not None:
                area.cycle_start = cycle_start
            area.updated_by = staff
            area.updated_at = timezone.now()
            area.save()
        area.buildings.set(buildings)
    return area


def area_of(staff: Staff, estate_id: int | None = None) -> VisitArea | None:
    """Return the staff member's area (in the estate given, else the first)."""
    areas = VisitArea.objects.filter(assistant=staff).select_related("estate")
    if estate_id is not None:
        areas = areas.filter(estate_id=estate_id)
    return areas.order_by("estate__code").first()


# ── The plan ────────────────────────────────────────────────────────────────────────────────────


def plan_for_day(area: VisitArea, day: date | None = None) -> list[PlanItem]:
    """Return the area's plan of the day, choosing and storing today's the first time it is asked for.

    Stored, the list stays the same all day while visits are recorded; households not reached
    stay at the top of the next day's list, being still the longest unvisited.
    """
    day = day or timezone.localdate()
    items = list(PlanItem.objects.filter(area=area, day=day).select_related("unit__building", "visit"))
    if items or day < timezone.localdate():
        return items
    calendar = BusinessCalendar.for_estate(area.estate)
    if day > timezone.localdate():
        # A later day is only a preview from today's state: it is chosen again on the day itself.
        preview = planning.plan_day(households(area, day), day, area.cycle_start, calendar.is_workday)
        units = Unit.objects.select_related("building").in_bulk([h.unit_id for h in preview.chosen])
        return [
            PlanItem(area=area, day=day, position=n, unit=units[h.unit_id], last_visited=h.last_visited)
            for n, h in enumerate(preview.chosen)
        ]
    try:
        with transaction.atomic():
            # One request chooses the day's list; the others wait and read it.
            VisitArea.objects.select_for_update().get(pk=area.pk)
            if not PlanItem.objects.filter(area=area, day=day).exists():
                chosen = planning.plan_day(households(area, day), day, area.cycle_start, calendar.is_workday)
                PlanItem.objects.bulk_create(
                    PlanItem(area=area, day=day, position=n, unit_id=h.unit_id, last_visited=h.last_visited)
                    for n, h in enumerate(chosen.chosen)
                )
    except IntegrityError:  # SQLite has no row lock: another request stored the same day's list first
        pass
    return list(PlanItem.objects.filter(area=area, day=day).select_related("unit__building", "visit"))


def plan_outlook(area: VisitArea, day: date | None = None) -> planning.DayPlan:
    """Return how many visits a working day the area needs from the day on, and whether one person can."""
    day = day or timezone.localdate()
    calendar = BusinessCalendar.for_estate(area.estate)
    found = households(area, day)
    rate = planning.needed_rate(found, day, area.cycle_start, calendar.is_workday)
    return planning.DayPlan(day, [], rate, rate > planning.MAX_PER_DAY)


def household_of(unit: Unit, day: date | None = None) -> Resident | None:
    """Return whom to call about the unit: its owner, else another current occupant."""
    current = (
        Occupancy.objects.filter(unit=unit)
        .filter(Occupancy.current_q(day))
        .select_related("resident")
        .order_by("role", "pk")
    )
    rows = list(current)
    owners = [o for o in rows if o.role in (OccupancyRole.OWNER, OccupancyRole.COMPANY_OWNER)]
    chosen = owners or rows
    return chosen[0].resident if chosen else None


# ── Recording a visit ─────────────────────────────────────────────────────────────────────────


def record_visit(
    staff: Staff,
    *,
    unit: Unit,
    visited_at: datetime,
    outcome: str,
    phoned_at: datetime | None = None,
    entered_home: bool = False,
    companion: Staff | None = None,
    note_left: bool = False,
    opinions: str = "",
    resident: Resident | None = None,
    case_category: str = "",
) -> HomeVisit:
    """Record a home visit; with ``case_category`` the household's opinion also becomes a case.

    Arranged by telephone first (the time of the call), two staff to enter a home, nobody home:
    the time is recorded and a note is left, a refusal is respected (001 服务规范 (5)).
    """
    estate_id = unit.building.estate_id
    _require(staff, Cap.HOMEVISIT_WORK, estate_id)
    opinions = (opinions or "").strip()
    check_lengths({"opinions": (opinions, LONG_TEXT_MAX)})
    now = timezone.now()
    errors = _visit_errors(
        staff,
        estate_id,
        now=now,
        visited_at=visited_at,
        outcome=outcome,
        phoned_at=phoned_at,
        entered_home=entered_home,
        companion=companion,
        note_left=note_left,
        opinions=opinions,
        resident=resident,
        case_category=case_category,
    )
    if errors:
        raise ValidationError(errors)
    resident = resident or household_of(unit, timezone.localdate(visited_at))
    with transaction.atomic():
        visit = HomeVisit.objects.create(
            estate_id=estate_id,
            unit=unit,
            resident=resident,
            visitor=staff,
            companion=companion,
            phoned_at=phoned_at,
            visited_at=visited_at,
            entered_home=entered_home,
            outcome=outcome,
            note_left=note_left if outcome == Outcome.NOBODY_HOME else False,
            opinions=opinions,
            recorded_at=now,
        )
        PlanItem.objects.filter(
            area__assistant=staff,
            area__estate_id=estate_id,
            unit=unit,
            day=timezone.localdate(visited_at),
            visit__isnull=True,
        ).update(visit=visit)
        if case_category:
            open_case_from_visit(staff, visit, case_category)
    return visit


def _visit_errors(
    staff: Staff,
    estate_id: int,
    *,
    now: datetime,
    visited_at: datetime,
    outcome: str,
    phoned_at: datetime | None,
    entered_home: bool,
    companion: Staff | None,
    note_left: bool,
    opinions: str,
    resident: Resident | None,
    case_category: str,
) -> dict[str, str]:
    """Return what is wrong with a visit record, by field (001 服务规范 (5))."""
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("请选择走访结果。")
    if visited_at > now + timedelta(minutes=5):
        errors["visited_at"] = _("上门时间不能晚于现在。")
    if phoned_at is None and outcome == Outcome.VISITED:
        errors["phoned_at"] = _("上门走访应先致电住户预约，请填写电话预约时间。")
    elif phoned_at is not None and phoned_at > visited_at:
        errors["phoned_at"] = _("电话预约时间应早于上门时间。")
    if entered_home and outcome != Outcome.VISITED:
        errors["entered_home"] = _("只有住户在家并同意时才能入户。")
    if entered_home and companion is None:
        errors["companion"] = _("入户走访须两人同行，请填写同行人员。")
    if companion is not None and (companion.pk == staff.pk or not _serves(companion, estate_id)):
        errors["companion"] = _("同行人员应为本小区的另一名员工。")
    if outcome == Outcome.NOBODY_HOME and not note_left:
        errors["note_left"] = _("住户不在家时应留下便条，并记录上门时间。")
    if resident is not None and resident.estate_id != estate_id:
        errors["resident"] = _("住户不属于该小区。")
    if case_category and case_category not in CASE_CATEGORIES:
        errors["case_category"] = _("请选择事项类别。")
    if case_category and not opinions:
        errors["opinions"] = _("请填写住户的意见，才能登记为事项。")
    return errors


def _received_at(visit: HomeVisit) -> datetime | None:
    """Return when the matter was raised: at the visit, unless that is further back than a registration may go."""
    now = timezone.now()
    earliest = now - timedelta(days=settings.SHOUWEN_CONTACT_BACKDATE_DAYS) + timedelta(minutes=5)
    return min(visit.visited_at, now) if visit.visited_at >= earliest else None


def open_case_from_visit(staff: Staff, visit: HomeVisit, category: str) -> Case:
    """Register the visit's opinion through the intake, as a case of the category, linked from the visit."""
    from shouwen.cases.intake import prepare_contact, save_contact

    _require(staff, Cap.HOMEVISIT_WORK, visit.estate_id)
    if category not in CASE_CATEGORIES:
        raise ValidationError({"category": _("请选择事项类别。")})
    if not visit.opinions:
        raise ValidationError({"category": _("该走访没有记录住户意见，无需登记事项。")})
    draft = prepare_contact(
        staff,
        estate=visit.estate,
        channel=VISIT_CHANNEL,
        category=category,
        content=_("上门走访意见：%(text)s") % {"text": visit.opinions},
        resident=visit.resident,
        unit=visit.unit,
        received_at=_received_at(visit),
    )
    with transaction.atomic():
        locked = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.case_id is not None:
            raise ValidationError({"category": _("该走访的意见已登记为事项。")})
        contact = save_contact(draft)
        assert contact.case is not None
        locked.case = contact.case
        locked.save(update_fields=["case"])
    visit.case = contact.case
    return contact.case


# ── Coverage ──────────────────────────────────────────────────────────────────────────────────


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class CoverageRow:
    """One assistant's area or one estate: occupied households, visited in the last year, the share."""

    label: str
    occupied: int
    visited: int
    never: int
    estate_id: int
    area: VisitArea | None = None
    today_planned: int = 0
    today_done: int = 0
    needed_per_day: int = 0
    over_capacity: bool = False
    unassigned: int = 0

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.visited, self.occupied)


@dataclass
class Coverage:
    """Coverage per assistant and per estate on a day."""

    day: date
    areas: list[CoverageRow] = field(default_factory=list)
    estates: list[CoverageRow] = field(default_factory=list)


def _counts(units: QuerySet[Unit], day: date) -> tuple[int, int, int]:
    since = _day_start(day - timedelta(days=planning.CYCLE_DAYS - 1))
    annotated = units.annotate(
        recent=Count(
            "home_visits",
            filter=Q(home_visits__outcome=Outcome.VISITED, home_visits__visited_at__gte=since),
        ),
        ever=Count("home_visits", filter=Q(home_visits__outcome=Outcome.VISITED)),
    )
    rows = list(annotated.values_list("recent", "ever"))
    return len(rows), sum(1 for r, _e in rows if r), sum(1 for _r, e in rows if not e)


def coverage(estate_ids: Sequence[int], day: date | None = None) -> Coverage:
    """Return, per assistant and per estate, households visited in the last 365 days over occupied ones."""
    day = day or timezone.localdate()
    result = Coverage(day)
    areas = (
        VisitArea.objects.filter(estate_id__in=list(estate_ids))
        .select_related("estate", "assistant")
        .order_by("estate__code", "assistant__staff_no")
    )
    for area in areas:
        occupied, visited, never = _counts(area_units(area, day), day)
        items = PlanItem.objects.filter(area=area, day=day)
        outlook = plan_outlook(area, day)
        result.areas.append(
            CoverageRow(
                label=area.assistant.name,
                occupied=occupied,
                visited=visited,
                never=never,
                estate_id=area.estate_id,
                area=area,
                today_planned=items.count(),
                today_done=items.filter(visit__isnull=False).count(),
                needed_per_day=outlook.needed_per_day,
                over_capacity=outlook.over_capacity,
            )
        )
    for estate in Estate.objects.filter(pk__in=list(estate_ids)).order_by("code"):
        units = occupied_units(day).filter(building__estate=estate)
        occupied, visited, never = _counts(units, day)
        assigned = units.filter(building__visit_areas__isnull=False).distinct().count()
        result.estates.append(
            CoverageRow(
                label=estate.name,
                occupied=occupied,
                visited=visited,
                never=never,
                estate_id=estate.pk,
                unassigned=occupied - assigned,
            )
        )
    return result


def month_figures(estate_ids: Sequence[int], start: date, end: date) -> dict[str, int]:
    """Return the month's home visits by outcome and how many opinions became cases (for the summary)."""
    visits = HomeVisit.objects.filter(
        estate_id__in=list(estate_ids),
        visited_at__gte=_day_start(start),
        visited_at__lt=_day_start(end + timedelta(days=1)),
    )
    counts = visits.aggregate(
        total=Count("pk"),
        visited=Count("pk", filter=Q(outcome=Outcome.VISITED)),
        entered=Count("pk", filter=Q(entered_home=True)),
        nobody_home=Count("pk", filter=Q(outcome=Outcome.NOBODY_HOME)),
        refused=Count("pk", filter=Q(outcome=Outcome.REFUSED)),
        with_opinions=Count("pk", filter=~Q(opinions="")),
        cases=Count("pk", filter=Q(case__isnull=False)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


# ── Lookups the pages and the API share ──────────────────────────────────────────────────────


def companions_for(staff: Staff, estate_id: int) -> QuerySet[Staff]:
    """Return who may go along on a visit: the other active staff serving the estate."""
    return Staff.objects.filter(estates=estate_id, is_active=True).exclude(pk=staff.pk).order_by("staff_no")


def assistants_of(estate_ids: Sequence[int]) -> QuerySet[Staff]:
    """Return the staff who may be given an area: active, serving one of the estates, with the visit capability."""
    codes = [r.code for r in _roles_with(Cap.HOMEVISIT_WORK)]
    return (
        Staff.objects.filter(estates__in=list(estate_ids), is_active=True, roles__role__in=codes)
        .distinct()
        .order_by("staff_no")
    )


def _roles_with(cap: str) -> list[Role]:
    from shouwen.access.roles import ROLES

    return [r for r in ROLES.values() if cap in r.caps and not r.company_wide]


def find_unit(user_estate_ids: Iterable[int], text: str) -> Unit | None:
    """Return the one unit of the estates named by what people say (3-2-1502, 3栋2单元1502)."""
    from shouwen.directory.search import find_units, parse_unit_shorthand

    ref = parse_unit_shorthand(text or "")
    if ref is None:
        return None
    found = list(find_units(Unit.objects.filter(building__estate_id__in=list(user_estate_ids)), ref)[:2])
    return found[0] if len(found) == 1 else None
