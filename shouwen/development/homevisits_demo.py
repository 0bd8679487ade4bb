"""Demo home visits and monthly summaries: each estate's assistant gets an area and a few weeks of visits,
and last month's summary is drafted and submitted by the estate's supervisor."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from shouwen.directory.models import Building, Company, Estate, Staff
from shouwen.homevisits import planning, services
from shouwen.homevisits.models import Outcome
from shouwen.reports import summaries
from shouwen.sla.calendar import BusinessCalendar

OPINIONS = (
    ("希望小区增加快递柜，现在取快递要走到大门口", "suggestion"),
    ("楼道声控灯经常不亮，晚上回家不方便", "public_repair"),
    ("卫生间天花板有水渍，怀疑楼上漏水", "household_repair"),
    ("地下车库入口减速带松动，开车经过响声很大", "public_repair"),
    ("保安夜间巡逻时说话声音较大，影响休息", "complaint"),
    ("保洁阿姨很负责，楼道每天都很干净", "praise"),
    ("希望物业多组织一些老人活动", "suggestion"),
    ("对物业服务总体满意，没有其他意见", ""),
    ("绿化带的树枝挡住了二楼窗户，希望修剪", "public_repair"),
)
WEEKS = 3


def _staff(estate: Estate, role: str) -> Staff | None:
    return Staff.objects.filter(estates=estate, roles__role=role, is_active=True).order_by("staff_no").first()


def _moment(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def load_demo_home_visits(estate: Estate, seed: int = 2026) -> int:
    """Give the estate's assistant every building and record the visits of the last few weeks; return how many."""
    assistant, supervisor = _staff(estate, "cs_assistant"), _staff(estate, "cs_supervisor")
    if assistant is None or supervisor is None:
        return 0
    colleagues = Staff.objects.filter(estates=estate, is_active=True).exclude(pk=assistant.pk)
    partner = colleagues.filter(roles__role="front_desk").order_by("staff_no").first() or colleagues.first()
    today = timezone.localdate()
    start = today - timedelta(weeks=WEEKS)
    area = services.set_area(
        supervisor,
        estate=estate,
        assistant=assistant,
        buildings=Building.objects.filter(estate=estate),
        cycle_start=start,
    )
    rng = random.Random(f"{seed}-visits-{estate.code}")
    calendar = BusinessCalendar.for_estate(estate)
    made = 0
    day = start
    while day < today:
        chosen = planning.plan_day(services.households(area, day), day, area.cycle_start, calendar.is_workday)
        for n, household in enumerate(chosen.chosen):
            made += _visit(estate, assistant, partner, household.unit_id, day, n, rng)
        day += timedelta(days=1)
    return made


def _visit(
    estate: Estate,
    assistant: Staff,
    partner: Staff | None,
    unit_id: int,
    day: date,
    n: int,
    rng: random.Random,
) -> int:
    from shouwen.directory.models import Unit

    unit = Unit.objects.select_related("building").get(pk=unit_id)
    roll = rng.random()
    outcome = Outcome.VISITED if roll < 0.75 else Outcome.NOBODY_HOME if roll < 0.9 else Outcome.REFUSED
    visited_at = _moment(day, 9 + n, rng.choice((0, 15, 30, 45)))
    text, category = rng.choice(OPINIONS) if outcome == Outcome.VISITED and rng.random() < 0.4 else ("", "")
    entered = outcome == Outcome.VISITED and partner is not None and rng.random() < 0.5
    visit = services.record_visit(
        assistant,
        unit=unit,
        phoned_at=visited_at - timedelta(hours=rng.choice((1, 2, 20)))
        if outcome == Outcome.VISITED
        else None,
        visited_at=visited_at,
        outcome=outcome,
        entered_home=entered,
        companion=partner if entered else None,
        note_left=outcome == Outcome.NOBODY_HOME,
        opinions=text,
    )
    if category and rng.random() < 0.7:
        services.open_case_from_visit(assistant, visit, category)
    return 1


def load_demo_summaries(company: Company) -> int:
    """Draft and submit last month's summary of every estate, as its supervisor; return how many."""
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    made = 0
    for estate in company.estates.order_by("code"):
        supervisor = _staff(estate, "cs_supervisor")
        if supervisor is None:
            continue
        draft = summaries.start_summary(supervisor, estate, last_month)
        summaries.submit_summary(supervisor, draft)
        made += 1
    return made
