"""Size limits of free text, checked by the service functions so pages, API and imports agree.

A complaint letter of several pages (a few thousand characters) fits easily in a long text; a
text of megabytes is refused with a clear message before anything is stored or segmented for
search. Short texts hold at most their model field's ``max_length``: nothing is cut short
silently. Forms and serializers declare the same limits, so people see the error at the field
first, but the services are the ones that enforce them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

# Characters of a long text (content, incident, demand, resolution, notes, answers, comments…):
# about ten pages of Chinese, far more than any letter or report the seeds describe.
LONG_TEXT_MAX = 20_000


def field_max(model: type[models.Model], name: str) -> int:
    """Return the most characters the model field may hold: its max_length, else the long-text limit."""
    max_length = getattr(model._meta.get_field(name), "max_length", None)
    return int(max_length) if max_length else LONG_TEXT_MAX


def too_long(max_length: int, count: int) -> str:
    """Return the message for a text of ``count`` characters where ``max_length`` are allowed."""
    return _("最多 %(max)s 个字，现有 %(count)s 个字，请精简后再提交。") % {"max": max_length, "count": count}


def check_lengths(texts: Mapping[str, tuple[str | None, int]]) -> None:
    """Raise one field-keyed ValidationError naming every text longer than its limit.

    ``texts`` maps the field name people see the error at (the service's parameter, the form's
    and the serializer's field) to (text, most characters allowed).
    """
    errors = {
        name: [too_long(limit, len(value))]
        for name, (value, limit) in texts.items()
        if value is not None and len(value) > limit
    }
    if errors:
        raise ValidationError(errors)


def check_long(**texts: str | None) -> None:
    """Raise a field-keyed ValidationError for every long text above :data:`LONG_TEXT_MAX`."""
    check_lengths({name: (value, LONG_TEXT_MAX) for name, value in texts.items()})


def check_model_fields(model: type[models.Model], **texts: str | None) -> None:
    """Raise a field-keyed ValidationError for every text longer than the model field of the same name."""
    check_lengths({name: (value, field_max(model, name)) for name, value in texts.items()})
