"""Attack 6: the technician's job page answered 500 for every night-call work order.

A night call often has no resident on the case (a caller who gave no name, a public area, a
stairwell), and the page looked up ``case.resident.name`` in a filter argument, which Django
resolves strictly. The job is walked from the night log to the signature, every page and answer
that shows it is read at each step, and none fails.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from shouwen.cases.models import CaseStatus
from shouwen.workorders import services
from shouwen.workorders.intake import register_night_call
from shouwen.workorders.tests.conftest import data_url, signature_png

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def night_calls(world):
    """Night calls without a resident: a nameless caller, a public area, and nothing but words."""
    return [
        register_night_call(
            world.technician, estate=world.estate, content="卫生间下水道返水", morning_work_order=True
        ),
        register_night_call(
            world.technician,
            estate=world.estate,
            content="3栋电梯按钮失灵",
            public_area=world.lift,
            caller_phone="13900001111",
            morning_work_order=True,
        ),
        register_night_call(
            world.technician,
            estate=world.estate,
            content="楼道灯不亮",
            unit=world.units["3-1-0801"],
            caller_name="",
            morning_work_order=True,
        ),
    ]


def read_everything(world, client_for, api_for, order):
    """Read every page and answer that shows the order, as the technician and as the desk."""
    case = order.case
    tech = client_for(world.technician)
    job = tech.get(f"/m/jobs/{order.number}/")
    assert job.status_code == 200, order.state
    assert case.number in job.content.decode()
    assert tech.get("/m/").status_code == 200
    pdf = tech.get(f"/workorders/{order.number}/pdf/")
    assert pdf.status_code == 200
    assert "维修工作单" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    api = api_for(world.technician)
    assert api.get(f"/api/v1/work-orders/{order.number}/").status_code == 200
    assert api.get("/api/v1/work-orders/", {"estate": world.estate.pk}).status_code == 200
    assert api.get(f"/api/v1/cases/{case.number}/").status_code == 200
    desk = client_for(world.clerk)
    page = desk.get(f"/cases/{case.number}/")
    assert page.status_code == 200 and order.number in page.content.decode()
    assert desk.get("/cases/").status_code == 200


def test_the_job_page_of_a_night_call_without_resident_works_at_every_step(world, client_for, api_for):
    for result in night_calls(world):
        order = result.work_order
        assert order is not None and order.case.resident is None
        read_everything(world, client_for, api_for, order)
        services.assign_technicians(world.clerk, order, technicians=[world.technician])
        read_everything(world, client_for, api_for, order)
        for step in (services.accept_work_order, services.set_out, services.arrive):
            step(world.technician, order)
            read_everything(world, client_for, api_for, order)
        services.record_diagnosis(world.technician, order, diagnosis="需更换配件", plan="更换配件")
        read_everything(world, client_for, api_for, order)  # the charge proposal, with or without a place
        services.set_charge(world.technician, order, labour="20.00", paid=True, override_reason="住户同意")
        services.complete_work_order(world.technician, order)
        read_everything(world, client_for, api_for, order)
        services.sign_work_order(world.technician, order, data_url=data_url(signature_png()), opinion="满意")
        read_everything(world, client_for, api_for, order)
        order.case.refresh_from_db()
        assert order.case.status == CaseStatus.RESOLVED
        # The return visit of a case without a resident: the queue and the form show it.
        visit = order.case.return_visits.get()
        desk = client_for(world.clerk)
        assert desk.get("/followups/").status_code == 200
        assert desk.get(f"/followups/{visit.pk}/").status_code == 200
        assert api_for(world.clerk).get(f"/api/v1/return-visits/{visit.pk}/").status_code == 200


# Django resolves a filter's argument strictly: {{ a|default:b.c.d }} raises when b.c is None, while
# {{ b.c.d }} alone shows nothing. An argument reaching through a relation is how the 500 came.
DOTTED_ARGUMENT = re.compile(r"\|\s*\w+\s*:\s*[a-z_]\w*(?:\.\w+){2,}")


def test_no_template_passes_a_lookup_through_a_relation_as_a_filter_argument():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in DOTTED_ARGUMENT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
