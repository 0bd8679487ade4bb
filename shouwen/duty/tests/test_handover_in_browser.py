"""In a real browser: the outgoing clerk's sheet lists her open cases, the incoming clerk accepts, and the
passed cases' accountable person changes at that moment, in each case's timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shouwen.cases.models import Case
from shouwen.core.testing import screenshot
from shouwen.duty.models import HandoverSheet, ShiftKind
from shouwen.duty.tests.helpers import day_of, roster, shift_ending

pytestmark = pytest.mark.browser


def test_outgoing_clerk_hands_over_her_open_cases_and_the_incoming_clerk_accepts(
    live_server, live_world, page, sign_in
):
    world = live_world
    ends = timezone.now() + timedelta(minutes=10)
    shift_ending(world, ShiftKind.DAY, ends)
    roster(world, world.clerk, ShiftKind.DAY, day_of(ends))
    passed = world.register(content="3栋电梯按钮失灵，住户要求今晚回电")
    kept = world.register(content="咨询下月停车位续租")
    base = live_server.url

    sign_in(page, base, "qiantai")
    page.click("#nav-duty")
    page.click("#tab-sheets")
    page.select_option("#id_incoming", label=str(world.staff["cs_assistant"]))
    page.fill("#id_notes", "电梯按钮一事今晚须回电")
    page.click("#new-sheet-submit")
    page.wait_for_url(re.compile(r"/duty/handover/\d+/$"))
    held = page.inner_text("#held")
    assert passed.number in held and kept.number in held
    # She keeps the parking question for herself and passes the lift.
    page.uncheck(f"#line-{kept.number} input[name=pass_on]")
    page.check(f"#line-{passed.number} input[name=pass_on]")
    page.click("#sheet-save")
    page.wait_for_load_state()
    assert page.inner_text(f"#line-{passed.number} .accountable") == "王丽"
    screenshot(page, "duty-handover-sheet")
    sheet_url = page.url

    page.click(".userbox button:has-text('退出')")
    sign_in(page, base, "kefu")
    page.goto(sheet_url)
    assert page.inner_text(f"#line-{passed.number} .accountable") == "王丽"  # until she accepts
    page.click("#sheet-accept")
    page.wait_for_load_state()
    assert "已接班确认" in page.content()
    assert page.inner_text(f"#line-{passed.number} .accountable") == "张敏"
    assert page.inner_text(f"#line-{kept.number} .accountable") == "王丽"
    accepted_at = HandoverSheet.objects.get().accepted_at
    assert accepted_at is not None

    page.click(f"#line-{passed.number} a")
    page.wait_for_url(re.compile(rf"/cases/{passed.number}/$"))
    assert page.inner_text("#accountable") == "张敏"
    timeline = page.inner_text("#timeline")
    assert "交接班：王丽 交 张敏" in timeline and "接收转办" in timeline
    screenshot(page, "duty-handover-case-timeline")

    case = Case.objects.get(pk=passed.pk)
    started = case.responsibilities.get(ended_at__isnull=True).started_at
    assert abs((started - accepted_at).total_seconds()) < 2
    assert Case.objects.get(pk=kept.pk).accountable == world.clerk
