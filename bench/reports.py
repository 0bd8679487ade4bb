"""Benchmark the reports at two history sizes: a month is a month, whatever the years behind it.

For each size a fresh database is filled by `shouwen generate` (5 estates of 2,000 households, as
many years as the size needs: the same estates and people, only more history behind the last
month; with ``--quick`` one estate, so that the small size still holds more than a year and the
month, the month before and the same month a year earlier are all there at both sizes), then the report pages are timed in-process with Django's test client (server time:
middleware, queries, template or workbook), as the people who use them:

* ``monthly_estate``: 月度统计与服务指标 of the last full month, estate 1, by its customer-service supervisor
* ``monthly_all``: the same for the deputy general manager, all five estates side by side
* ``dashboard``: the supervisor's 看板 (this month, the 12-month trend, overdue now, handovers waiting)
* ``dashboard_gm``: the deputy general manager's 看板 comparing the estates
* ``excel``: the month's Excel export of estate 1
* ``api_rates``: ``GET /api/v1/reports/rates/`` of the month for the deputy general manager

``ratio`` per page = p50 at the large size ÷ p50 at the small size (target ≤ 1.5). The sizes are
timed in alternating rounds (a fresh process per round and size), as in ``queues_search.py``.

    python bench/reports.py            # 5 estates: 100,000 and 1,000,000 cases (1.8 and 17.7 years)
    python bench/reports.py --quick    # 1 estate: 13,600 and 136,000 cases (1.2 and 12 years)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

from _setup import PYTHON, database_info, django_existing, own_peak_rss_mb, percentile, throwaway_database

ESTATES = 5
CASES_PER_ESTATE_YEAR = 11_300  # what `shouwen generate` writes at the seeds' volumes
SEED = 2026
ROUNDS = 3  # timing rounds per size, alternating between the sizes
UNTIL = "2026-11-20T16:00"  # fixed, so both sizes end on the same day and "last month" is the same month
MONTH = "2026-10"


def page_urls() -> dict[str, tuple[Any, str, bool]]:
    """Return each measured page: who asks, the URL, and whether it is the API (token) or a page (session)."""
    from shouwen.directory.models import Estate, Staff

    estate = Estate.objects.order_by("code").first()
    assert estate is not None
    supervisor = Staff.objects.filter(estates=estate, roles__role="cs_supervisor").order_by("pk")[0]
    gm = Staff.objects.filter(roles__role="deputy_gm").order_by("pk")[0]
    month = f"month={MONTH}"
    return {
        "monthly_estate": (supervisor, f"/reports/?{month}&estate={estate.pk}", False),
        "monthly_all": (gm, f"/reports/?{month}", False),
        "dashboard": (supervisor, "/dashboard/", False),
        "dashboard_gm": (gm, "/dashboard/", False),
        "excel": (supervisor, f"/reports/export.xlsx?{month}&estate={estate.pk}", False),
        "api_rates": (gm, f"/api/v1/reports/rates/?{month}", True),
    }


def measure(repeat: int) -> dict[str, Any]:
    """Time every page ``repeat`` times after a warm-up; return the times (ms) per page."""
    from django.test import Client

    from shouwen.cases.models import Contact

    results: dict[str, Any] = {}
    first = date.fromisoformat(f"{MONTH}-01")
    contacts = Contact.objects.filter(
        received_at__date__gte=first, received_at__date__lt=first + timedelta(days=31)
    )
    for name, (staff, url, api) in page_urls().items():
        client = Client()
        headers: dict[str, str] = {}
        if api:
            from shouwen.accounts.tokens import issue_token

            _row, token = issue_token(staff.user, name="bench")
            headers["HTTP_AUTHORIZATION"] = f"Token {token}"
        else:
            client.force_login(staff.user)
        times = []
        for i in range(repeat + 2):
            start = time.perf_counter()
            response = client.get(url, **headers)
            ms = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            if i >= 2:  # the first requests warm caches, templates and the database's pages
                times.append(ms)
        results[name] = {"times_ms": [round(t, 3) for t in times]}
    results["month_contacts"] = {"count": contacts.count()}
    return results


def generate(cases: int, estates: int) -> None:
    """Fill the prepared database with about ``cases`` cases; print one JSON line about it."""
    django_existing()
    from django.core.management import call_command

    from shouwen.cases.models import Case

    years = cases / (estates * CASES_PER_ESTATE_YEAR)
    start = time.perf_counter()
    call_command("generate", estates=estates, years=years, seed=SEED, until=UNTIL, stdout=sys.stderr)
    generate_s = time.perf_counter() - start
    count = Case.objects.count()
    print(
        json.dumps(
            {
                **database_info(),
                "cases": count,
                "years": round(years, 2),
                "generate_s": round(generate_s, 1),
                "generate_rss_mb": own_peak_rss_mb(),
            }
        )
    )


def run_child(database: dict[str, str], *args: str) -> Any:
    """Run this script with ``args`` on ``database``; return its last stdout line, parsed."""
    out = subprocess.run(
        [PYTHON, __file__, *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=8 * 3600,
        env={**os.environ, **database},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one estate, 13,600 and 136,000 cases")
    parser.add_argument("--estates", type=int, help=f"estates ({ESTATES}; 1 with --quick)")
    parser.add_argument("--sizes", type=int, nargs=2, metavar=("SMALL", "LARGE"))
    parser.add_argument(
        "--repeat", type=int, default=5, help=f"timed requests per page and round ({ROUNDS} rounds)"
    )
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    estates = args.estates or (1 if args.quick else ESTATES)
    if args.generate:
        generate(args.generate, estates)
        return
    if args.measure:
        django_existing()
        print(json.dumps(measure(args.repeat)))
        return
    sizes = args.sizes or ((13_600, 136_000) if args.quick else (100_000, 1_000_000))
    databases = [throwaway_database(f"reports{size}") for size in sizes]
    made = [
        run_child(db, "--generate", str(size), "--estates", str(estates))
        for db, size in zip(databases, sizes, strict=True)
    ]
    times: list[dict[str, list[float]]] = [{}, {}]
    month_contacts = [0, 0]
    for round_ in range(ROUNDS):
        for which in (0, 1) if round_ % 2 == 0 else (1, 0):
            pages = run_child(databases[which], "--measure", "--repeat", str(args.repeat))
            month_contacts[which] = pages.pop("month_contacts")["count"]
            for name, page in pages.items():
                times[which].setdefault(name, []).extend(page["times_ms"])

    def figures(which: int) -> dict[str, Any]:
        return {
            name: {"p50_ms": percentile(t, 50), "p95_ms": percentile(t, 95)}
            for name, t in times[which].items()
        }

    small_pages, large_pages = figures(0), figures(1)
    small, large = made
    ratio = {
        name: round(large_pages[name]["p50_ms"] / max(small_pages[name]["p50_ms"], 0.01), 2)
        for name in small_pages
    }
    print(
        json.dumps(
            {
                "bench": "reports",
                "database": small["database"],
                "database_version": small["database_version"],
                "timing": (
                    f"server time in-process (Django test client), p50/p95 of {ROUNDS} x {args.repeat} "
                    "timed requests per page, the sizes timed in alternating rounds"
                ),
                "month": MONTH,
                "sizes": {"small_cases": small["cases"], "large_cases": large["cases"]},
                "years": {"small": small["years"], "large": large["years"]},
                "month_contacts": {"small": month_contacts[0], "large": month_contacts[1]},
                "estates": estates,
                "small": small_pages,
                "large": large_pages,
                "ratio": ratio,
                "ratio_max": max(ratio.values()),
                "generate_s": {"small": small["generate_s"], "large": large["generate_s"]},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
