"""Attack 11: no size cap on free text.

A 2.4 MB case text was accepted and held a worker for 4.7 s (segmenting it for search). Now a body
of megabytes is refused before it is read (413), and every free text has a limit enforced by the
service functions, so pages, API and Excel import agree: long texts (a complaint letter of
several pages fits) at 20,000 characters, short ones at their model field's length, never cut
short silently.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from shouwen.cases import services
from shouwen.cases.models import Case, CaseNote, Contact
from shouwen.cases.search import filter_by_text
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.excel_import import import_directory
from shouwen.directory.models import Resident
from shouwen.directory.services import create_resident
from shouwen.followups import services as followups
from shouwen.workorders import services as wo
from shouwen.workorders.intake import register_night_call
from shouwen.workorders.tests.conftest import data_url, signature_png

MEGABYTES = "投" * 800_000  # 2.4 MB of UTF-8, as in the attack
# A letter of several pages: 15,000 characters of varied text, ending with words to search for.
LETTER = ("尊敬的物业管理处：本人居住在三栋二单元，近期楼上装修噪音严重，多次反映未果。" * 400)[
    :14_990
] + "请尽快协调解决漏水"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def intake_form(world, **fields: Any) -> dict[str, Any]:
    return {
        "token": uuid.uuid4().hex,
        "estate": world.estate.pk,
        "channel": "letter",
        "category": "complaint",
        "resident": world.residents["owner"].pk,
        **fields,
    }


def api_body(world, **fields: Any) -> dict[str, Any]:
    return {"estate": world.estate.pk, "channel": "letter", "category": "complaint", **fields}


# ---------------------------------------------------------------- the attack: megabytes


def test_a_page_body_of_megabytes_is_refused_before_it_is_read(world, client_for):
    client = client_for(world.clerk)
    # As the browser sends the intake form: URL-encoded.
    body = urlencode(intake_form(world, content=MEGABYTES))
    response = client.post("/cases/intake/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    # The same text in a multipart body is refused by Django's own limit on form fields.
    assert client.post("/cases/intake/", intake_form(world, content=MEGABYTES)).status_code == 400
    assert not Contact.objects.exists()


def test_an_api_body_of_megabytes_is_refused_before_it_is_read(world, api_for):
    response = api_for(world.clerk).post("/api/v1/cases/", api_body(world, content=MEGABYTES), format="json")
    assert response.status_code == 413
    assert "detail" in response.json()
    assert not Contact.objects.exists()


def test_the_service_refuses_megabytes_at_the_field_before_anything_else(world):
    with pytest.raises(ValidationError) as refused:
        services.register_contact(
            world.clerk, estate=world.estate, channel="letter", category="complaint", content=MEGABYTES
        )
    assert list(refused.value.message_dict) == ["content"]
    assert not Contact.objects.exists()


def test_an_attachment_of_a_few_megabytes_still_goes_through(world, api_for):
    case = services.register_contact(
        world.clerk, estate=world.estate, channel="visit", category="public_repair", content="电梯异响"
    ).case
    photo = b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024)  # bigger than any form body allowed
    response = api_for(world.clerk).post(
        f"/api/v1/cases/{case.number}/attachments/",
        {"file": SimpleUploadedFile("电梯.png", photo, content_type="image/png")},
        format="multipart",
    )
    assert response.status_code == 201, response.content


# ---------------------------------------------------------------- a real letter fits


def test_a_letter_of_fifteen_thousand_characters_is_registered_by_the_page(world, client_for):
    response = client_for(world.clerk).post("/cases/intake/", intake_form(world, content=LETTER))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.origin.content == LETTER
    assert list(filter_by_text(Case.objects.all(), "漏水")) == [case]


def test_a_letter_of_fifteen_thousand_characters_is_registered_by_the_api(world, api_for):
    response = api_for(world.clerk).post("/api/v1/cases/", api_body(world, content=LETTER), format="json")
    assert response.status_code == 201, response.content
    assert Contact.objects.get().content == LETTER


# ---------------------------------------------------------------- one character over the limit


def test_one_character_too_many_is_an_error_at_the_field_on_the_page(world, client_for):
    response = client_for(world.clerk).post(
        "/cases/intake/", intake_form(world, content="漏" * (LONG_TEXT_MAX + 1), caller_name="张" * 61)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "content" in errors and "caller_name" in errors
    assert not Contact.objects.exists()


def test_one_character_too_many_is_a_400_at_the_field_in_the_api(world, api_for):
    body = api_body(world, content="漏" * (LONG_TEXT_MAX + 1), demand="要" * (LONG_TEXT_MAX + 1))
    response = api_for(world.clerk).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"content", "demand"}


def test_a_short_field_is_refused_not_cut_short(world):
    with pytest.raises(ValidationError) as refused:
        services.register_contact(
            world.clerk,
            estate=world.estate,
            channel="phone",
            category="complaint",
            content="投诉",
            caller_name="张" * 61,
            location="位" * 101,
        )
    assert set(refused.value.message_dict) == {"caller_name", "location"}


def test_the_message_names_the_limit_in_both_languages(world):
    def refuse() -> ValidationError:
        with pytest.raises(ValidationError) as refused:
            services.register_contact(
                world.clerk,
                estate=world.estate,
                channel="letter",
                category="complaint",
                content="漏" * 20_001,
            )
        return refused.value

    assert "最多 20000 个字" in refuse().message_dict["content"][0]
    with translation.override("en"):
        assert "at most 20000 characters" in refuse().message_dict["content"][0].lower()


# ---------------------------------------------------------------- every free text of every service


@pytest.fixture
def things(world):
    """A repair case with a work order, a pending handover, and a return visit of another case."""
    case = world.register(
        category="household_repair", content="厨房水龙头漏水", caller_name="", caller_phone=""
    )
    order = wo.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    handover = services.hand_over(
        world.clerk, case, to_department=world.departments["engineering"], note="请跟进"
    )
    other = world.register(content="噪音扰民", caller_name="", caller_phone="", resident=None, unit=None)
    services.resolve_case(world.clerk, other, resolution="已协调")
    return {
        "case": case,
        "order": order,
        "handover": handover,
        "visit": other.return_visits.get(),
        "sig": data_url(signature_png()),
    }


LONG = LONG_TEXT_MAX + 1
TEXT_FIELDS: list[tuple[str, int, Callable[[Any, dict[str, Any], str], object]]] = [
    ("content", LONG, lambda w, t, x: services.register_contact(w.clerk, estate=w.estate, channel="phone", category="complaint", content=x)),
    ("answer", LONG, lambda w, t, x: services.register_contact(w.clerk, estate=w.estate, channel="phone", category="consultation", content="咨询", answered_on_spot=True, answer=x)),
    ("incident", LONG, lambda w, t, x: services.register_contact(w.clerk, estate=w.estate, channel="phone", category="complaint", content="投诉", incident=x)),
    ("demand", LONG, lambda w, t, x: services.register_contact(w.clerk, estate=w.estate, channel="phone", category="complaint", content="投诉", demand=x)),
    ("complained_party", 61, lambda w, t, x: services.register_contact(w.clerk, estate=w.estate, channel="phone", category="complaint", content="投诉", complained_party=x)),
    ("preferred_time", 61, lambda w, t, x: services.register_contact(w.clerk, estate=w.estate, channel="phone", category="household_repair", content="报修", preferred_time=x)),
    ("content", LONG, lambda w, t, x: register_night_call(w.technician, estate=w.estate, content=x)),
    ("content", LONG, lambda w, t, x: services.record_visit(w.clerk, t["case"], channel="phone", content=x)),
    ("note", LONG, lambda w, t, x: services.hand_over(w.clerk, t["case"], to_staff=w.technician, note=x)),
    ("reason", LONG, lambda w, t, x: services.return_handover(w.technician, t["handover"], reason=x)),
    ("reason", LONG, lambda w, t, x: services.cancel_handover(w.clerk, t["handover"], reason=x)),
    ("note", LONG, lambda w, t, x: services.keep_in_stead(w.clerk, t["case"], department=w.departments["engineering"], note=x)),
    ("note", LONG, lambda w, t, x: services.request_assignment(w.clerk, t["case"], note=x)),
    ("note", LONG, lambda w, t, x: services.reassign(w.supervisor, t["case"], to_staff=w.technician, note=x)),
    ("note", 201, lambda w, t, x: services.record_attribution(w.clerk, t["case"], attribution="property", note=x)),
    ("text", LONG, lambda w, t, x: services.add_note(w.clerk, t["case"], text=x)),
    ("text", LONG, lambda w, t, x: services.add_note(w.clerk, t["case"], text=x, to_resident=True)),
    ("resolution", LONG, lambda w, t, x: services.resolve_case(w.clerk, t["case"], resolution=x)),
    ("reason", LONG, lambda w, t, x: services.reopen_case(w.clerk, t["case"], reason=x)),
    ("note", LONG, lambda w, t, x: services.close_case(w.supervisor, t["case"], note=x)),
    ("explanation", LONG, lambda w, t, x: services.decline_case(w.clerk, t["case"], explanation=x)),
    ("reason", LONG, lambda w, t, x: services.void_case(w.supervisor, t["case"], reason=x)),
    ("override_reason", 201, lambda w, t, x: services.accept_for_processing(w.supervisor, t["case"], override_reason=x)),
    ("note", 201, lambda w, t, x: services.pause_case(w.clerk, t["case"], reason="parts", note=x)),
    ("note", LONG, lambda w, t, x: services.resume_case(w.clerk, t["case"], note=x)),
    ("description", LONG, lambda w, t, x: wo.create_work_order(w.clerk, t["case"], trade="plumbing", description=x)),
    ("appointment_note", 201, lambda w, t, x: wo.create_work_order(w.clerk, t["case"], trade="plumbing", appointment_note=x)),
    ("diagnosis", LONG, lambda w, t, x: wo.record_diagnosis(w.technician, t["order"], diagnosis=x, plan="换")),
    ("plan", LONG, lambda w, t, x: wo.record_diagnosis(w.technician, t["order"], diagnosis="坏", plan=x)),
    ("override_reason", 201, lambda w, t, x: wo.set_charge(w.technician, t["order"], labour="0", override_reason=x)),
    ("opinion", LONG, lambda w, t, x: wo.sign_work_order(w.technician, t["order"], data_url=t["sig"], opinion=x)),
    ("reason", 201, lambda w, t, x: wo.refuse_signature(w.technician, t["order"], reason=x)),
    ("opinion", LONG, lambda w, t, x: wo.refuse_signature(w.technician, t["order"], reason="不在家", opinion=x)),
    ("receipt_no", 41, lambda w, t, x: wo.record_payment(w.technician, t["order"], method="cash", amount="0", receipt_no=x)),
    ("reason", LONG, lambda w, t, x: wo.cancel_work_order(w.clerk, t["order"], reason=x)),
    ("reason", LONG, lambda w, t, x: wo.rework(w.clerk, t["order"], reason=x)),
    ("note", 201, lambda w, t, x: wo.reinspect(w.clerk, t["order"], note=x)),
    ("comments", LONG, lambda w, t, x: followups.record_return_visit(w.staff["cs_assistant"], t["visit"], channel="phone", satisfaction="unsatisfied", comments=x)),
    ("override_reason", 201, lambda w, t, x: followups.record_return_visit(w.clerk, t["visit"], channel="phone", satisfaction="satisfied", override_reason=x)),
    ("note", 201, lambda w, t, x: followups.record_no_answer(w.staff["cs_assistant"], t["visit"], note=x)),
    ("notes", LONG, lambda w, t, x: create_resident(estate=w.estate, name="赵六", notes=x)),
    ("name", 101, lambda w, t, x: create_resident(estate=w.estate, name=x)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "length", "call"),
    TEXT_FIELDS,
    ids=[f"{i:02d}-{f}" for i, (f, _n, _c) in enumerate(TEXT_FIELDS)],
)
def test_every_service_refuses_a_text_over_its_limit_at_the_field(world, things, field, length, call):
    before = (Contact.objects.count(), CaseNote.objects.count(), Resident.objects.count())
    with pytest.raises(ValidationError) as refused:
        call(world, things, "字" * length)
    assert field in refused.value.message_dict
    assert (Contact.objects.count(), CaseNote.objects.count(), Resident.objects.count()) == before


def test_long_texts_at_the_limit_are_kept_whole(world, things):
    text = "记" * LONG_TEXT_MAX
    note = services.add_note(world.clerk, things["case"], text=text)
    assert CaseNote.objects.get(pk=note.pk).text == text
    resident = create_resident(estate=world.estate, name="赵六", notes=text)
    assert Resident.objects.get(pk=resident.pk).notes == text


def test_the_resident_api_declares_and_applies_the_limit(world, api_for):
    resident = world.residents["owner"]
    api = api_for(world.supervisor)
    response = api.patch(
        f"/api/v1/residents/{resident.pk}/", {"notes": "备" * (LONG_TEXT_MAX + 1)}, format="json"
    )
    assert response.status_code == 400 and "notes" in response.json()
    response = api.patch(f"/api/v1/residents/{resident.pk}/", {"notes": "备" * LONG_TEXT_MAX}, format="json")
    assert response.status_code == 200
    resident.refresh_from_db()
    assert len(resident.notes) == LONG_TEXT_MAX


def test_the_excel_import_applies_the_same_limit(world):
    wb = Workbook()
    wb.active.title = "楼栋"
    wb.active.append(["楼栋编号", "楼栋名称", "层数", "单元数"])
    units = wb.create_sheet("房屋住户")
    units.append(
        [
            "楼栋编号",
            "单元",
            "房号",
            "楼层",
            "房屋类型",
            "建筑面积",
            "交付日期",
            "住户姓名",
            "住户类别",
            "身份",
            "电话",
            "证件号码",
            "入住日期",
            "备注",
        ]
    )
    units.append(
        [
            "3",
            "2",
            "1502",
            15,
            "住宅",
            89.5,
            None,
            "王芳",
            "个人",
            "业主",
            "13511112222",
            "",
            None,
            "备" * (LONG_TEXT_MAX + 1),
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    result = import_directory(world.estate, buffer.getvalue(), world.supervisor.user)
    assert not result.ok
    assert any(e.column == "备注" for e in result.errors), [e.message for e in result.errors]
    assert not Resident.objects.filter(name="王芳").exists()
