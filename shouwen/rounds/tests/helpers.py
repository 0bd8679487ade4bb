"""Shared steps of the daily-routine tests: a patrol report with one finding, times of a working week."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from shouwen.core.testing import World
from shouwen.directory.models import Staff
from shouwen.rounds import services
from shouwen.rounds.models import PatrolReport

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 3, 9, 9, 0, tzinfo=SH)  # an ordinary Monday
TUESDAY_9 = datetime(2026, 3, 10, 9, 0, tzinfo=SH)
TUESDAY_16 = datetime(2026, 3, 10, 16, 0, tzinfo=SH)  # before the day shift ends (17:30)
TUESDAY_19 = datetime(2026, 3, 10, 19, 0, tzinfo=SH)  # after it

# A 1×1 PNG: the smallest file the photo check accepts.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def photo(name: str = "现场.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def patrol_with_finding(
    world: World,
    staff: Staff | None = None,
    *,
    checkpoint: str = "车库",
    text: str = "车库B区两盏照明灯不亮",
    needs_action: bool = True,
    photos: int = 1,
) -> PatrolReport:
    """Hand in a report of the world's estate: every checkpoint normal but one finding (with photos)."""
    staff = staff or world.staff["cs_assistant"]
    items = [
        services.ItemInput(
            checkpoint=cp,
            normal=cp.name != checkpoint,
            finding=text if cp.name == checkpoint else "",
            needs_action=needs_action and cp.name == checkpoint,
            photos=tuple(photo() for _ in range(photos)) if cp.name == checkpoint else (),
        )
        for cp in services.active_checkpoints(world.estate)
    ]
    return services.submit_report(staff, world.estate, items, note="消防通道畅通")
