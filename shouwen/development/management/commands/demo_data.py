"""`shouwen demo-data`: load the deterministic demo company and its cases (only into an empty database)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwen.development.directory_demo import DEMO_PASSWORD, DEMO_STAFF, load_demo_data
from shouwen.directory.models import Company


class Command(BaseCommand):
    help = "Load demo data: one company, two estates of ~1,000 units, 20 staff (only into an empty database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if data exists")
        parser.add_argument("--no-sign-ins", action="store_true", help="do not print the sign-in table")

    def handle(self, *args: Any, **options: Any) -> None:
        if Company.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data: the database already has data; nothing loaded.")
                return
            self.stderr.write("The database already has data; demo data loads only into an empty database.")
            raise SystemExit(1)
        company = load_demo_data(seed=options["seed"])
        from shouwen.development.cases_demo import load_demo_cases

        for estate, count in zip(company.estates.order_by("-code"), (320, 160), strict=False):
            made = load_demo_cases(estate, count, seed=options["seed"])
            self.stdout.write(f"{estate.name}: {made} demo cases")
        from shouwen.development.workorders_demo import load_demo_work_orders

        for estate in company.estates.all():
            self.stdout.write(f"{estate.name}: {load_demo_work_orders(estate)} demo work orders")
        from shouwen.development.rounds_demo import load_demo_patrol

        for estate in company.estates.all():
            self.stdout.write(f"{estate.name}: {load_demo_patrol(estate)} patrol report of yesterday")
        from shouwen.development.duty_demo import load_demo_duty

        for estate in company.estates.all():
            self.stdout.write(f"{estate.name}: {load_demo_duty(estate)} roster entries this week")
        from shouwen.development.homevisits_demo import load_demo_home_visits, load_demo_summaries

        for estate in company.estates.all():
            self.stdout.write(
                f"{estate.name}: {load_demo_home_visits(estate, seed=options['seed'])} demo home visits"
            )
        self.stdout.write(f"Monthly summaries submitted for last month: {load_demo_summaries(company)}")
        from shouwen.sla.sweep import sweep_deadlines

        # Bring the escalation ladder up to date, as the worker would have over those two months.
        counts = sweep_deadlines()
        self.stdout.write(f"Deadline sweep: {counts['escalated']} escalations")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not options["no_sign_ins"]:
            print_sign_ins(self.stdout.write)


def print_sign_ins(write: Any) -> None:
    """Print the demo sign-ins (username, staff number, role) and the shared password."""
    from shouwen.access.roles import ROLES

    write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for s in DEMO_STAFF:
        roles = "、".join(str(ROLES[r].label) for r in s.roles)
        write(f"  {s.username:<10} {s.staff_no:<6} {s.name:<6} {roles} {'/'.join(s.estates) or '全公司'}")
