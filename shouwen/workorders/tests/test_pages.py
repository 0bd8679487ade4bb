"""The case page's work-order card, the phone pages and the PDF, through the Django test client."""

import io
import re
from datetime import timedelta

from django.utils import timezone
from pypdf import PdfReader

from shouwen.workorders import services
from shouwen.workorders.models import Material, State, WorkOrder

from .conftest import register_repair
from .test_lifecycle import finish


def an_hour_ago():
    return (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_case_page_lists_work_orders_and_opens_one(world, client_for, repair_case):
    client = client_for(world.clerk)
    page = client.get(f"/cases/{repair_case.number}/")
    html = page.content.decode()
    assert 'id="work-orders"' in html and "开维修工作单" in html
    response = client.post(
        f"/workorders/new/{repair_case.number}/",
        {
            "trade": "plumbing",
            "urgency": "normal",
            "appointment_at": "2026-11-30T09:30",
            "lead": world.technician.pk,
            "helpers": [world.staff["engineering_head"].pk],
            "description": "厨房水龙头漏水",
        },
        follow=True,
    )
    order = WorkOrder.objects.get()
    assert any(order.number in m for m in messages_of(response))
    assert services.crew(order) == [world.technician, world.staff["engineering_head"]]
    html = response.content.decode()
    assert order.number in html and "刘师傅、黄国庆" in html


def test_no_card_on_cases_that_are_not_repairs(world, client_for):
    case = register_repair(world, category="complaint", content="噪音扰民")
    assert 'id="work-orders"' not in client_for(world.clerk).get(f"/cases/{case.number}/").content.decode()


def test_cleaning_staff_see_the_card_without_the_form(world, client_for, repair_case):
    services.create_work_order(world.clerk, repair_case, trade="plumbing")
    html = client_for(world.staff["cleaning"]).get(f"/cases/{repair_case.number}/").content.decode()
    assert 'id="work-orders"' in html and "开单并通知维修人员" not in html


def test_my_jobs_lists_todays_work(world, client_for, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    html = client_for(world.technician).get("/m/").content.decode()
    assert order.number in html and "3栋2单元1502" in html


def test_the_job_page_walks_the_steps_with_one_button(world, client_for, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    client = client_for(world.technician)
    url = f"/m/jobs/{order.number}/"

    def next_button():
        html = client.get(url).content.decode()
        match = re.search(r'id="next-step" data-step="(\w+)">([^<]+)<', html)
        return match.groups() if match else None

    def do(code, **data):
        order.refresh_from_db()
        return client.post(f"{url}do/{code}/", {"version": order.version, **data}, follow=True)

    assert next_button() == ("accept", "接单")
    do("accept")
    assert next_button() == ("set_out", "出发")
    do("set_out")
    do("arrive")
    assert next_button()[0] == "diagnose"
    do("diagnose", diagnosis="阀芯磨损", plan="更换水龙头", responsibility="")
    assert next_button() == ("set_charge", "保存费用")
    tap = Material.objects.get(name="水龙头")
    do("add_material", material=tap.pk, quantity="2")
    response = do("set_charge", labour="30.00", paid="1", override_reason="")
    assert "已保存费用。" in messages_of(response)
    assert next_button() == ("complete", "完工")
    do("complete")
    order.refresh_from_db()
    assert order.state == State.DONE and order.total == 120
    assert next_button()[0] == "sign"


def test_refusals_come_back_as_messages(world, client_for, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    client = client_for(world.technician)
    response = client.post(f"/m/jobs/{order.number}/do/arrive/", follow=True)
    assert any("现在不能对工作单" in m for m in messages_of(response))
    response = client.post(f"/m/jobs/{order.number}/do/accept/", {"version": order.version + 5}, follow=True)
    assert any("已被更新" in m for m in messages_of(response))


def test_night_call_page_registers_a_call(world, client_for):
    client = client_for(world.technician)
    assert client.get("/m/night/").status_code == 200
    response = client.post(
        "/m/night/",
        {
            "estate": world.estate.pk,
            "called_at": an_hour_ago(),
            "caller_phone": "13812345678",
            "unit": "3-2-1502",
            "content": "热水器漏水",
            "morning_work_order": "on",
            "trade": "",
            "urgency": "normal",
        },
        follow=True,
    )
    assert any("次日工作单" in m for m in messages_of(response)), response.content.decode()[:3000]
    order = WorkOrder.objects.get()
    assert order.case.origin.channel == "night_log"


def test_night_call_page_explains_an_unknown_unit(world, client_for):
    response = client_for(world.technician).post(
        "/m/night/",
        {
            "estate": world.estate.pk,
            "called_at": an_hour_ago(),
            "unit": "9-9-999",
            "content": "漏水",
            "urgency": "normal",
        },
    )
    assert "找不到房屋" in response.content.decode()


def test_move_in_page_registers_defects(world, client_for):
    client = client_for(world.clerk)
    assert client.get("/workorders/move-in/").status_code == 200
    response = client.post(
        "/workorders/move-in/",
        {
            "estate": world.estate.pk,
            "unit": "3-2-1502",
            "defects": "客厅墙面裂缝\n阳台窗户关不严",
            "lead": world.technician.pk,
        },
        follow=True,
    )
    assert any("已登记 2 项验收问题" in m for m in messages_of(response))
    assert WorkOrder.objects.filter(needs_reinspection=True).count() == 2


def test_the_pdf_has_the_chinese_wording_the_costs_and_the_signature(
    world, client_for, repair_case, signature
):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    finish(world, order, labour="35.50")
    services.sign_work_order(world.technician, order, data_url=signature, opinion="满意", rating="satisfied")
    response = client_for(world.clerk).get(f"/workorders/{order.number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for words in (
        "维修工作单",
        "维修方案",
        "更换水龙头和角阀",
        "维修责任",
        "人工费",
        "35.50",
        "刘师傅",
        "住户意见",
        "签字时间",
    ):
        assert words in text, words
    assert sum(len(page.images) for page in reader.pages) == 1
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts


def test_photos_are_checked_and_served_only_to_the_estate(world, client_for, api_for, repair_case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import signature_png

    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.accept_work_order(world.technician, order)
    services.set_out(world.technician, order)
    services.arrive(world.technician, order)
    client = client_for(world.technician)
    response = client.post(
        f"/m/jobs/{order.number}/do/add_photo/",
        {"stage": "before", "file": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", "image/jpeg")},
        follow=True,
    )
    assert any("只能上传照片" in m for m in messages_of(response))
    client.post(
        f"/m/jobs/{order.number}/do/add_photo/",
        {"stage": "before", "file": SimpleUploadedFile("x.png", signature_png(), "image/png")},
    )
    photo = order.photos.get()
    assert client.get(f"/workorders/{order.number}/photos/{photo.pk}/").status_code == 200
    other = client_for(world.staff["other_technician"])
    assert other.get(f"/workorders/{order.number}/photos/{photo.pk}/").status_code == 404


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_busy_pages_need_a_fixed_number_of_queries(world, client_for, api_for):
    tech = client_for(world.technician)
    cases = [register_repair(world) for _ in range(6)]
    services.create_work_order(world.clerk, cases[0], trade="plumbing", technicians=[world.technician])
    few = (_count_queries(tech, "/m/"), _count_queries(tech, f"/cases/{cases[0].number}/"))
    for case in cases[1:]:
        services.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
        services.create_work_order(world.clerk, cases[0], trade="electrical", technicians=[world.technician])
    many = (_count_queries(tech, "/m/"), _count_queries(tech, f"/cases/{cases[0].number}/"))
    assert many == few
