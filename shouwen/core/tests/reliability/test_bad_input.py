"""Bad input is refused clearly or kept faithfully, never a server error and never half-stored.

Files lie about their type and size, phone numbers are typed wrongly, content holds HTML, SQL,
emoji and rare characters, texts run past their fields, bodies are not JSON or have the wrong
types, query strings carry anything. Attachments go through the production server (real
multipart uploads through gunicorn); the rest runs in-process, which is faster and equally real.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from shouwen.cases.models import Attachment, Case, CaseEvent, Contact
from shouwen.core.tests.reliability.endpoints import all_endpoints, served_estate_ids, targets
from shouwen.core.tests.reliability.helpers import PNG, intake_body, populate, token_for
from shouwen.core.tests.reliability.server import request
from shouwen.directory.models import Resident

SQL = "'; DROP TABLE cases_case; --"
RARE = "𠮷野家的𪚥字招牌掉了😀"
SCRIPT = "<script>alert('xss')</script><b>粗体</b>"
NASTY = [
    SQL,
    '"',
    "'",
    "*",
    "NEAR(电梯 困人)",
    "电梯 AND",
    "^-:",
    "%_\\",
    "\x00",
    "²",
    "9" * 40,
    "𪚥",
    "😀",
    SCRIPT,
    "3-2-1502",
    "LJY-20261129-0001",
    "1" * 200,
]


def counts() -> tuple[int, int, int, int]:
    """Return how many contacts, cases, events and attachments exist (to prove nothing was stored)."""
    return (
        Contact.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Attachment.objects.count(),
    )


def multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """Return a multipart/form-data body with one file and its Content-Type header."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- attachments (through the real server)


@pytest.mark.parametrize(
    ("filename", "content", "content_type", "message"),
    [
        (
            "发票.jpg",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4096,
            "image/jpeg",
            "只能上传",
        ),
        ("现场.png", PNG + b"\x00" * (11 * 1024 * 1024), "image/png", "不能超过 10 MB"),
        ("空.png", b"", "image/png", ""),
    ],
    ids=["exe-renamed-jpg", "11MB-png", "empty"],
)
def test_a_lying_or_oversized_attachment_is_refused_and_nothing_is_stored(
    live_world, shouwen_server, filename, content, content_type, message
):
    case = live_world.register(content="楼道灯不亮", caller_name="", resident=None, unit=None)
    before = counts()
    body, header = multipart("file", filename, content, content_type)
    reply = request(
        shouwen_server.base_url,
        "POST",
        f"/api/v1/cases/{case.number}/attachments/",
        token=token_for(live_world.clerk),
        body=body,
        headers={"Content-Type": header},
        timeout=60,
    )
    assert reply.status == 400, reply.text()[:500]
    assert message in reply.text()
    assert counts() == before
    media = shouwen_server.var_dir / "media"
    assert not [p for p in media.rglob("*") if p.is_file()], "a refused upload left a file behind"


def test_the_case_page_refuses_an_exe_renamed_jpg_with_a_message(world, client_for, settings, tmp_path):
    case = world.register(content="楼道灯不亮", caller_name="", resident=None, unit=None)
    before = counts()
    client = client_for(world.clerk)
    exe = b"MZ\x90\x00" + b"\x00" * 1000
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("cases:act", args=[case.number, "attach"]),
        {"file": SimpleUploadedFile("照片.jpg", exe, content_type="image/jpeg")},
        follow=True,
    )
    assert response.status_code == 200
    assert "只能上传" in response.content.decode()
    assert counts() == before


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "phone", ["abc", "138-1234-567x", "1" * 21, "138 1234 5678 转 8001", "电话13812345678"], ids=repr
)
def test_a_malformed_caller_phone_is_a_clear_400_and_nothing_is_stored(world, api_for, phone):
    before = counts()
    response = api_for(world.clerk).post(
        "/api/v1/cases/", intake_body(world, caller_phone=phone), format="json"
    )
    assert response.status_code == 400, response.content
    assert "caller_phone" in response.json()
    assert counts() == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("(0571) 8765-4321", "057187654321"),
    ],
)
def test_a_phone_typed_with_spaces_dashes_or_full_width_digits_is_kept_as_digits(
    world, api_for, typed, stored
):
    response = api_for(world.clerk).post(
        "/api/v1/cases/", intake_body(world, caller_phone=typed), format="json"
    )
    assert response.status_code == 201, response.content
    assert Contact.objects.get().caller_phone == stored


def test_the_intake_page_refuses_a_malformed_phone_with_a_message(world, client_for):
    before = counts()
    data = {
        "token": uuid.uuid4().hex,
        "estate": world.estate.pk,
        "channel": "phone",
        "category": "complaint",
        "content": "楼道灯不亮",
        "caller_phone": "1" * 25,
    }
    response = client_for(world.clerk).post(reverse("cases:intake"), data)
    assert response.status_code == 200
    assert "电话号码只能包含数字" in response.content.decode()
    assert counts() == before


def test_a_resident_with_a_malformed_phone_is_refused(world, api_for):
    before = Resident.objects.count()
    response = api_for(world.supervisor).post(
        "/api/v1/residents/",
        {"estate": world.estate.pk, "name": "王五", "phones": ["12345"]},
        format="json",
    )
    assert response.status_code == 400
    assert "phones" in response.json()
    assert Resident.objects.count() == before


# ---------------------------------------------------------------- HTML, SQL, emoji and rare characters


def test_html_in_a_case_is_shown_escaped_on_the_case_page_and_the_queues(world, client_for):
    case = world.register(
        content=f"住户说：{SCRIPT}", caller_name="<img src=x onerror=alert(1)>", resident=None, unit=None
    )
    client = client_for(world.clerk)
    pages = [
        reverse("cases:detail", args=[case.number]),
        reverse("cases:queue"),
        reverse("cases:queue") + "?queue=estate",
        reverse("cases:queue") + "?q=" + case.number,
        reverse("cases:receipt", args=[case.number]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html, url
        assert "<img src=x" not in html, url
        assert "<b>粗体</b>" not in html, url
    detail = client.get(pages[0]).content.decode()
    assert "&lt;script&gt;alert(" in detail
    assert "&lt;b&gt;粗体&lt;/b&gt;" in detail


def test_sql_like_text_is_stored_faithfully_and_searching_for_it_is_harmless(world, api_for, client_for):
    api = api_for(world.clerk)
    response = api.post(
        "/api/v1/cases/", intake_body(world, content=SQL, caller_name=SQL[:60]), format="json"
    )
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert api.get(f"/api/v1/cases/{number}/").json()["content"] == SQL
    assert Contact.objects.get().content == SQL
    client = client_for(world.clerk)
    for query in [q for q in NASTY if "\x00" not in q]:
        assert api.get("/api/v1/cases/", {"q": query}).status_code == 200, query
        assert api.get("/api/v1/residents/", {"q": query}).status_code == 200, query
        assert api.get("/api/v1/units/", {"q": query}).status_code == 200, query
        assert client.get(reverse("cases:queue"), {"q": query}).status_code == 200, query
        assert client.get(reverse("directory:resident_list"), {"q": query}).status_code == 200, query
    # A NUL in a path parameter (PostgreSQL cannot take one in a text value) is a clean refusal.
    assert client.get("/cases/LJY%00-1/").status_code == 400
    assert api.get("/api/v1/cases/", {"q": "电梯\x00"}).status_code == 400
    assert Case.objects.count() == 1  # the table is still there, with its one row
    found = api.get("/api/v1/cases/", {"q": "DROP TABLE"}).json()["results"]
    assert [row["number"] for row in found] == [number]


def test_emoji_and_rare_characters_are_kept_shown_and_findable(world, api_for, client_for):
    api = api_for(world.clerk)
    body = intake_body(world, content=f"住户反映：{RARE}", caller_name="𠮷田先生😀")
    response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    data = api.get(f"/api/v1/cases/{number}/").json()
    assert data["content"] == f"住户反映：{RARE}"
    assert data["caller_name"] == "𠮷田先生😀"
    note = api.post(f"/api/v1/cases/{number}/notes/", {"text": f"已回电 {RARE}"}, format="json")
    assert note.status_code == 201 and note.json()["text"] == f"已回电 {RARE}"
    html = client_for(world.clerk).get(reverse("cases:detail", args=[number])).content.decode()
    assert RARE in html and "𠮷田先生😀" in html
    for word in ("𪚥", "𠮷", "招牌"):
        found = [row["number"] for row in api.get("/api/v1/cases/", {"q": word}).json()["results"]]
        assert found == [number], word
    page = client_for(world.clerk).get(reverse("cases:queue"), {"q": "𪚥"}).content.decode()
    assert number in page


# ---------------------------------------------------------------- too long


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("caller_name", "张" * 61),
        ("location", "地" * 101),
        ("complained_party", "人" * 61),
        ("preferred_time", "时" * 61),
        ("caller_phone", "1" * 21),
    ],
)
def test_text_longer_than_its_field_is_a_400_and_nothing_is_half_stored(world, api_for, field, value):
    before = counts()
    response = api_for(world.clerk).post(
        "/api/v1/cases/", intake_body(world, **{field: value}), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_action_texts_longer_than_their_field_are_refused_not_cut(world, api_for):
    case = world.register(content="楼道灯不亮", caller_name="", resident=None, unit=None)
    api = api_for(world.clerk)
    before = counts()
    for path, body, field in [
        ("pause", {"reason": "resident_request", "note": "说" * 201}, "note"),
        ("attribution", {"attribution": "property", "note": "明" * 201}, "note"),
    ]:
        response = api.post(f"/api/v1/cases/{case.number}/{path}/", body, format="json")
        assert response.status_code == 400, (path, response.content)
        assert field in response.json()
    assert counts() == before
    case.refresh_from_db()
    assert case.paused_since is None and case.attribution == ""


def test_the_intake_page_refuses_an_over_long_name_and_stores_nothing(world, client_for):
    before = counts()
    data = {
        "token": uuid.uuid4().hex,
        "estate": world.estate.pk,
        "channel": "phone",
        "category": "complaint",
        "content": "楼道灯不亮",
        "caller_name": "张" * 61,
    }
    response = client_for(world.clerk).post(reverse("cases:intake"), data)
    assert response.status_code == 200
    assert counts() == before


# ---------------------------------------------------------------- every POST endpoint: broken JSON, wrong types


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _wrong(schema: dict[str, Any], prop: dict[str, Any]) -> Any:
    """Return a value of the wrong JSON type for the property."""
    prop = _resolve(schema, prop)
    if "oneOf" in prop or "allOf" in prop or "anyOf" in prop:
        kinds = {
            _resolve(schema, p).get("type")
            for p in prop.get("oneOf", prop.get("allOf", prop.get("anyOf", [])))
        }
        kind = next(iter(kinds - {None}), "string")
    else:
        kind = prop.get("type", "string")
    return {
        "string": {"not": "a string"},
        "integer": "abc",
        "number": "abc",
        "boolean": "maybe",
        "array": "x",
    }.get(kind, "x")


def schema_path(route: str) -> str:
    """Return the OpenAPI path of a router route: ^cases/(?P<number>[^/]+)/notes/$ → /api/v1/cases/{number}/notes/."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route).replace("^", "").replace("$", "")
    return "/" + path.replace("{pk}", "{id}")


def _write_operations(world: Any) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """Return (method, url, JSON body schema or {}, request content types) of every API write operation."""
    schema = _schema()
    populate(world)
    admin = world.staff["admin"]
    served = served_estate_ids(world, admin)
    found = []
    for endpoint in all_endpoints():
        if not endpoint.is_api or endpoint.is_resident:  # a resident's: shouwen/portal/tests/test_api.py
            continue
        target = targets(endpoint, world, admin, served)[0]  # a row of the main estate, or admin's own
        url = reverse(endpoint.name, kwargs=target.kwargs)
        path = schema["paths"].get(schema_path(endpoint.route), {})
        for method in endpoint.methods():
            if method not in ("post", "put", "patch"):
                continue
            content = path.get(method, {}).get("requestBody", {}).get("content", {})
            body = _resolve(schema, content.get("application/json", {}).get("schema", {})) if content else {}
            found.append((method, url, body, set(content)))
    return found


def test_broken_json_and_wrong_types_on_every_write_endpoint_are_400_never_500(world, api_for):
    api = api_for(world.staff["admin"])
    schema = _schema()
    operations = _write_operations(world)
    assert len(operations) > 30
    problems = []
    for method, url, body_schema, content_types in operations:
        send = getattr(api, method)
        takes_json = "application/json" in content_types
        broken = send(url, data=b'{"estate": 1, "content": ', content_type="application/json")
        # No request body in the schema: the body is not read, so only a server error would be wrong.
        expected = {400} if takes_json else ({415} if content_types else set(range(200, 500)))
        if broken.status_code not in expected:
            problems.append(f"{method.upper()} {url} broken JSON → {broken.status_code}, expected {expected}")
        for top in ([1, 2], "text", 42, None):
            response = send(url, data=json.dumps(top), content_type="application/json")
            if response.status_code >= 500 or (takes_json and response.status_code != 400):
                problems.append(f"{method.upper()} {url} JSON {top!r} → {response.status_code}")
        if takes_json:  # a NUL reaches PostgreSQL through lookups that do not check text: refused up front
            response = send(
                url, data=json.dumps({"case": "LJY\x00", "\x00": 1}), content_type="application/json"
            )
            if response.status_code != 400:
                problems.append(f"{method.upper()} {url} NUL in the body → {response.status_code}")
        properties = body_schema.get("properties", {})
        writable = {k: v for k, v in properties.items() if not _resolve(schema, v).get("readOnly")}
        if takes_json and writable:
            wrong = {name: _wrong(schema, prop) for name, prop in writable.items()}
            response = send(url, data=json.dumps(wrong), content_type="application/json")
            if response.status_code != 400:
                problems.append(f"{method.upper()} {url} wrong types {wrong} → {response.status_code}")
    assert not problems, "\n".join(problems)


def test_the_idempotent_intake_refuses_a_body_that_is_not_an_object(world, api_for):
    api = api_for(world.clerk)
    for body in ([intake_body(world)], "x", 1):
        response = api.post(
            "/api/v1/cases/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
        )
        assert response.status_code == 400, response.content
    assert counts() == (0, 0, 0, 0)


# ---------------------------------------------------------------- query strings on every page


def test_nasty_query_strings_never_break_a_page(world):
    samples = populate(world)
    client = Client()
    client.force_login(world.staff["admin"].user)
    case = samples.cases["estate"]
    problems = []
    for endpoint in all_endpoints():
        if endpoint.is_api or "get" not in endpoint.methods() or endpoint.name.startswith("admin:"):
            continue
        kwargs = {p: (case.number if p == "number" else "1") for p in endpoint.params}
        try:
            url = reverse(endpoint.name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - a parameter this test cannot fill; the matrix test covers it
            continue
        for value in NASTY:
            params = dict.fromkeys(
                [
                    "q",
                    "estate",
                    "procedure",
                    "status",
                    "queue",
                    "page",
                    "caller_phone",
                    "tab",
                    "unit",
                    "building",
                ],
                value,
            )
            response = client.get(url, params)
            if response.status_code >= 500:
                problems.append(f"GET {url} ?…={value!r} → {response.status_code}")
    assert not problems, "\n".join(problems)
    assert connection.is_usable()


# ---------------------------------------------------------------- what the fuzzer found (kept as plain regressions)


def test_out_of_range_numbers_and_dates_in_query_strings_are_refused_or_bounded(world, api_for):
    api = api_for(world.clerk)
    for query in [
        {"estate": "9" * 40},
        {"estate": "²"},
        {"received_to": "9999-12-31"},
        {"received_from": "0001-01-01"},
    ]:
        response = api.get("/api/v1/contacts/", query)
        assert response.status_code == 400, (query, response.content)
    for query in [{"limit": "9" * 30}, {"offset": "9" * 30}, {"limit": "9" * 30, "offset": "9" * 30}]:
        response = api.get("/api/v1/cases/", query)
        assert response.status_code == 200, (query, response.content)
    assert len(api.get("/api/v1/units/", {"limit": "9" * 30}).json()["results"]) <= 500


def test_revealing_a_field_named_many_times_logs_it_once(world, api_for):
    from shouwen.access.models import PersonalDataAccess

    resident = world.residents["owner"]
    response = api_for(world.supervisor).post(
        f"/api/v1/residents/{resident.pk}/reveal/",
        {"fields": ["phone"] * 20, "reason": "回访"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert PersonalDataAccess.objects.get().fields == "phone"


def test_an_api_url_that_matches_no_route_answers_json(world, api_for):
    response = api_for(world.clerk).get("/api/v1/cases/LJY 1/attachments/-1/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
