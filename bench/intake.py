"""Benchmark intake: cases per second through the HTTP API on the production server, against raw SQL.

A gunicorn server (`shouwen serve --workers 2`) on a loopback port takes ``POST /api/v1/cases/``
from N client threads, each request with its own Idempotency-Key and the clerk's API token. The
baseline, measured in the same run by the same number of threads: the same four rows per case
(contact, case, current responsibility, "registered" event) written by raw SQL through psycopg
or sqlite3, one transaction per case. ``ratio`` = API cases/s ÷ raw cases/s: the share of the
database's own speed that validation, permissions, idempotency, deadlines and HTTP leave.

Then the history: ``shouwen generate`` adds an estate with years of history (100,000 cases;
10,000 with --quick) to the same database, and the same load registers into that estate through
the same server. ``ratio_history`` = API cases/s with the history ÷ API cases/s without (goal ≈ 1:
registering must not slow down as the cases pile up).

Prints one JSON line. Database: PostgreSQL when DATABASE_URL is set (a throw-away database on
that server), otherwise SQLite.

    python bench/intake.py            # 2,000 cases, 8 clients, 100,000 cases of history
    python bench/intake.py --quick    # 300 cases, 4 clients, 10,000 cases of history
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _setup import PYTHON, ROOT, database_info, django_setup, percentile, vm_hwm_mb

HOST = "127.0.0.1"
TEXTS = [
    ("household_repair", "卫生间天花板漏水，楼上住户不在家"),
    ("public_repair", "楼道灯不亮，晚上很黑"),
    ("household_repair", "厨房下水道堵塞，水排不下去"),
    ("complaint", "楼上装修噪音，中午也在施工"),
    ("public_repair", "电梯运行时有异响"),
]


# ---------------------------------------------------------------- load with a bounded number of clients


def run_clients(
    clients: int, total: int, max_seconds: float, one: Callable[[int, Any], float]
) -> dict[str, Any]:
    """Run ``total`` operations on ``clients`` threads (or until ``max_seconds``); return rate and latencies.

    ``one(i, state)`` performs operation i and returns its latency in ms; ``state`` is the thread's
    own (a connection), made by calling ``one(-1, None)``.
    """
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + max_seconds

    def worker() -> None:
        state = one(-1, None)
        while time.monotonic() < stop_at:
            with lock:
                i = next_index[0]
                if i >= total:
                    return
                next_index[0] += 1
            try:
                ms = one(i, state)
            except Exception as exc:  # counted and reported, the run goes on
                errors.append(repr(exc)[:200])
                continue
            with lock:
                latencies.append(ms)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 60)
    wall = time.perf_counter() - start
    return {
        "cases": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "seconds": round(wall, 2),
        "cases_per_s": round(len(latencies) / wall, 1),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


# ---------------------------------------------------------------- the API on gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(port: int, var: Path) -> subprocess.Popen[bytes]:
    """Start `shouwen serve` (gunicorn, 2 workers) and wait until it answers, at most 60 s."""
    log = (var / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "shouwen.cli",
            "serve",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--no-collectstatic",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,  # the access log: one line per request would cost the server time
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: see {var / 'gunicorn.log'}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/v1/")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("the server did not answer within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully (SIGTERM to the master), then kill its process group if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; the parent id is the second field after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def api_one(port: int, token: str, estate_id: int) -> Callable[[int, Any], float]:
    def one(i: int, conn: Any) -> Any:
        if i < 0:
            return http.client.HTTPConnection(HOST, port, timeout=60)
        category, content = TEXTS[i % len(TEXTS)]
        body = json.dumps(
            {
                "estate": estate_id,
                "channel": "phone",
                "category": category,
                "content": content,
                "caller_name": "陈秀英",
                "caller_phone": f"139{i:08d}",
                **({"severity": "minor"} if category == "complaint" else {}),
            }
        )
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        start = time.perf_counter()
        conn.request("POST", "/api/v1/cases/", body=body.encode(), headers=headers)
        response = conn.getresponse()
        response.read()
        ms = (time.perf_counter() - start) * 1000
        if response.status != 201:
            raise RuntimeError(f"HTTP {response.status}")
        return ms

    return one


# ---------------------------------------------------------------- the baseline: raw SQL


def raw_statements() -> tuple[dict[str, tuple[str, list[str]]], Callable[[str, dict[str, Any]], list[Any]]]:
    """Return INSERT statements for the four tables and a function giving a row's values in column order.

    The column lists come from the models (Django does not put defaults into the schema, so every
    NOT NULL column needs a value); the statements then run on the bare driver.
    """
    from django.db import connection

    from shouwen.cases.models import Case, CaseEvent, Contact, Responsibility

    statements: dict[str, tuple[str, list[str]]] = {}
    fields_of: dict[str, list[Any]] = {}
    marker = "%s" if connection.vendor == "postgresql" else "?"
    for model in (Contact, Case, Responsibility, CaseEvent):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        name = model._meta.model_name or ""
        columns = ", ".join(f'"{f.column}"' for f in fields)
        marks = ", ".join([marker] * len(fields))
        sql = f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks}) RETURNING "id"'
        statements[name] = (sql, [f.attname for f in fields])
        fields_of[name] = fields
    sqlite = connection.vendor == "sqlite"

    def values(name: str, given: dict[str, Any]) -> list[Any]:
        row = []
        for f in fields_of[name]:
            if f.attname in given:
                value = given[f.attname]
            elif f.has_default():
                value = f.get_default()
            else:
                value = None
            if isinstance(value, dict):
                value = json.dumps(value)
            elif isinstance(value, datetime) and sqlite:
                value = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
            row.append(value)
        return row

    return statements, values


def raw_one(estate_id: int, clerk_id: int) -> Callable[[int, Any], float]:
    """Return the raw-SQL writer of one case per transaction, on the bare sqlite3 or psycopg driver."""
    from django.conf import settings
    from django.db import connection

    statements, values = raw_statements()
    vendor = connection.vendor
    db = settings.DATABASES["default"]

    def connect() -> Any:
        if vendor == "postgresql":
            import psycopg

            return psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)  # BEGIN/COMMIT are explicit
        import sqlite3

        conn = sqlite3.connect(db["NAME"], timeout=20, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def insert(cur: Any, name: str, given: dict[str, Any]) -> int:
        sql, _columns = statements[name]
        cur.execute(sql, values(name, given))
        return int(cur.fetchone()[0])

    def one(i: int, conn: Any) -> Any:
        if i < 0:
            return connect()
        category, content = TEXTS[i % len(TEXTS)]
        now = datetime.now(UTC)
        start = time.perf_counter()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if vendor == "sqlite" else "BEGIN")
        contact = insert(
            cur,
            "contact",
            {
                "estate_id": estate_id,
                "channel": "phone",
                "received_at": now,
                "registered_by_id": clerk_id,
                "registered_at": now,
                "caller_name": "陈秀英",
                "caller_phone": f"138{i:08d}",
                "category": category,
                "content": content,
            },
        )
        case = insert(
            cur,
            "case",
            {
                "number": f"RAW-{uuid.uuid4().hex[:20]}",
                "estate_id": estate_id,
                "origin_id": contact,
                "category": category,
                "status": "open",
                "summary": content,
                "first_contact_id": clerk_id,
                "accountable_id": clerk_id,
                "created_at": now,
                "updated_at": now,
                "search_text": content,
            },
        )
        mark = "%s" if vendor == "postgresql" else "?"
        cur.execute(f'UPDATE "cases_contact" SET "case_id" = {mark} WHERE "id" = {mark}', (case, contact))
        insert(
            cur,
            "responsibility",
            {"case_id": case, "holder_id": clerk_id, "started_at": now, "via": "registered"},
        )
        insert(
            cur,
            "caseevent",
            {"case_id": case, "at": now, "actor_id": clerk_id, "kind": "registered", "text": content},
        )
        cur.execute("COMMIT")
        return (time.perf_counter() - start) * 1000

    return one


# ---------------------------------------------------------------- history


# Cases per estate and year that `shouwen generate` writes (docs/performance.md).
CASES_PER_ESTATE_YEAR = 11_700


def add_history(cases: int) -> tuple[int, str, int]:
    """Generate an estate with about ``cases`` cases of history; return it, a desk clerk's token, the count."""
    from django.core.management import call_command
    from django.db import connection

    from shouwen.accounts.tokens import issue_token
    from shouwen.cases.models import Case
    from shouwen.directory.models import Estate, Staff

    call_command(
        "generate",
        estates=1,
        years=cases / CASES_PER_ESTATE_YEAR,
        seed=2026,
        code_prefix="HIS",
        verbosity=0,
    )
    estate = Estate.objects.get(code="HIS001")
    clerk = Staff.objects.filter(estates=estate, roles__role="front_desk").order_by("pk").first()
    assert clerk is not None and clerk.user is not None
    _row, token = issue_token(clerk.user, name="bench")
    generated = Case.objects.filter(estate=estate).count()
    connection.close()
    return estate.pk, token, generated


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="300 cases with 4 clients")
    parser.add_argument("--cases", type=int)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop each phase after this long")
    parser.add_argument(
        "--history", type=int, help="cases of history for the second API phase (0: none; default 100,000)"
    )
    args = parser.parse_args()
    total = args.cases or (300 if args.quick else 2000)
    clients = args.clients or (4 if args.quick else 8)
    history = args.history if args.history is not None else (10_000 if args.quick else 100_000)
    var = django_setup("intake")
    from shouwen.accounts.tokens import issue_token
    from shouwen.core.testing import make_world

    world = make_world()
    clerk = world.clerk
    _row, token = issue_token(clerk.user, name="bench")
    info = database_info()
    from django.db import connection

    connection.close()  # the server and the raw writers use their own connections

    raw = run_clients(clients, total, args.max_seconds, raw_one(world.estate.pk, clerk.pk))
    port = free_port()
    server = start_server(port, var)
    try:
        one = api_one(port, token, world.estate.pk)
        run_clients(clients, 4 * clients, 60, one)  # warm-up: imports and first queries in each worker
        api = run_clients(clients, total, args.max_seconds, one)
        with_history = None
        if history > 0:
            estate_id, history_token, generated = add_history(history)
            one = api_one(port, history_token, estate_id)
            run_clients(clients, 4 * clients, 60, one)
            with_history = run_clients(clients, total, args.max_seconds, one)
        workers = children_of(server.pid)
        rss = [r for r in (vm_hwm_mb(pid) for pid in workers) if r is not None]
        master_rss = vm_hwm_mb(server.pid)
    finally:
        stop_server(server)
    print(
        json.dumps(
            {
                "bench": "intake",
                **info,
                "server": "gunicorn, 2 workers, loopback",
                "clients": clients,
                "cases": total,
                "api": api,
                "raw_sql": raw,
                "cases_per_s": api["cases_per_s"],
                "p50_ms": api["p50_ms"],
                "p99_ms": api["p99_ms"],
                "raw_cases_per_s": raw["cases_per_s"],
                "ratio": round(api["cases_per_s"] / raw["cases_per_s"], 3) if raw["cases_per_s"] else None,
                **(
                    {
                        "history_cases": generated,
                        "api_with_history": with_history,
                        "cases_per_s_with_history": with_history["cases_per_s"],
                        "p50_ms_with_history": with_history["p50_ms"],
                        "ratio_history": round(with_history["cases_per_s"] / api["cases_per_s"], 3)
                        if api["cases_per_s"]
                        else None,
                    }
                    if with_history
                    else {}
                ),
                "web_rss_mb": max(rss) if rss else None,
                "web_master_rss_mb": master_rss,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
