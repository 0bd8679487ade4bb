"""Fixtures of the home-visit tests: an estate block of households and the assistant's area."""

from __future__ import annotations

from datetime import date

import pytest

from shouwen.directory.models import Building, Occupancy, Resident, Unit
from shouwen.homevisits import services


def build_block(estate, code: str, households: int, vacant_every: int = 0) -> list[Unit]:
    """Create a building of ``households`` flats, every ``vacant_every``-th one left empty."""
    building = Building.objects.create(estate=estate, code=code, name=f"{code}栋", floors=30, entrances=4)
    units = Unit.objects.bulk_create(
        Unit(building=building, entrance=str(n % 4 + 1), number=f"{n // 4 + 1:04d}")
        for n in range(households)
    )
    lived = [u for n, u in enumerate(units) if not (vacant_every and n % vacant_every == 0)]
    residents = Resident.objects.bulk_create(Resident(estate=estate, name=f"住户{u.pk}") for u in lived)
    Occupancy.objects.bulk_create(
        Occupancy(resident=r, unit=u, role="owner", start_date=date(2020, 1, 1))
        for r, u in zip(residents, lived, strict=True)
    )
    return units


@pytest.fixture
def area(world):
    """张敏's area: building 3 of 丽景园 (two households, both occupied)."""
    from shouwen.directory.models import Building

    return services.set_area(
        world.staff["cs_supervisor"],
        estate=world.estate,
        assistant=world.staff["cs_assistant"],
        buildings=[Building.objects.get(estate=world.estate, code="3")],
    )
