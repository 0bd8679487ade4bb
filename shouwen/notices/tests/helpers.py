"""A neighbourhood for the notice tests: two buildings of the world's estate, an empty flat, a parking space."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from shouwen.core.sms import SmsResult
from shouwen.core.testing import World
from shouwen.directory.models import Building, Resident, Unit, UnitKind
from shouwen.directory.services import create_resident
from shouwen.notices import services
from shouwen.notices.models import Audience, Notice

# A working day at ten in the morning, local time: outside quiet hours.
DAYTIME = timezone.make_aware(datetime(2026, 12, 3, 10, 0))
NIGHT = timezone.make_aware(datetime(2026, 12, 3, 23, 30))
MORNING = timezone.make_aware(datetime(2026, 12, 4, 7, 0))


class RecordingBackend:
    """An SMS gateway that keeps what it was given (the edge the tests cannot reach)."""

    sent: list[tuple[str, str]] = []
    fail_next = 0

    def send(self, phone: str, text: str) -> SmsResult:
        if RecordingBackend.fail_next:
            RecordingBackend.fail_next -= 1
            return SmsResult(ok=False, error="gateway busy")
        RecordingBackend.sent.append((phone, text))
        return SmsResult(ok=True, reference=f"rec-{len(RecordingBackend.sent)}")


@dataclass
class Town:
    """The world's estate with building 5 added: who lives where, by hand.

    Estate LJY, occupied homes (households): 3-2-1502 张伟 (mobile 13812345678 and a landline),
    3-1-0801 李娜 (13900001111), 5-1-101 王五 (13600000001, opted out of notice texts),
    5-1-102 赵六 (13600000002 and 13600000003). 5-1-103 is empty; parking space P-1 belongs to 张伟.
    """

    world: World
    b3: Building
    b5: Building
    units: dict[str, Unit]
    residents: dict[str, Resident]


def make_town(world: World) -> Town:
    b3 = world.units["3-2-1502"].building
    b5 = Building.objects.create(estate=world.estate, code="5", name="5栋", floors=6, entrances=1)
    units = dict(world.units)
    for number in ("101", "102", "103"):
        units[f"5-1-{number}"] = Unit.objects.create(building=b5, entrance="1", number=number, floor=1)
    units["P-1"] = Unit.objects.create(building=b5, number="P-1", kind=UnitKind.PARKING)
    residents = dict(world.residents)
    residents["wang"] = create_resident(
        estate=world.estate, name="王五", phones=["13600000001"], units=[(units["5-1-101"], "owner")]
    )
    residents["wang"].notice_sms_opt_out = True
    residents["wang"].save()
    residents["zhao"] = create_resident(
        estate=world.estate,
        name="赵六",
        phones=["13600000002", "13600000003"],
        units=[(units["5-1-102"], "owner")],
    )
    from shouwen.directory.models import Occupancy

    Occupancy.objects.create(resident=world.residents["owner"], unit=units["P-1"], role="owner")
    return Town(world, b3, b5, units, residents)


def draft(
    world: World,
    *,
    audience: str = Audience.ESTATE,
    buildings: tuple[Building, ...] = (),
    units: tuple[Unit, ...] = (),
    sms: bool = False,
    sms_text: str = "",
    title: str = "停水通知",
    valid_from: date | None = None,
) -> Notice:
    return services.create_draft(
        world.staff["cs_assistant"],
        world.estate,
        services.NoticeInput(
            title=title,
            body="因市政管网维修，12 月 5 日 9:00–17:00 全小区停水，请提前储水。",
            valid_from=valid_from or timezone.localdate(DAYTIME),
            valid_until=date(2026, 12, 5),
            audience=audience,
            buildings=buildings,
            units=units,
            sms=sms,
            sms_text=sms_text,
        ),
        now=DAYTIME,
    )
