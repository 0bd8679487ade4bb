"""Demo daily routine: yesterday's patrol report of each estate, one finding with a photo turned into a case.

So the morning review of the demo has something of the patrol to show, and the supervisor's home
page one report waiting to be read.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouwen.cases.models import Contact
from shouwen.directory.models import Estate, Staff
from shouwen.rounds import services
from shouwen.rounds.models import PatrolReport

FINDINGS = {
    "LJY": ("车库", "地下车库B区两盏照明灯不亮，车位编号B-031至B-036一带较暗"),
    "CHY": ("楼道", "2栋1单元3楼楼道堆放纸箱和旧家具，影响消防通道"),
}


def demo_photo(width: int = 160, height: int = 120) -> bytes:
    """A small PNG (a dim garage: dark ceiling, a lit and an unlit lamp) for the demo finding."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            shade = 40 + y // 3
            lamp = (abs(x - 40) < 14 and abs(y - 20) < 5) and 230 or 0
            dark = (abs(x - 120) < 14 and abs(y - 20) < 5) and 70 or 0
            value = lamp or dark or shade
            row += bytes([value, value, min(255, value + 10)])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def load_demo_patrol(estate: Estate) -> int:
    """Hand in yesterday's patrol report of the estate (before the end of the shift); return 1 or 0."""
    patroller = (
        Staff.objects.filter(estates=estate, is_active=True, roles__role="cs_assistant")
        .order_by("staff_no")
        .first()
    )
    if patroller is None:
        return 0
    services.seed_checkpoints(estate)
    place, text = FINDINGS.get(estate.code, FINDINGS["LJY"])
    yesterday = timezone.localdate() - timedelta(days=1)
    items = [
        services.ItemInput(
            checkpoint=cp,
            normal=cp.name != place,
            finding=text if cp.name == place else "",
            needs_action=cp.name == place,
            photos=(SimpleUploadedFile(f"{place}.png", demo_photo(), content_type="image/png"),)
            if cp.name == place
            else (),
        )
        for cp in services.active_checkpoints(estate)
    ]
    report = services.submit_report(patroller, estate, items, note="其余巡视点正常。", day=yesterday)
    # Handed in at 16:40 yesterday, before the shift ended, as the patrol would have.
    handed_in = timezone.make_aware(datetime.combine(yesterday, time(16, 40)))
    PatrolReport.objects.filter(pk=report.pk).update(submitted_at=handed_in, late=False)
    for item in report.items.exclude(case=None).select_related("case"):
        Contact.objects.filter(pk=item.case.origin_id).update(received_at=handed_in, registered_at=handed_in)  # type: ignore[union-attr]
    return 1
