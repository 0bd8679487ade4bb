"""Money arithmetic of work orders: Decimal only, rounded to the fen once, never through floats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# Enough digits for any quantity × price the fields can hold, so nothing is rounded before the end.
_PRECISION = 60


def to_decimal(value: Decimal | int | str, *, label: str = "") -> Decimal:
    """Return the value as a finite Decimal; floats are refused because they already lost the fen."""
    if isinstance(value, bool | float):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("%(label)s应为数字。") % {"label": label or _("金额")}) from exc
    if not result.is_finite():
        raise ValidationError(_("%(label)s应为数字。") % {"label": label or _("金额")})
    return result


def round_fen(value: Decimal) -> Decimal:
    """Round a Decimal to the fen (0.01), halves away from zero as cashiers do (ROUND_HALF_UP)."""
    if not isinstance(value, Decimal):
        raise TypeError(f"round_fen needs a Decimal, not {type(value).__name__}")
    with localcontext(prec=_PRECISION):
        return value.quantize(FEN, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Return quantity × unit price rounded to the fen (what the line shows)."""
    with localcontext(prec=_PRECISION):
        return round_fen(to_decimal(quantity) * to_decimal(unit_price))


@dataclass(frozen=True)
class Totals:
    """The cost breakdown of a work order."""

    materials: Decimal
    labour: Decimal
    total: Decimal


def compute_totals(lines: Iterable[tuple[Decimal, Decimal]], labour: Decimal) -> Totals:
    """Return materials, labour and total from (quantity, unit price) lines.

    The exact products are summed and rounded once, so rounding never accumulates over many lines
    (a line's own rounded amount is for display).
    """
    with localcontext(prec=_PRECISION):
        exact = sum((to_decimal(q) * to_decimal(p) for q, p in lines), Decimal(0))
        labour_d = round_fen(to_decimal(labour))
        return Totals(materials=round_fen(exact), labour=labour_d, total=round_fen(exact + labour_d))
