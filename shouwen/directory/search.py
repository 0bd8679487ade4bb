"""Finding residents and units the way front-desk staff are asked for them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, visible_estate_ids
from shouwen.access.services import log_number_lookup, recent_number_lookups
from shouwen.directory.models import Occupancy, Resident, ResidentPhone, Unit
from shouwen.directory.phones import normalize_phone, validate_phone

# 3-2-1502, 3-1502, 3#2-1502, 3栋2单元1502, 3号楼2单元1502室, 3幢1502, A座1502
_DASHED = re.compile(r"^\s*([0-9A-Za-z]+)\s*[-#－—/]\s*(?:([0-9A-Za-z]+)\s*[-－—/]\s*)?([0-9A-Za-z]+)\s*$")
_WORDED = re.compile(
    r"^\s*([0-9A-Za-z]+)\s*(?:号楼|栋|幢|座|号)\s*(?:([0-9A-Za-z]+)\s*单元)?\s*-?\s*([0-9A-Za-z]+)\s*(?:室|号|房)?\s*$"
)


@dataclass(frozen=True)
class UnitRef:
    """A parsed unit reference: building code, entrance (or None if not said) and number."""

    building: str
    entrance: str | None
    number: str


def parse_unit_shorthand(text: str) -> UnitRef | None:
    """Parse what people say for a unit (3-2-1502, 3栋2单元1502…) or return None."""
    text = text.strip().replace("　", " ")
    for pattern in (_WORDED, _DASHED):
        m = pattern.match(text)
        if m:
            building, entrance, number = m.group(1), m.group(2), m.group(3)
            return UnitRef(building.upper(), entrance.upper() if entrance else None, number.upper())
    return None


def find_units(queryset: QuerySet[Unit], ref: UnitRef) -> QuerySet[Unit]:
    """Return the units in ``queryset`` matching the reference."""
    qs = queryset.filter(building__code__iexact=ref.building)
    if ref.number.isdigit():
        qs = qs.filter(number__in=_spellings(ref.number))
    else:
        qs = qs.filter(number__iexact=ref.number)
    if ref.entrance is not None:
        qs = qs.filter(entrance__iexact=ref.entrance)
    return qs


def _spellings(number: str) -> list[str]:
    """Return the ways a flat number of digits may be stored: 801 is also 0801, and 0801 is also 801."""
    bare = number.lstrip("0") or "0"
    return sorted({number, bare, bare.zfill(3), bare.zfill(4)})


# A role that may not see numbers may look up this many numbers per hour; every lookup is logged.
NUMBER_LOOKUPS_PER_HOUR = 30
MIN_DIGITS = 4  # fewer digits than this are never taken for a phone number


@dataclass(frozen=True)
class NumberLookup:
    """A phone number typed into a search, and what the person searching may find with it.

    Whoever may see full numbers (``Cap.PERSONAL_REVEAL``) finds residents by the last 4+ digits.
    Anyone else finds them by the whole number only, each lookup is written to the personal-data
    access log, and only so many an hour: otherwise a masked 183****6434 is recovered digit by digit.
    """

    digits: str
    by_suffix: bool  # the person may see numbers, so the last 4+ digits are enough
    complete: bool  # the digits form a whole phone number
    over_limit: bool = False
    retry_after: int = 0  # seconds until another lookup is allowed (when over the limit)

    @property
    def logged(self) -> bool:
        """Return whether the lookup goes into the personal-data access log."""
        return not self.by_suffix

    @property
    def refused(self) -> bool:
        """Return whether the number may not be looked up at all (part of a number, or over the limit)."""
        return not self.by_suffix and (not self.complete or self.over_limit)

    def phones(self) -> QuerySet[ResidentPhone]:
        """Return the numbers in use that the lookup matches (ended numbers never match)."""
        current = ResidentPhone.objects.all()
        if self.by_suffix:
            # Phone numbers are also stored reversed, so "ends with" is an indexed prefix search.
            return current.filter(reversed_number__startswith=self.digits[::-1])
        if self.refused:
            return current.none()
        return current.filter(reversed_number=self.digits[::-1])  # the whole number, on the same index

    def message(self) -> str:
        """Return why the lookup was refused, for the page or the API (empty when it was not)."""
        if not self.refused:
            return ""
        if self.over_limit:
            return _("您一小时内按电话号码查找已达 %(limit)s 次，请稍后再试，或请客服中心协助查找。") % {
                "limit": NUMBER_LOOKUPS_PER_HOUR
            }
        return _(
            "按电话号码查找需要输入完整的号码（手机 11 位，座机带区号）：您的岗位看不到完整号码，"
            "不能按尾号查找。也可以按姓名或房号（如 3-2-1502）查找。"
        )


def number_lookup(user: AnyUser, query: str) -> NumberLookup | None:
    """Return how ``user`` may look up the number in ``query``, or None when the query is not a number."""
    digits = normalize_phone(query or "")
    if not (digits.isascii() and digits.isdigit() and len(digits) >= MIN_DIGITS):
        return None
    try:
        validate_phone(digits)
        complete = True
    except ValidationError:
        complete = False
    if not complete and parse_unit_shorthand(query) is not None:
        return None  # 3-2-1502, 10-2-102 are units, not the end of a phone number (138-1234-5678 is a number)
    if can(user, Cap.PERSONAL_REVEAL):
        return NumberLookup(digits, by_suffix=True, complete=True)
    since = timezone.now() - timedelta(hours=1)
    count, first = recent_number_lookups(user, since)
    if count >= NUMBER_LOOKUPS_PER_HOUR:
        wait = int((first - since).total_seconds()) + 1 if first is not None else 3600
        return NumberLookup(
            digits[:30], by_suffix=False, complete=complete, over_limit=True, retry_after=wait
        )
    return NumberLookup(digits[:30], by_suffix=False, complete=complete)


def record_number_lookup(
    user: AnyUser, lookup: NumberLookup | None, residents: QuerySet[Resident], ip_address: str | None = None
) -> None:
    """Write the lookup of a number by someone who may not see numbers to the personal-data access log.

    ``residents`` are the residents the person may see; the log names those the number matched.
    """
    if lookup is None or not lookup.logged:
        return
    matched: list[tuple[int, int]] = []
    if not lookup.refused:
        found = residents.filter(pk__in=lookup.phones().values("resident_id"))
        matched = list(found.order_by("pk").values_list("pk", "estate_id")[:50])
    log_number_lookup(user, lookup.digits, matched, sorted(visible_estate_ids(user)), ip_address)


def search_residents(
    queryset: QuerySet[Resident], query: str, lookup: NumberLookup | None
) -> QuerySet[Resident]:
    """Search residents by name, by unit shorthand, or by phone number as ``lookup`` allows.

    The caller passes an already estate-scoped queryset and the lookup from :func:`number_lookup`
    for the same query (None: the query is not matched against phone numbers).
    """
    query = (query or "").strip()
    if not query:
        return queryset.none()
    matches = Q(pk__in=[])
    ref = parse_unit_shorthand(query)
    if ref is not None:
        current = Occupancy.objects.filter(
            Occupancy.current_q(), unit__in=find_units(Unit.objects.all(), ref)
        )
        matches |= Q(occupancies__in=current)
    if lookup is not None:
        # A subquery on the numbers in use: a join through "phones" would also match ended numbers.
        matches |= Q(pk__in=lookup.phones().values("resident_id"))
    elif ref is None:
        matches |= Q(name__contains=query)
    return queryset.filter(matches).distinct()
