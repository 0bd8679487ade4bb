"""Finding residents by name, phone, last four digits and unit shorthand."""

import pytest

from shouwen.access.scope import scope_queryset
from shouwen.directory.models import Resident
from shouwen.directory.search import UnitRef, number_lookup, parse_unit_shorthand, search_residents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3-2-1502", UnitRef("3", "2", "1502")),
        ("3栋2单元1502", UnitRef("3", "2", "1502")),
        ("3号楼2单元1502室", UnitRef("3", "2", "1502")),
        ("3幢1502", UnitRef("3", None, "1502")),
        ("3-1502", UnitRef("3", None, "1502")),
        ("A座1201", UnitRef("A", None, "1201")),
        ("3#2-1502", UnitRef("3", "2", "1502")),
        ("张伟", None),
    ],
)
def test_unit_shorthand_is_parsed_as_people_say_it(text, expected):
    assert parse_unit_shorthand(text) == expected


def _search(world, user, q):
    lookup = number_lookup(user.user, q)
    return list(search_residents(scope_queryset(Resident.objects.all(), user.user), q, lookup))


def test_resident_found_by_last_four_digits_of_any_phone(world):
    owner = world.residents["owner"]
    assert _search(world, world.clerk, "5678") == [owner]
    assert _search(world, world.clerk, "4321") == [owner]  # the landline, second number
    assert _search(world, world.clerk, "138 1234 5678") == [owner]


def test_resident_found_by_unit_shorthand_and_name(world):
    owner = world.residents["owner"]
    assert _search(world, world.clerk, "3-2-1502") == [owner]
    assert _search(world, world.clerk, "3栋2单元1502") == [owner]
    assert _search(world, world.clerk, "张伟") == [owner]


def test_search_never_reaches_into_an_estate_not_served(world):
    assert _search(world, world.clerk, "2222") == []
    assert _search(world, world.clerk, "13700002222") == []
    # A technician may not see numbers: the whole number finds the resident, the last digits do not.
    assert _search(world, world.staff["other_technician"], "13700002222") == [world.residents["other_owner"]]
    assert _search(world, world.staff["other_technician"], "2222") == []


def test_unit_shorthand_is_not_taken_for_part_of_a_number_by_those_who_cannot_see_numbers(world):
    owner = world.residents["owner"]
    assert _search(world, world.technician, "3-2-1502") == [owner]
    assert _search(world, world.technician, "138-1234-5678") == [owner]


def test_three_digits_are_not_enough_for_a_phone_search(world):
    assert _search(world, world.clerk, "678") == []
