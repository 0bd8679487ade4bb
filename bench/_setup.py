"""Shared set-up for benchmarks: a throw-away database (SQLite file, or PostgreSQL from DATABASE_URL).

With DATABASE_URL pointing at PostgreSQL, a new database named after the benchmark is created on
that server for the run and dropped when the process ends; the database the URL names is never
written to. Without it, a SQLite file in a fresh temporary directory is used. The directory is
removed at the end unless SHOUWEN_BENCH_KEEP is set.
"""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# A benchmark sends as fast as it can, far beyond any person; the throttles still count every
# request (their counters are part of what is measured) but never refuse one.
UNTHROTTLED = {
    "SHOUWEN_RATE_USER_READ": "100000000/min",
    "SHOUWEN_RATE_USER_WRITE": "100000000/min",
    "SHOUWEN_RATE_ANON": "100000000/min",
    "SHOUWEN_RATE_SIGN_IN": "100000000/min",
}


def _throwaway_postgres(url: str, name: str) -> str:
    """Create an empty database beside the one in ``url``, drop it at exit, and return its URL."""
    import psycopg

    parts = urlsplit(url)
    database = f"shouwen_bench_{name}_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')

    def drop() -> None:
        # A parent that only prepared the database for its children never imported Django (and
        # importing it this late, at exit, fails).
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    atexit.register(drop)
    return urlunsplit(parts._replace(path=f"/{database}"))


def throwaway_database(name: str) -> dict[str, str]:
    """Make a var directory and an empty database, removed when this process ends; return their environment.

    For a parent that lets child processes fill and measure the same database (see
    ``django_existing``): PostgreSQL when DATABASE_URL is set, otherwise SQLite under the var directory.
    """
    var = Path(tempfile.mkdtemp(prefix=f"shouwen-bench-{name}-"))
    if not os.environ.get("SHOUWEN_BENCH_KEEP"):
        # A million cases take 4 GB of SQLite; set SHOUWEN_BENCH_KEEP=1 to keep the directory for a look.
        atexit.register(shutil.rmtree, var, ignore_errors=True)
    env = {"SHOUWEN_VAR_DIR": str(var), **UNTHROTTLED}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = _throwaway_postgres(url, name)
    return env


def django_existing() -> None:
    """Set up Django on the database in SHOUWEN_VAR_DIR / DATABASE_URL (made by ``throwaway_database``)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwen.settings")
    os.environ.setdefault("SHOUWEN_QUIET_HOURS", "")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def django_setup(name: str) -> Path:
    """Point Shouwen at a fresh database for this benchmark run and return its var directory."""
    env = throwaway_database(name)
    os.environ.update(env)
    django_existing()
    return Path(env["SHOUWEN_VAR_DIR"])


def database_info() -> dict[str, str]:
    """Return which database the run used and its version, for the JSON line."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = str(cursor.fetchone()[0])
    return {"database": connection.vendor, "database_version": version}


def vm_hwm_mb(pid: int) -> float | None:
    """Return a process's peak resident memory (VmHWM) in MB, None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def own_peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (Linux reports ru_maxrss in KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of the values, rounded to 0.01."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank], 2)
