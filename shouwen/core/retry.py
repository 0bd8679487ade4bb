"""Retry a database write that found the database locked, instead of failing the background work.

SQLite lets one writer at a time; a writer waits up to the busy timeout and then fails with
"database is locked". Pages answer such a failure to the person, who can try again; a background
task must not lose its work or record a notification as failed because of it, so it waits a
little longer and tries again. PostgreSQL's "deadlock detected" is retried the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

logger = logging.getLogger("shouwen.retry")

T = TypeVar("T")

_LOCK_MESSAGES = ("database is locked", "database table is locked", "deadlock detected")
# Waits between attempts: 0.5, 1, 2, 4, 8 s (on top of each attempt's own busy timeout).
ATTEMPTS = 6
FIRST_DELAY = 0.5


def is_lock_error(exc: BaseException) -> bool:
    """Return whether the error says the database was locked by another writer."""
    return isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in _LOCK_MESSAGES)


def retry_on_lock(
    work: Callable[[], T], *, what: str = "", attempts: int = ATTEMPTS, first_delay: float = FIRST_DELAY
) -> T:
    """Run ``work``; when it finds the database locked, wait (doubling) and run it again.

    ``work`` must be safe to run again: one statement outside a transaction, or a whole
    transaction of its own. Inside an outer transaction nothing can be retried (the transaction
    is broken), so the error is raised at once.
    """
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as exc:
            if not is_lock_error(exc) or attempt == attempts or connection.in_atomic_block:
                raise
            logger.warning(
                "database locked (%s), attempt %s of %s: retrying in %.1f s", what, attempt, attempts, delay
            )
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # the loop returns or raises
