"""Fixtures of the work-order tests: a repair case, a drawn signature, media in a temporary folder."""

from __future__ import annotations

import base64
import io

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Keep uploaded photos and signatures out of var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def register_repair(world, staff=None, **kw):
    """Register a household repair in 3-2-1502 and return its case.

    The unit is made 30 months old whatever today is: out of the 24-month plumbing warranty, inside
    the 60-month one for leaks (civil).
    """
    from django.utils import timezone

    from shouwen.workorders.warranty import add_months

    unit = world.units["3-2-1502"]
    unit.handover_date = add_months(timezone.localdate(), -30)
    unit.save(update_fields=["handover_date"])
    repair = {
        "category": "household_repair",
        "content": "厨房水龙头漏水，关不紧",
        "preferred_time": "明天上午",
    }
    return world.register(staff, **{**repair, **kw})


@pytest.fixture
def repair_case(world):
    """A household repair registered by the front-desk clerk, who is accountable for it."""
    return register_repair(world)


def signature_png(width: int = 300, height: int = 120, blank: bool = False) -> bytes:
    """Return a PNG with a stroke on a transparent background, like the phone's canvas."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(20, 80), (80, 30), (140, 90), (260, 40)], fill=(17, 17, 17, 255), width=4
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    """Return the PNG as the data URL canvas.toDataURL() gives."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.fixture
def signature():
    """A valid signature data URL."""
    return data_url(signature_png())


@pytest.fixture
def seeded(transactional_db):
    """Put back the price list and warranty rules the data migration seeds.

    Tests on a live server flush the database after themselves, which also removes migrated data.
    """
    import importlib

    from django.apps import apps

    importlib.import_module("shouwen.workorders.migrations.0002_seed_rules_and_prices").seed(apps, None)
