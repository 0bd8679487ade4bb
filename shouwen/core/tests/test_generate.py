"""`shouwen generate`: realistic, constraint-keeping, searchable, deterministic data at a small size."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from shouwen.cases import queries, services
from shouwen.cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseCounter,
    CaseEvent,
    Contact,
    Handover,
    Responsibility,
)
from shouwen.directory.models import Estate, Staff
from shouwen.followups.models import ReturnVisit
from shouwen.sla.models import Deadline, Escalation
from shouwen.workorders.models import WorkOrder, WorkOrderTechnician

UNTIL = "2026-06-01T18:00"
SMALL = {"estates": 1, "years": 1, "contacts_per_year": 500, "households": 200, "until": UNTIL}


def generate(seed: int, **options: object) -> dict[str, int]:
    """Run the command quietly and return the counts it reports."""
    out = io.StringIO()
    call_command("generate", seed=seed, json=True, stdout=out, verbosity=0, **{**SMALL, **options})
    return json.loads(out.getvalue().strip().splitlines()[-1])


def estate_history(code: str) -> list[tuple[str, str, str, str]]:
    """Return what happened at an estate, independent of its code and of row ids."""
    return [
        (number.split("-", 1)[1], category, status, summary)
        for number, category, status, summary in Case.objects.filter(estate__code=code)
        .order_by("pk")
        .values_list("number", "category", "status", "summary")
    ]


@pytest.fixture
def generated(db) -> dict[str, int]:
    return generate(seed=7)


def test_counts_match_the_rows_and_the_seed_volumes(generated):
    counts = generated
    assert Estate.objects.count() == 1
    assert Contact.objects.count() == counts["contact"]
    assert Case.objects.count() == counts["case"]
    assert Responsibility.objects.count() == counts["responsibility"]
    assert CaseEvent.objects.count() == counts["caseevent"]
    assert Deadline.objects.count() == counts["deadline"]
    assert ReturnVisit.objects.count() == counts["returnvisit"]
    assert WorkOrder.objects.count() == counts["workorder"] > 0
    assert WorkOrderTechnician.objects.count() == counts["workordertechnician"] == counts["workorder"]
    assert Escalation.objects.count() == counts["escalation"] > 0
    # ~500 contacts a year, with the seeds' month as the mix (repairs 1,492 of 2,385).
    total = counts["contact"]
    assert 400 < total < 600
    repairs = counts["contacts_public_repair"] + counts["contacts_household_repair"]
    assert 0.55 < repairs / total < 0.70
    assert 0.03 < counts["contacts_consultation"] / total < 0.11
    assert 0.15 < counts["answered_on_spot"] / total < 0.35
    # At full volume a third of the repair contacts are calls about a repair still open; at this
    # small volume fewer repairs are open at any moment, so fewer calls find one to chase.
    assert 0.05 < counts["repeat_calls"] / repairs < 0.45
    assert Contact.objects.filter(answered_on_spot=True, case__isnull=False).count() == 0
    assert Contact.objects.filter(answered_on_spot=True, answer="").count() == 0
    # A year of history: nearly everything is closed, a few recent cases are still being handled.
    assert counts["status_closed"] > 0.9 * counts["case"]
    assert Case.objects.filter(status__in=ACTIVE_STATUSES).count() < 0.1 * counts["case"]
    assert Staff.objects.filter(estates__isnull=False).count() == 21


def test_every_case_keeps_the_accountability_invariant(generated):
    current = Count("responsibilities", filter=Q(responsibilities__ended_at__isnull=True))
    for case in Case.objects.annotate(current=current).prefetch_related("responsibilities"):
        chain = sorted(case.responsibilities.all(), key=lambda r: (r.started_at, r.pk))
        if case.status in ACTIVE_STATUSES:
            assert case.current == 1, case.number
            assert chain[-1].ended_at is None and chain[-1].holder_id == case.accountable_id
        else:
            assert case.current == 0 and case.accountable_id is None, case.number
        for before, after in zip(chain, chain[1:], strict=False):
            assert before.ended_at == after.started_at, f"a gap or overlap in the chain of {case.number}"
    assert not Handover.objects.values("case").annotate(n=Count("pk")).filter(n__gt=1, status="pending")
    # Running deadlines and waiting return visits belong to cases still being handled.
    assert not Deadline.objects.filter(state="running").exclude(case__status__in=ACTIVE_STATUSES).exists()
    assert not ReturnVisit.objects.filter(status="pending").exclude(case__status="resolved").exists()
    # Work orders: one per technician's visit, done when the case was resolved, rated by household residents.
    assert not WorkOrder.objects.exclude(case__category__in=["public_repair", "household_repair"]).exists()
    assert not WorkOrder.objects.filter(state="accepted").exclude(case__status__in=ACTIVE_STATUSES).exists()
    assert (
        not WorkOrder.objects.filter(state="done", case__resolved_at__isnull=False)
        .filter(done_at__gt=F("case__resolved_at"))
        .exists()
    )
    assert WorkOrder.objects.filter(kind="rework", rework_of__isnull=False).exists()
    assert (
        WorkOrder.objects.filter(case__category="household_repair", state="done")
        .exclude(resident_rating="")
        .exists()
    )
    assert not WorkOrder.objects.filter(case__category="public_repair").exclude(resident_rating="").exists()
    # Escalations are the steps of deadlines met late, raised when overdue and handled when met.
    assert not Escalation.objects.exclude(deadline__margin_seconds__lt=0).exists()
    assert not Escalation.objects.exclude(case=F("deadline__case")).exists()
    assert not Escalation.objects.filter(level=2).exclude(at=F("deadline__due_at")).exists()
    assert not Escalation.objects.exclude(handled_at=F("deadline__met_at")).exists()
    # The origin contact points back at its case; the timeline's data is JSON the app can read.
    assert not Case.objects.exclude(origin__case=F("pk")).exists()
    case = Case.objects.order_by("pk").first()
    registered = case.events.get(kind="registered")
    assert registered.data == {"channel": case.origin.channel, "number": case.number}
    assert CaseEvent.objects.filter(kind="registered", data__number=case.number).count() == 1


def _search(cases, query):
    """Search as a customer-service supervisor does (who may find a resident by the last digits)."""
    from shouwen.directory.models import Staff
    from shouwen.directory.search import number_lookup

    supervisor = Staff.objects.filter(roles__role="cs_supervisor").first()
    return queries.search_cases(cases, query, number_lookup(supervisor.user, query))


def test_chinese_search_finds_generated_text(generated):
    cases = Case.objects.all()
    leaks = _search(cases, "漏水")
    assert leaks.exists()
    assert all("漏水" in c.search_text.split() for c in leaks)
    assert _search(cases, "电梯").exists()
    case = cases.filter(resident__isnull=False).first()
    phone = case.resident.phones.first().number
    assert case in _search(cases, phone[-4:])
    assert list(_search(cases, case.number)) == [case]
    # What the generator stores is what the service would have stored.
    for sample in cases.select_related("origin", "unit__building", "public_area").order_by("?")[:40]:
        stored = sample.search_text
        services.refresh_search_text(sample)
        assert sample.search_text == stored, sample.number


def test_new_registrations_continue_the_generated_numbers(generated):
    estate = Estate.objects.get()
    clerk = Staff.objects.filter(roles__role="front_desk", estates=estate).order_by("staff_no").first()
    busiest = CaseCounter.objects.filter(estate=estate).order_by("-last", "day").first()
    assert busiest.last == Case.objects.filter(number__contains=f"-{busiest.day:%Y%m%d}-").count()
    when = timezone.make_aware(datetime.combine(busiest.day, datetime.min.time().replace(hour=15)))
    # Registered that evening: a reception time may only be given back to a few weeks.
    with time_machine.travel(when + timedelta(hours=3), tick=False):
        contact = services.register_contact(
            clerk,
            estate=estate,
            channel="phone",
            category="household_repair",
            content="厨房水管漏水",
            received_at=when,
        )
    assert contact.case.number.endswith(f"-{busiest.last + 1:04d}")
    assert Contact.objects.aggregate(m=Max("pk"))["m"] == contact.pk


def test_same_seed_same_history_other_seed_other_history(db):
    first = generate(seed=11)
    again = generate(seed=11)  # beside the first, as GEN002
    other = generate(seed=12)
    assert first == again
    assert estate_history("GEN001") == estate_history("GEN002")
    assert other != first
    assert Counter(Case.objects.values_list("estate__code", flat=True)) == {
        "GEN001": first["case"],
        "GEN002": first["case"],
        "GEN003": other["case"],
    }
