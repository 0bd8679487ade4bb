"""On a phone-sized screen: the technician does a paid job with materials from accept to payment.

Then the printed work order (PDF) carries the Chinese wording, the total and the drawn signature.
"""

import io

import pytest
from pypdf import PdfReader

from shouwen.cases.models import CaseStatus
from shouwen.core.testing import screenshot
from shouwen.workorders import services
from shouwen.workorders.models import Material, State, WorkOrder

from .conftest import register_repair

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    """A page the size of a common phone (390×844 CSS pixels), with touch, in Chinese."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def tap_next(page, label):
    """Tap the big button of the sticky bar and wait for the page it leads to."""
    button = page.locator("#next-step")
    assert label in button.inner_text()
    with page.expect_navigation():
        button.click()


def test_technician_does_a_paid_job_on_the_phone_and_the_pdf_shows_it(
    live_server, live_world, seeded, phone, sign_in, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = live_world
    case = register_repair(world)  # 3-2-1502 is out of its 24-month plumbing warranty
    order = services.create_work_order(
        world.clerk, case, trade="plumbing", technicians=[world.technician], appointment_note="住户上午在家"
    )
    base = live_server.url
    page = phone
    sign_in(page, base, "jishu")  # a technician lands on his jobs
    page.wait_for_url(base + "/m/")
    assert "3栋2单元1502" in page.inner_text("#today")
    screenshot(page, "phone-my-jobs")

    page.click("#today a.m-job")
    page.wait_for_url(f"{base}/m/jobs/{order.number}/")
    # One column: nothing is wider than the screen, and the next step sits in the sticky bar.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    bar = page.locator(".m-bar").bounding_box()
    assert bar["y"] + bar["height"] <= 844 and bar["y"] > 700
    assert page.locator("#next-step").bounding_box()["height"] >= 52
    screenshot(page, "phone-job-new")

    tap_next(page, "接单")
    assert page.inner_text("#state") == "已接单"
    tap_next(page, "出发")
    tap_next(page, "我已到场")
    page.fill("#id_diagnosis", "水龙头阀芯磨损，角阀锈蚀")
    page.fill("#id_plan", "更换水龙头一个、角阀两个")
    tap_next(page, "保存诊断与方案")

    for name, quantity in (("水龙头", "1"), ("角阀", "2")):
        page.select_option("#id_material", value=str(Material.objects.get(name=name).pk))
        page.fill("#id_quantity", quantity)
        with page.expect_navigation():
            page.click("#add-material")
    assert page.inner_text("#materials-total") == "¥81.00"
    assert "建议：有偿服务" in page.inner_text("#proposal")
    page.fill("#id_labour", "30")
    assert page.is_checked("input[name=paid][value='1']")
    screenshot(page, "phone-job-charge")
    tap_next(page, "保存费用")
    assert page.inner_text("#total") == "¥111.00"
    tap_next(page, "完工")

    # The resident signs with a finger: two strokes across the canvas.
    canvas = page.locator("#sign-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for y0, y1 in ((0.7, 0.3), (0.4, 0.75)):
        page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * y0)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * y1, steps=12)
        page.mouse.move(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * y0, steps=12)
        page.mouse.up()
    page.check("input[name=rating][value=satisfied]")
    page.fill("#id_opinion", "师傅很专业，修得好")
    screenshot(page, "phone-job-sign")
    tap_next(page, "确认签字")
    assert "住户已签字" in page.inner_text("#messages")

    assert page.input_value("#id_amount") == "111.00"
    page.check("input[name=method][value=qr]")
    page.fill("#id_receipt_no", "WX20261129001")
    tap_next(page, "确认收款")
    assert "本工作单已全部完成" in page.inner_text("#finished")
    assert page.locator("#next-step").count() == 0
    screenshot(page, "phone-job-finished")

    order = WorkOrder.objects.get(pk=order.pk)
    assert order.state == State.DONE and order.total == 111 and order.paid_at and order.signed_at
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED

    response = page.request.get(f"{base}/workorders/{order.number}/pdf/")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = "".join(p.extract_text() for p in reader.pages)
    for words in (
        "维修工作单",
        "更换水龙头一个、角阀两个",
        "111.00",
        "81.00",
        "30.00",
        "有偿服务",
        "刘师傅",
        "WX20261129001",
    ):
        assert words in text, words
    assert sum(len(p.images) for p in reader.pages) == 1  # the signature
    (tmp_path / "work-order.pdf").write_bytes(response.body())


def test_clerk_opens_a_work_order_from_the_case_page(live_server, live_world, seeded, page, sign_in):
    world = live_world
    case = register_repair(world)
    base = live_server.url
    sign_in(page, base, "qiantai")
    page.goto(f"{base}/cases/{case.number}/")
    card = page.locator("#work-orders")
    assert "尚未开维修工作单" in card.inner_text()
    form = card.locator("form[data-action=create_work_order]")
    form.locator("select[name=trade]").select_option("plumbing")
    form.locator("input[name=urgency][value=emergency]").check()
    form.locator("input[name=appointment_at]").fill("2026-12-01T09:30")
    form.locator("select[name=lead]").select_option(label="刘师傅（LJ010）")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert f"{case.number}-W1" in page.inner_text("#work-orders")
    assert "刘师傅" in page.inner_text("#work-orders")
    assert "维修工作单" in page.inner_text("#timeline")
    screenshot(page, "case-work-orders")


def test_night_technician_logs_a_call_on_the_phone(live_server, live_world, seeded, phone, sign_in):
    base = live_server.url
    sign_in(phone, base, "jishu")
    phone.goto(base + "/m/night/")
    phone.fill("#id_caller_phone", "13900001111")
    phone.fill("#id_unit", "3-1-0801")
    phone.fill("#id_content", "卫生间天花渗水，滴到地面")
    screenshot(phone, "phone-night-call")
    with phone.expect_navigation():
        phone.click("#night-submit")
    assert "次日工作单" in phone.inner_text("#messages")
    order = WorkOrder.objects.get()
    assert order.trade == "civil" and order.case.origin.channel == "night_log"


def test_technician_accepts_a_handover_on_the_phone_and_calls_the_resident_of_his_job(
    live_server, live_world, seeded, phone, sign_in
):
    from shouwen.access.models import PersonalDataAccess
    from shouwen.cases import services as case_services

    world = live_world
    lift = world.register(category="public_repair", content="3栋电梯异响", resident=None, unit=None)
    case_services.hand_over(world.clerk, lift, to_staff=world.technician, note="请检查电梯")
    order = services.create_work_order(
        world.clerk, register_repair(world), trade="plumbing", technicians=[world.technician]
    )
    base = live_server.url
    sign_in(phone, base, "jishu")
    phone.wait_for_url(base + "/m/")
    assert phone.locator("#bell").is_visible() and phone.locator("#sign-out").count() == 1
    assert "请检查电梯" in phone.inner_text("#handovers")
    with phone.expect_navigation():
        phone.click("#handovers button:has-text('接收')")
    assert "已接收" in phone.inner_text("#messages")
    assert phone.locator("#handovers").count() == 0
    lift.refresh_from_db()
    assert lift.accountable == world.technician

    phone.goto(f"{base}/m/jobs/{order.number}/")
    assert "13812345678" not in phone.inner_text("#job")
    with phone.expect_navigation():
        phone.click("#reveal-phone")
    assert phone.locator("a[href='tel:13812345678']").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(phone, "phone-job-number-revealed")
    entry = PersonalDataAccess.objects.get(user=world.technician.user)
    assert order.number in entry.reason and entry.resident == world.residents["owner"]

    # The supervisor reads it in the access log.
    phone.context.clear_cookies()
    sign_in(phone, base, "kfzg")
    phone.goto(base + "/access/log/")
    assert order.number in phone.inner_text("main")
