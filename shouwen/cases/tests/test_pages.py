"""The intake screen, queues, case page actions and receipt, through the pages."""

import re
import uuid
from html import unescape

from django.urls import reverse

from shouwen.cases import services
from shouwen.cases.models import Case, Contact


def intake(client, world, **extra):
    data = {
        "token": uuid.uuid4().hex,
        "estate": world.estate.pk,
        "channel": "phone",
        "caller_phone": "13812345678",
        "caller_name": "张伟",
        "resident": world.residents["owner"].pk,
        "unit": world.units["3-2-1502"].pk,
        "category": "household_repair",
        "content": "卫生间天花板漏水",
        "preferred_time": "周六上午",
    }
    data.update(extra)
    return client.post(reverse("cases:intake"), data)


def test_intake_screen_shows_the_greeting_with_surname_and_staff_number(world, client_for):
    page = client_for(world.clerk).get(reverse("cases:intake")).content.decode()
    assert "我姓王，工号LJ001" in page
    assert "安居物业服务有限公司客服中心" in page


def test_intake_opens_a_case_and_shows_its_number(world, client_for):
    client = client_for(world.clerk)
    response = intake(client, world)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.number])
    page = client.get(response["Location"]).content.decode()
    assert case.number in page
    assert "卫生间天花板漏水" in page
    assert "138****5678" in page and "13812345678" not in page


def test_the_same_form_submitted_twice_registers_once(world, client_for):
    client = client_for(world.clerk)
    token = uuid.uuid4().hex
    intake(client, world, token=token)
    intake(client, world, token=token)
    assert Case.objects.count() == 1
    assert Contact.objects.count() == 1


def test_answered_on_spot_is_counted_without_a_case(world, client_for):
    client = client_for(world.clerk)
    response = intake(
        client,
        world,
        category="consultation",
        content="停车费标准",
        answered_on_spot="on",
        answer="每月 300 元",
    )
    assert response.status_code == 302
    assert Contact.objects.get().answered_on_spot
    assert not Case.objects.exists()


def test_bad_input_is_refused_with_a_message_and_nothing_stored(world, client_for):
    client = client_for(world.clerk)
    response = intake(client, world, content="", unit="", resident="", unit_text="99-9-9999")
    assert response.status_code == 200
    page = response.content.decode()
    assert "找不到房屋“99-9-9999”" in page
    assert not Contact.objects.exists()


def test_unit_typed_as_shorthand_is_found(world, client_for):
    client = client_for(world.clerk)
    intake(client, world, unit="", resident="", unit_text="3栋2单元1502")
    assert Case.objects.get().unit == world.units["3-2-1502"]


def test_caller_lookup_shows_resident_units_and_recent_matters(world, client_for):
    client = client_for(world.clerk)
    intake(client, world)
    fragment = client.get(reverse("cases:caller_lookup"), {"caller_phone": "13812345678"}).content.decode()
    assert "张伟" in fragment and "3栋2单元1502" in fragment
    assert Case.objects.get().number in fragment
    unknown = client.get(reverse("cases:caller_lookup"), {"caller_phone": "13600000000"}).content.decode()
    assert "按访客登记" in unknown


def test_case_page_actions_hand_over_and_accept(world, client_for):
    case = services.register_contact(
        world.clerk, estate=world.estate, channel="phone", category="complaint", content="3号楼电梯困人"
    ).case
    client = client_for(world.clerk)
    client.post(
        reverse("cases:act", args=[case.number, "hand_over"]),
        {"to_department": world.departments["engineering"].pk, "note": "请工程部处理"},
    )
    case.refresh_from_db()
    assert case.accountable == world.clerk
    page = client_for(world.technician).get(reverse("cases:queue"), {"queue": "incoming"}).content.decode()
    assert case.number in page
    client = client_for(world.technician)
    client.post(reverse("cases:act", args=[case.number, "accept_handover"]))
    case.refresh_from_db()
    assert case.accountable == world.technician
    detail = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "王丽" in detail and "刘师傅" in detail and "请工程部处理" in detail


def test_action_not_allowed_is_refused_with_a_message(world, client_for):
    case = services.register_contact(
        world.clerk, estate=world.estate, channel="phone", category="complaint", content="噪音扰民"
    ).case
    client = client_for(world.clerk)
    response = client.post(reverse("cases:act", args=[case.number, "void"]), {"text": "错了"}, follow=True)
    assert "现在不能对事项" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "open"


def test_queue_search_finds_a_word_inside_the_content(world, client_for):
    services.register_contact(
        world.clerk, estate=world.estate, channel="phone", category="public_repair", content="3号楼电梯困人"
    )
    services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="household_repair",
        content="厨房下水道堵塞",
    )
    client = client_for(world.clerk)
    page = client.get(reverse("cases:queue"), {"q": "电梯"}).content.decode()
    assert "3号楼电梯困人" in page and "下水道" not in page


def test_queues_and_search_page_fifty_at_a_time_without_losing_a_case(world, client_for):
    numbers = [
        services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="public_repair",
            content=f"3号楼电梯第{i}次报修",
        ).case.number
        for i in range(53)
    ]
    client = client_for(world.clerk)
    seen: list[str] = []
    for params in ({"q": "电梯"}, {"queue": "mine"}):
        seen = []
        url = reverse("cases:queue")
        query: dict[str, str] | None = params
        pages = 0
        while url:
            page = client.get(url, query).content.decode()
            query = None
            pages += 1
            seen += [n for n in numbers if f">{n}</a>" in page]
            following = re.search(r'href="([^"]+)" rel="next"', page)
            url = reverse("cases:queue") + unescape(following.group(1)) if following else ""
            if pages == 1:
                assert len(seen) == 50 and "第 1 页（从第 1 条起）" in page
        assert pages == 2 and sorted(seen) == sorted(numbers), params
        assert 'rel="prev"' in page and "第 2 页（从第 51 条起）" in page
    # newest first; a page number that is not a number, or below 1, shows the first page
    first = client.get(reverse("cases:queue"), {"q": "电梯", "page": "x"}).content.decode()
    assert numbers[-1] in first and numbers[0] not in first and 'rel="prev"' not in first
    assert client.get(reverse("cases:queue"), {"q": "电梯", "page": "-3"}).status_code == 200
    far = client.get(reverse("cases:queue"), {"q": "电梯", "page": "99999999999999999999"})
    assert far.status_code == 200 and "没有找到符合条件的事项" in far.content.decode()


def test_other_estate_staff_cannot_open_the_case(world, client_for):
    case = services.register_contact(
        world.clerk, estate=world.estate, channel="phone", category="complaint", content="噪音"
    ).case
    client = client_for(world.staff["other_technician"])
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 404
    assert client.post(reverse("cases:act", args=[case.number, "add_note"]), {"text": "x"}).status_code == 404


def test_receipt_prints_the_number_and_sends_a_text(world, client_for):
    case = services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="complaint",
        content="噪音",
        caller_phone="13812345678",
    ).case
    client = client_for(world.clerk)
    page = client.get(reverse("cases:receipt", args=[case.number])).content.decode()
    assert case.number in page and "工号 LJ001" in page
    client.post(reverse("cases:act", args=[case.number, "send_receipt"]))
    assert case.events.filter(kind="receipt_sent").exists()


def test_attachments_upload_on_the_case_page_and_open_from_it(world, client_for):
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    case = services.register_contact(
        world.clerk, estate=world.estate, channel="phone", category="household_repair", content="卫生间漏水"
    ).case
    client = client_for(world.clerk)
    client.post(
        reverse("cases:act", args=[case.number, "attach"]),
        {"file": SimpleUploadedFile("漏水.png", png, content_type="image/png")},
    )
    attachment = case.attachments.get()
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    link = reverse("api:case-attachment-file", args=[case.number, attachment.pk])
    assert link in page
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png
    assert client_for(world.staff["other_technician"]).get(link).status_code == 404
