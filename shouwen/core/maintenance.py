"""Nightly database upkeep run by ``shouwen worker``.

SQLite keeps no planner statistics unless ``ANALYZE`` runs. Without them it judges
``estate_id = ?`` as selective as ``accountable_id = ?`` and answers 我的事项 by walking the estate's
whole history (docs/performance.md). PostgreSQL's autovacuum keeps its own statistics, so there is
nothing to do there.
"""

from __future__ import annotations

import logging
import time

from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger("shouwen.maintenance")


def has_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database has planner statistics (always true on PostgreSQL: autovacuum keeps them)."""
    conn = connections[using]
    if conn.vendor != "sqlite":
        return True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT 1 FROM sqlite_stat1 LIMIT 1")
        return cursor.fetchone() is not None


def refresh_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Re-gather the planner's statistics; return whether anything was run.

    A full ``ANALYZE`` takes about a second per 100,000 cases; writers wait for it (the busy
    timeout is 20 s), readers do not (WAL).
    """
    conn = connections[using]
    if conn.vendor != "sqlite":
        return False
    started = time.monotonic()
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    logger.info("ANALYZE took %.0f ms", (time.monotonic() - started) * 1000)
    return True
