"""Benchmark queues and search at two history sizes: their time must not grow with history.

For each size a fresh database is filled by `shouwen generate` (5 estates of 2,000 households,
as many years as the size needs: the same estates, the same people and about the same open
cases, only more closed history), then the main list pages and searches are timed in-process
with Django's test client (server time: middleware, queries, template or serializer), as the
people who use them:

* ``mine``: 我的事项 of the technician of estate 1 with the most open cases
* ``estate``: 小区未结事项 of estate 1's customer-service supervisor
* ``incoming``: 待我接收 of the technician with the most handovers waiting
* ``api_list``: ``GET /api/v1/cases/`` (everything the supervisor may see, newest first)
* ``api_mine``: ``GET /api/v1/cases/?queue=mine`` for the technician
* ``search_*``: the search box: 电梯 and 漏水 (thousands of matches), a resident's name (a few),
  the last four digits of their phone, a case number

``ratio`` per page = p50 at the large size ÷ p50 at the small size (≈1: history does not slow it
down; ≈10 would mean the page reads all history). Each size has its own throw-away database,
filled by its own process. The timing then alternates between the two in rounds (small, large,
large, small, …; a fresh process per round and size), so that a busy hour on a shared machine
slows both sizes alike instead of one of them. Also the task worker's peak RSS after one deadline
sweep over the large database (``worker_rss_mb``).

    python bench/queues_search.py            # 100,000 and 1,000,000 cases
    python bench/queues_search.py --quick    # 10,000 and 100,000 cases
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from _setup import (
    PYTHON,
    ROOT,
    database_info,
    django_existing,
    own_peak_rss_mb,
    percentile,
    throwaway_database,
    vm_hwm_mb,
)

ESTATES = 5
CASES_PER_ESTATE_YEAR = 11_300  # what `shouwen generate` writes at the seeds' volumes
SEED = 2026
ROUNDS = 5  # timing rounds per size, alternating between the sizes


def users_and_terms() -> dict[str, Any]:
    """Pick the people and the search terms (from estate 1, the same way at every size)."""
    from django.db.models import Count, Q

    from shouwen.cases.models import ACTIVE_STATUSES, Case
    from shouwen.directory.models import Estate, ResidentPhone, Staff

    estate = Estate.objects.order_by("code").first()
    assert estate is not None
    staff = Staff.objects.filter(estates=estate)
    technicians = staff.filter(roles__role="technician")
    busiest = technicians.annotate(
        n=Count("accountable_cases", filter=Q(accountable_cases__status__in=sorted(ACTIVE_STATUSES)))
    ).order_by("-n", "pk")[0]
    waiting = technicians.annotate(
        n=Count("handovers_received", filter=Q(handovers_received__status="pending"))
    ).order_by("-n", "pk")[0]
    supervisor = staff.get(roles__role="cs_supervisor")
    # A resident of estate 1 who called at least once, and a case from the middle of the history.
    called = Case.objects.filter(estate=estate, resident__isnull=False).order_by("pk")
    middle = called[called.count() // 2]
    phone = ResidentPhone.objects.filter(resident_id=middle.resident_id).order_by("pk").first()
    assert phone is not None
    return {
        "estate": estate,
        "name": middle.origin.caller_name,
        "tech": busiest,
        "receiver": waiting,
        "supervisor": supervisor,
        "phone4": phone.number[-4:],
        "number": middle.number,
    }


def page_urls(p: dict[str, Any]) -> dict[str, tuple[Any, str, bool]]:
    """Return each measured page: who asks, the URL, and whether it is the API (token) or a page (session)."""
    return {
        "mine": (p["tech"], "/cases/?queue=mine", False),
        "estate": (p["supervisor"], "/cases/?queue=estate", False),
        "incoming": (p["receiver"], "/cases/?queue=incoming", False),
        "api_list": (p["supervisor"], "/api/v1/cases/", True),
        "api_mine": (p["tech"], "/api/v1/cases/?queue=mine", True),
        "search_dianti": (p["supervisor"], "/cases/?q=电梯", False),
        "search_loushui": (p["supervisor"], "/cases/?q=漏水", False),
        "search_name": (p["supervisor"], f"/cases/?q={p['name']}", False),
        "search_phone4": (p["supervisor"], f"/cases/?q={p['phone4']}", False),
        "search_number": (p["supervisor"], f"/cases/?q={p['number']}", False),
    }


def measure(repeat: int) -> dict[str, Any]:
    """Time every page ``repeat`` times after a warm-up; return the times (ms) per page and its row count."""
    from django.test import Client

    from shouwen.access.scope import scope_queryset
    from shouwen.cases import queries
    from shouwen.cases.models import Case
    from shouwen.directory.search import number_lookup

    p = users_and_terms()
    pages = page_urls(p)
    scoped = scope_queryset(Case.objects.all(), p["supervisor"].user)
    rows = {
        "mine": queries.my_open_cases(scope_queryset(Case.objects.all(), p["tech"].user), p["tech"]).count(),
        "estate": queries.estate_open_cases(scoped).count(),
        "incoming": queries.handovers_waiting_for(p["receiver"]).count(),
        "api_list": scoped.count(),
        "search_dianti": queries.search_cases(
            scoped, "电梯", number_lookup(p["supervisor"].user, "电梯")
        ).count(),
        "search_loushui": queries.search_cases(
            scoped, "漏水", number_lookup(p["supervisor"].user, "漏水")
        ).count(),
        "search_name": queries.search_cases(
            scoped, p["name"], number_lookup(p["supervisor"].user, p["name"])
        ).count(),
        "search_phone4": queries.search_cases(
            scoped, p["phone4"], number_lookup(p["supervisor"].user, p["phone4"])
        ).count(),
        "search_number": queries.search_cases(
            scoped, p["number"], number_lookup(p["supervisor"].user, p["number"])
        ).count(),
    }
    results: dict[str, Any] = {}
    for name, (staff, url, api) in pages.items():
        client = Client()
        headers: dict[str, str] = {}
        if api:
            from shouwen.accounts.tokens import issue_token

            _row, token = issue_token(staff.user, name="bench")
            headers["HTTP_AUTHORIZATION"] = f"Token {token}"
        else:
            client.force_login(staff.user)
        times = []
        for i in range(repeat + 3):
            start = time.perf_counter()
            response = client.get(url, **headers)
            ms = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            if i >= 3:  # the first requests warm caches, templates and the database's pages
                times.append(ms)
        results[name] = {"times_ms": [round(t, 3) for t in times]}
        if name in rows:
            results[name]["rows"] = rows[name]
    return results


def worker_rss_mb(database: dict[str, str]) -> float | None:
    """Run `shouwen worker --once` (one deadline sweep and delivery) and return its peak RSS (VmHWM) in MB.

    Read from /proc while it runs: the rusage of children would count the memory of this process,
    which the worker shares between fork and exec.
    """
    env = {**os.environ, **database, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    worker = subprocess.Popen(
        [PYTHON, "-m", "shouwen.cli", "worker", "--once", "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    peak: float | None = None
    deadline = time.monotonic() + 1800
    while worker.poll() is None and time.monotonic() < deadline:
        peak = max(filter(None, (peak, vm_hwm_mb(worker.pid))), default=None)
        time.sleep(0.05)
    if worker.poll() is None:
        worker.kill()
    worker.wait(timeout=30)
    return peak


def last_working_afternoon() -> datetime:
    """Return 16:00 local time of the last weekday before now: the queues as they look during work."""
    from django.utils import timezone

    now = timezone.localtime()
    day = now.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime.combine(day, datetime.min.time().replace(hour=16))


def generate(cases: int) -> None:
    """Fill the prepared database with about ``cases`` cases; print one JSON line about it."""
    django_existing()
    from django.core.management import call_command

    from shouwen.cases.models import Case

    years = cases / (ESTATES * CASES_PER_ESTATE_YEAR)
    start = time.perf_counter()
    until = f"{last_working_afternoon():%Y-%m-%dT%H:%M}"
    call_command("generate", estates=ESTATES, years=years, seed=SEED, until=until, stdout=sys.stderr)
    generate_s = time.perf_counter() - start
    count = Case.objects.count()
    result = {
        **database_info(),
        "cases": count,
        "years": round(years, 2),
        "generate_s": round(generate_s, 1),
        "generate_cases_per_s": round(count / generate_s),
        "generate_rss_mb": own_peak_rss_mb(),
    }
    print(json.dumps(result, ensure_ascii=False))


def measure_child(repeat: int) -> None:
    """Time the pages on the prepared database; print one JSON line with the times."""
    django_existing()
    print(json.dumps(measure(repeat), ensure_ascii=False))


def run_child(database: dict[str, str], *args: str) -> Any:
    """Run this script with ``args`` on ``database``; return its last stdout line, parsed."""
    out = subprocess.run(
        [PYTHON, __file__, *args],
        check=True,
        stdout=subprocess.PIPE,  # progress goes to stderr; the child's last stdout line is its result
        text=True,
        timeout=6 * 3600,
        env={**os.environ, **database},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 cases")
    parser.add_argument("--sizes", type=int, nargs=2, metavar=("SMALL", "LARGE"))
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help=f"timed requests per page and round ({ROUNDS} rounds, 3 warm-up)",
    )
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate)
        return
    if args.measure:
        measure_child(args.repeat)
        return
    sizes = args.sizes or ((10_000, 100_000) if args.quick else (100_000, 1_000_000))
    databases = [throwaway_database(f"queues{size}") for size in sizes]
    made = [run_child(db, "--generate", str(size)) for db, size in zip(databases, sizes, strict=True)]
    times: list[dict[str, list[float]]] = [{}, {}]
    rows: list[dict[str, int]] = [{}, {}]
    for round_ in range(ROUNDS):
        for which in (0, 1) if round_ % 2 == 0 else (1, 0):
            pages = run_child(databases[which], "--measure", "--repeat", str(args.repeat))
            for name, page in pages.items():
                times[which].setdefault(name, []).extend(page["times_ms"])
                if "rows" in page:
                    rows[which][name] = page["rows"]
    worker_rss = worker_rss_mb(databases[1])

    def figures(which: int) -> dict[str, Any]:
        return {
            name: {
                "p50_ms": percentile(t, 50),
                "p95_ms": percentile(t, 95),
                **({"rows": rows[which][name]} if name in rows[which] else {}),
            }
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
                "bench": "queues_search",
                "database": small["database"],
                "database_version": small["database_version"],
                "timing": (
                    f"server time in-process (Django test client), p50/p95 of {ROUNDS} x {args.repeat} "
                    "timed requests per page, the sizes timed in alternating rounds"
                ),
                "sizes": {"small_cases": small["cases"], "large_cases": large["cases"]},
                "years": {"small": small["years"], "large": large["years"]},
                "estates": ESTATES,
                "small": small_pages,
                "large": large_pages,
                "ratio": ratio,
                "ratio_max": max(ratio.values()),
                "generate_cases_per_s": {
                    "small": small["generate_cases_per_s"],
                    "large": large["generate_cases_per_s"],
                },
                "generate_s": {"small": small["generate_s"], "large": large["generate_s"]},
                "generate_rss_mb": {"small": small["generate_rss_mb"], "large": large["generate_rss_mb"]},
                "worker_rss_mb": worker_rss,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
