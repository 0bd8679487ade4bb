"""Benchmark the deadline sweep: its cost must grow with the deadlines coming due, not with all open cases.

Prints one JSON line: sweep time over N open cases with 1% and with 10% coming due and their
ratio (≈10 is right: ten times the work), plus the same number of due items among ten times fewer
open cases (ratio ≈1: history does not slow the sweep).

    python bench/sla_sweep.py            # 100,000 open cases
    python bench/sla_sweep.py --quick    # 10,000 open cases
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta

from _setup import django_setup


def build(total: int, due_fraction: float, now):  # type: ignore[no-untyped-def]
    """Bulk-create ``total`` open cases, each with a running resolution deadline; a fraction overdue."""
    from django.db import connection, transaction

    from shouwen.cases.models import Case, Contact, Responsibility
    from shouwen.directory.models import Company
    from shouwen.sla.models import Deadline, DeadlinePolicy

    world_company = Company.objects.first()
    assert world_company is not None
    estate = world_company.estates.get(code="LJY")
    clerk = estate.staff.get(staff_no="LJ001")
    policy = DeadlinePolicy.objects.get(name="重要投诉：3天内处理完毕")
    due_every = round(1 / due_fraction) if due_fraction else 0
    from shouwen.cases.models import CaseEvent
    from shouwen.notifications.models import Notification
    from shouwen.sla.models import Escalation

    with transaction.atomic():
        # A benchmark starts each phase from nothing; the product itself never deletes these rows.
        for model in (Notification, Escalation, CaseEvent, Deadline, Responsibility, Case, Contact):
            model.objects.all()._raw_delete(model.objects.db)
    batch = 5000
    for offset in range(0, total, batch):
        n = min(batch, total - offset)
        with transaction.atomic():
            contacts = Contact.objects.bulk_create(
                [
                    Contact(
                        estate=estate,
                        channel="phone",
                        registered_by=clerk,
                        category="complaint",
                        content="楼上装修噪音",
                    )
                    for _ in range(n)
                ]
            )
            cases = Case.objects.bulk_create(
                [
                    Case(
                        number=f"LJY-B-{offset + i:07d}",
                        estate=estate,
                        origin=c,
                        category="complaint",
                        severity="important",
                        summary="楼上装修噪音",
                        first_contact=clerk,
                        accountable=clerk,
                        created_at=now - timedelta(days=1),
                    )
                    for i, c in enumerate(contacts)
                ]
            )
            Responsibility.objects.bulk_create(
                [
                    Responsibility(case=c, holder=clerk, started_at=now - timedelta(days=1), via="registered")
                    for c in cases
                ]
            )
            deadlines = []
            for i, c in enumerate(cases):
                overdue = due_every and (offset + i) % due_every == 0
                due = now - timedelta(minutes=5) if overdue else now + timedelta(days=2)
                deadlines.append(
                    Deadline(
                        case=c,
                        kind="resolution",
                        policy=policy,
                        started_at=now - timedelta(days=1),
                        due_at=due,
                        near_at=due - timedelta(hours=12),
                        final_at=due + timedelta(days=1),
                        level=1,
                        next_check_at=due,
                    )
                )
            Deadline.objects.bulk_create(deadlines)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed_sweep(now) -> tuple[float, dict[str, int]]:  # type: ignore[no-untyped-def]
    """Return the wall time of one sweep in milliseconds and its counts."""
    from shouwen.sla.sweep import sweep_deadlines

    start = time.perf_counter()
    counts = sweep_deadlines(now=now)
    return (time.perf_counter() - start) * 1000, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 open cases instead of 100,000")
    parser.add_argument("--total", type=int)
    args = parser.parse_args()
    total = args.total or (10_000 if args.quick else 100_000)
    django_setup("sla")
    from django.db import connection
    from django.utils import timezone

    from shouwen.core.testing import make_world

    make_world()
    now = timezone.now()
    build(500, 0.1, now)  # warm-up: imports, translations and caches, not measured
    timed_sweep(now)
    results = {}
    for label, n, fraction in (
        ("due_1pct", total, 0.01),
        ("due_10pct", total, 0.10),
        ("same_due_tenth_open", total // 10, 0.10),
        ("none_due", total, 0.0),
    ):
        build(n, fraction, now)
        ms, counts = timed_sweep(now)
        results[label] = {
            "open_cases": n,
            "due": counts["checked"],
            "escalated": counts["escalated"],
            "sweep_ms": round(ms, 1),
        }
    print(
        json.dumps(
            {
                "bench": "sla_sweep",
                "database": connection.vendor,
                "open_cases": total,
                "due_1pct": results["due_1pct"],
                "due_10pct": results["due_10pct"],
                "ratio": round(results["due_10pct"]["sweep_ms"] / results["due_1pct"]["sweep_ms"], 2),
                "baseline_same_due_tenth_open": results["same_due_tenth_open"],
                "ratio_history": round(
                    results["due_1pct"]["sweep_ms"] / results["same_due_tenth_open"]["sweep_ms"], 2
                ),
                "none_due_sweep_ms": results["none_due"]["sweep_ms"],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
