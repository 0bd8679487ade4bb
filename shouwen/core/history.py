"""Who changed a record: the user behind each history row of django-simple-history.

Pages and the API are attributed through simple-history's request middleware. Work done outside a
request (the import command, background tasks) or on someone's behalf names its user with
:func:`acting_as`, which also labels the rows with a reason ("Excel 导入").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import User
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

# Reasons stored on history rows (shown translated by the pages that list changes).
EXCEL_IMPORT = "excel_import"
BASELINE = "baseline"  # the row written for records that existed before history was kept

_acting_user: ContextVar[User | None] = ContextVar("shouwen_history_user", default=None)
_acting_reason: ContextVar[str] = ContextVar("shouwen_history_reason", default="")


@contextmanager
def acting_as(user: Any, reason: str = "") -> Iterator[None]:
    """Attribute the history rows written inside the block to ``user``, with ``reason``.

    Without a signed-in ``user`` the person named by an enclosing block (if any) stays in force.
    """
    person = user if isinstance(user, User) and user.is_authenticated else _acting_user.get()
    user_token = _acting_user.set(person)
    reason_token = _acting_reason.set(reason)
    try:
        yield
    finally:
        _acting_user.reset(user_token)
        _acting_reason.reset(reason_token)


def history_user(instance: Any = None, request: Any = None, **kwargs: Any) -> User | None:
    """Return the user a history row is written for: the one named by acting_as(), else the requester."""
    person = _acting_user.get()
    if person is not None:
        return person
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


@receiver(pre_create_historical_record)
def _label_with_reason(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """Give the row the reason of the surrounding acting_as() block, unless it has its own."""
    reason = _acting_reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason[:100]
