"""In Chromium under the site's Content-Security-Policy: the pages and their scripts work, nothing is refused.

The policy is the one production sends (it is the same in every mode, see test_production_settings);
each page's console, its script errors and every `securitypolicyviolation` event are collected, and
any of them fails the test.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings

from shouwen.cases import services as case_services
from shouwen.core.csp import build_policy
from shouwen.core.testing import screenshot
from shouwen.workorders import services as order_services
from shouwen.workorders.models import WorkOrder
from shouwen.workorders.tests.conftest import register_repair

pytestmark = pytest.mark.browser

# Runs in every page before its own scripts: report policy violations to the test, and record a print
# instead of opening the print dialog.
WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.shouwenCspViolation({
    directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample, page: document.location.href
  });
});
window.print = function () { document.documentElement.dataset.printed = "yes"; };
"""


# Redoc always shows the Redocly logo from the internet; the policy refuses it on purpose (no request
# leaves for a third party, and site networks may be offline). Redoc drops the image when it fails.
INTENDED_REFUSALS = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


@dataclass
class PolicyWatch:
    """What one browser page reported: console messages, script errors, policy violations, documents."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)
    documents: list[tuple[str, str | None]] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Return everything that went wrong, one line each, but the refusals the site intends."""
        lines = (
            [f"console: {m}" for m in self.console]
            + [f"page error: {e}" for e in self.errors]
            + [f"CSP violation: {v}" for v in self.violations]
        )
        return [line for line in lines if not any(url in line for url in INTENDED_REFUSALS)]


# Chromium's own developer hints ("[DOM] Input elements should have autocomplete attributes") come as
# verbose/debug messages; everything a page or the browser logs above that counts.
HINT_TYPES = {"verbose", "debug"}


def record_console(watch: PolicyWatch, message: Any) -> None:
    """Keep a console message unless it is one of Chromium's developer hints."""
    if message.type not in HINT_TYPES:
        watch.console.append(f"[{message.type}] {message.text} ({message.location.get('url')})")


@pytest.fixture
def watched(page):
    """The browser page with its console, errors, policy violations and document headers recorded."""
    watch = PolicyWatch()
    page.on("console", lambda m: record_console(watch, m))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.expose_binding("shouwenCspViolation", lambda source, v: watch.violations.append(v))
    page.add_init_script(WATCH_SCRIPT)

    def on_response(response):
        if response.request.resource_type == "document":
            watch.documents.append((response.url, response.headers.get("content-security-policy")))

    page.on("response", on_response)
    return page, watch


@pytest.fixture
def seeded_rules(transactional_db):
    """Put back the checklists, price list and warranty rules the data migrations seed.

    Tests on a live server flush the database after themselves, which also removes migrated data.
    """
    import importlib

    from django.apps import apps

    importlib.import_module("shouwen.procedures.migrations.0002_seed_checklists").seed(apps, None)
    importlib.import_module("shouwen.workorders.migrations.0002_seed_rules_and_prices").seed(apps, None)


def site_policy() -> str:
    """Return the Content-Security-Policy header the site sends."""
    return build_policy(settings.SECURE_CSP)


def assert_clean(watch: PolicyWatch) -> None:
    """Fail on any console message, script error or policy violation; every document had the policy."""
    assert watch.problems() == []
    assert watch.documents, "no page was loaded"
    missing = [url for url, policy in watch.documents if not policy]
    assert missing == []


def photo_png() -> bytes:
    """Return a small PNG photo."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def finished_order(world, case) -> WorkOrder:
    """Return a work order on the case that the technician has completed, waiting for the signature."""
    tech = world.technician
    order = order_services.create_work_order(world.clerk, case, trade="plumbing", technicians=[tech])
    order = order_services.accept_work_order(tech, order)
    order = order_services.set_out(tech, order)
    order = order_services.arrive(tech, order)
    order = order_services.record_diagnosis(tech, order, diagnosis="阀芯磨损", plan="更换阀芯")
    order = order_services.set_charge(tech, order, labour="0", paid=False, override_reason="业主老客户，免费")
    return order_services.complete_work_order(tech, order)


def test_intake_case_and_signature_pages_work_under_the_policy(
    live_server, live_world, seeded_rules, watched, sign_in, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page, watch = watched
    base = live_server.url
    world = live_world
    sign_in(page, base, "qiantai")

    # Intake: the htmx caller lookup fills in as the number is typed; picking a unit fills the caller.
    page.goto(base + "/cases/intake/")
    page.fill("#id_caller_phone", "13812345678")
    page.click("button.pick:has-text('3栋2单元1502')")
    assert page.input_value("#id_caller_name") == "张伟"
    # The category shows its own fieldset; a procedure loads its checklist through htmx.
    assert page.locator("fieldset[data-when='complaint']").is_hidden()
    page.select_option("#id_category", "move_in")
    assert page.locator("fieldset[data-when='move_in decoration item_release']").is_visible()
    page.select_option("#id_procedure", index=1)
    page.locator("#checklist input[type=checkbox]").first.wait_for()
    page.select_option("#id_procedure", "")
    page.select_option("#id_category", "complaint")
    assert page.locator("fieldset[data-when='complaint']").is_visible()
    page.check("#id_answered_on_spot")
    assert page.locator(".when-onspot").is_visible()
    page.uncheck("#id_answered_on_spot")
    assert page.locator(".when-onspot").is_hidden()
    page.fill("#id_content", "楼上装修噪音，晚上十点后还在施工")
    page.select_option("#id_severity", "minor")
    screenshot(page, "csp-intake")
    page.click("#register-button")
    page.wait_for_url(re.compile(r"/cases/LJY-\d{8}-\d{4}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]

    # The case page and its action forms: a note, then a handover to engineering.
    page.click("details.action summary:has-text('转办')")
    page.select_option("form[data-action=hand_over] select[name=to_department]", label="工程维修部")
    page.fill("form[data-action=hand_over] textarea[name=note]", "请工程部核实施工时间")
    with page.expect_navigation():
        page.click("form[data-action=hand_over] button[type=submit]")
    assert "转办待接收：工程维修部" in page.content()
    screenshot(page, "csp-case")

    # The receipt's print button works without an inline handler.
    page.goto(f"{base}/cases/{number}/receipt/")
    page.click("button[data-print]")
    assert page.get_attribute("html", "data-printed") == "yes"

    # The technician's phone page: a photo sends itself when chosen, then the resident signs.
    case = register_repair(world)
    order = finished_order(world, case)
    page.click(".userbox button:has-text('退出')")
    sign_in(page, base, "jishu")
    page.goto(f"{base}/m/jobs/{order.number}/")
    with page.expect_navigation():
        page.locator("#photos form input[type=file]").first.set_input_files(
            {"name": "after.png", "mimeType": "image/png", "buffer": photo_png()}
        )
    assert page.locator("#photos .m-photos img").count() == 1
    canvas = page.locator("#sign-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3, steps=10)
    page.mouse.move(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.7, steps=10)
    page.mouse.up()
    page.check("input[name=rating][value=satisfied]")
    screenshot(page, "csp-signature")
    with page.expect_navigation():
        page.click("#next-step")
    assert "住户已签字" in page.inner_text("#messages")
    assert page.locator("#signed img").is_visible()
    order.refresh_from_db()
    assert order.signed_at is not None

    assert_clean(watch)
    assert {policy for _, policy in watch.documents} == {site_policy()}


def visit(page, url: str, ready: str | None = None, timeout: float | None = None) -> None:
    """Open a page and wait until it has loaded (and ``ready`` shows, for pages built by script)."""
    response = page.goto(url)  # waits for the load event: inline script and style are refused by then
    assert response is not None and response.ok, url
    if ready:
        page.locator(ready).first.wait_for(timeout=timeout)


def test_desk_and_phone_pages_raise_no_policy_violation(
    live_server, live_world, seeded_rules, watched, sign_in, settings, tmp_path
):
    from shouwen.followups.models import ReturnVisit
    from shouwen.procedures.models import Procedure

    settings.MEDIA_ROOT = tmp_path / "media"
    page, watch = watched
    base = live_server.url
    world = live_world
    complaint = case_services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="complaint",
        content="电梯经常停运",
        caller_name="张伟",
        caller_phone="13812345678",
        resident=world.residents["owner"],
        unit=world.units["3-2-1502"],
        severity="minor",
    ).case
    case_services.hand_over(
        world.clerk, complaint, to_department=world.departments["engineering"], note="请核实"
    )
    move_in = case_services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="visit",
        category="move_in",
        content="办理入住",
        resident=world.residents["owner"],
        unit=world.units["3-2-1502"],
        procedure=Procedure.objects.filter(category="move_in").first(),
    ).case
    repair = register_repair(world)
    order = finished_order(world, repair)  # resolves the repair: its return visit is waiting
    visit_id = ReturnVisit.objects.get(case=repair).pk
    resident = world.residents["owner"]
    unit = world.units["3-2-1502"]

    sign_in(page, base, "kfzg")
    for path in (
        "/",
        "/cases/",
        "/cases/?queue=incoming",
        f"/cases/?q={complaint.number}",
        f"/cases/{complaint.number}/",
        f"/cases/{complaint.number}/receipt/",
        f"/cases/{move_in.number}/notice/",
        f"/cases/{repair.number}/",
        "/followups/",
        f"/followups/{visit_id}/",
        "/directory/residents/",
        "/directory/residents/?q=张伟",
        f"/directory/residents/{resident.pk}/",
        f"/directory/units/{unit.pk}/",
        "/directory/estates/",
        f"/directory/estates/{world.estate.pk}/",
        f"/directory/buildings/{unit.building_id}/",
        "/directory/import/",
        "/access/log/",
        "/notifications/",
        "/workorders/move-in/",
        "/accounts/password/",
    ):
        visit(page, base + path)

    page.context.clear_cookies()
    sign_in(page, base, "jishu")
    for path in ("/m/", "/m/night/", f"/m/jobs/{order.number}/"):
        visit(page, base + path)

    assert_clean(watch)
    assert {policy for _, policy in watch.documents} == {site_policy()}


def test_admin_pages_raise_no_policy_violation(live_server, live_world, watched, sign_in):
    from django.contrib import admin

    page, watch = watched
    base = live_server.url
    world = live_world
    sign_in(page, base, "admin")
    visit(page, base + "/admin/")
    for model in admin.site._registry:
        visit(page, f"{base}/admin/{model._meta.app_label}/{model._meta.model_name}/")
    # Forms whose widgets are built by the admin's scripts: the calendar and the two-list selector.
    unit = world.units["3-2-1502"]
    visit(page, f"{base}/admin/directory/unit/{unit.pk}/change/")
    page.click("#id_handover_date ~ .datetimeshortcuts .date-icon")
    page.locator(".calendarbox").first.wait_for()
    page.click(".calendarbox .calendar-shortcuts a:first-child")
    visit(page, f"{base}/admin/auth/user/{world.clerk.user_id}/change/", "#id_groups_from")
    visit(page, f"{base}/admin/directory/resident/{world.residents['owner'].pk}/change/")
    screenshot(page, "csp-admin")

    assert_clean(watch)
    assert {policy for _, policy in watch.documents} == {site_policy()}


def test_api_docs_pages_work_under_their_policies(live_server, live_world, watched, sign_in):
    from shouwen.api.urls import REDOC_CSP

    page, watch = watched
    base = live_server.url
    sign_in(page, base, "qiantai")
    # Swagger UI runs under the site's policy; Redoc under its own (inline styles, a blob: worker).
    # Both build the page from the schema, which takes the server a few seconds to generate.
    visit(page, base + "/api/v1/docs/", ".swagger-ui .opblock", timeout=60_000)
    assert watch.documents[-1][1] == site_policy()
    visit(page, base + "/api/v1/redoc/", "h1:has-text('Shouwen API')", timeout=60_000)
    assert watch.documents[-1][1] == build_policy(REDOC_CSP)
    assert REDOC_CSP["script-src"] == settings.SECURE_CSP["script-src"] == ["'self'"]

    assert_clean(watch)
