"""Attack 4: one person closes their own complaint.

A clerk registered a major complaint, resolved it, recorded a "very satisfied" return visit herself
and the case closed within seconds. The return visit is the independent check of the work (seed
001 投诉处理及回访制度 六): whoever resolved the case, and for repairs whoever did its work orders,
may not record it; a supervisor may, with a reason, and the visit is marked.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shouwen.cases import services
from shouwen.cases.models import CaseEvent, CaseStatus
from shouwen.cases.transitions import CaseActionDenied
from shouwen.core.testing import PASSWORD
from shouwen.directory.services import create_staff
from shouwen.followups.models import ReturnVisit, VisitStatus
from shouwen.followups.services import record_no_answer, record_return_visit
from shouwen.workorders import services as wo

VERY_SATISFIED = {"channel": "phone", "satisfaction": "very_satisfied"}


def own_complaint(world, staff=None):
    """The attack's first steps: a major complaint registered and resolved by the same person."""
    staff = staff or world.clerk
    case = world.register(
        staff, severity="major", content="物业保安态度恶劣，与住户发生争吵", caller_name="", unit=None
    )
    services.resolve_case(staff, case, resolution="已向住户道歉，保安已调岗")
    case.refresh_from_db()
    return case, case.return_visits.get()


def test_the_clerk_who_resolved_her_complaint_cannot_record_its_return_visit(world):
    case, visit = own_complaint(world)
    with pytest.raises(CaseActionDenied, match="不能记录它的回访"):
        record_return_visit(world.clerk, visit, **VERY_SATISFIED)
    with pytest.raises(CaseActionDenied, match="不能记录它的回访"):
        record_no_answer(world.clerk, visit)  # nor its attempts
    case.refresh_from_db()
    visit.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and visit.status == VisitStatus.PENDING


def test_the_refusal_is_also_in_english(world):
    _case, visit = own_complaint(world)
    with translation.override("en"), pytest.raises(CaseActionDenied) as refused:
        record_return_visit(world.clerk, visit, **VERY_SATISFIED)
    assert "cannot record its return visit" in str(refused.value)


def test_the_page_refuses_and_shows_why_instead_of_the_form(world, client_for):
    case, visit = own_complaint(world)
    client = client_for(world.clerk)
    page = client.get(f"/followups/{visit.pk}/").content.decode()
    assert 'id="own-work-refusal"' in page and 'id="record-visit"' not in page
    # The case page's 回访 card offers no "记录回访" button to her.
    card = client.get(f"/cases/{case.number}/").content.decode()
    assert f"/followups/{visit.pk}/" not in card
    response = client.post(f"/followups/{visit.pk}/record/", VERY_SATISFIED, follow=True)
    assert any("不能记录它的回访" in str(m) for m in response.context["messages"])
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_the_api_refuses_with_403(world, api_for):
    case, visit = own_complaint(world)
    response = api_for(world.clerk).post(
        f"/api/v1/return-visits/{visit.pk}/record/", VERY_SATISFIED, format="json"
    )
    assert response.status_code == 403
    assert "不能记录它的回访" in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_a_colleague_records_the_visit_and_the_case_closes(world):
    case, visit = own_complaint(world)
    record_return_visit(world.staff["cs_assistant"], visit, **VERY_SATISFIED)
    case.refresh_from_db()
    visit.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert visit.visitor == world.staff["cs_assistant"] and not visit.by_resolver


def test_a_supervisor_who_resolved_it_must_give_a_reason(world, api_for):
    case, visit = own_complaint(world, world.supervisor)
    with pytest.raises(ValidationError) as missing:
        record_return_visit(world.supervisor, visit, **VERY_SATISFIED)
    assert "override_reason" in missing.value.message_dict
    response = api_for(world.supervisor).post(
        f"/api/v1/return-visits/{visit.pk}/record/", VERY_SATISFIED, format="json"
    )
    assert response.status_code == 400 and "override_reason" in response.json()
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_a_supervisors_own_visit_is_marked_on_the_timeline_and_in_the_lists(world, client_for, api_for):
    case, visit = own_complaint(world, world.supervisor)
    reason = "住户只愿与主管本人通话"
    response = api_for(world.supervisor).post(
        f"/api/v1/return-visits/{visit.pk}/record/",
        {**VERY_SATISFIED, "override_reason": reason},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["by_resolver"] is True and response.json()["by_resolver_reason"] == reason
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    stored = ReturnVisit.objects.get(pk=visit.pk)
    assert stored.by_resolver and stored.by_resolver_reason == reason
    event = case.events.get(kind=CaseEvent.Kind.RETURN_VISIT)
    assert "处理人本人回访" in event.text and reason in event.text and event.data["by_resolver"] is True
    client = client_for(world.supervisor)
    assert reason in client.get(f"/cases/{case.number}/").content.decode()
    done = client.get("/followups/?status=done").content.decode()
    assert "by-resolver" in done and reason in done


def test_the_supervisor_sees_the_reason_field_on_the_page(world, client_for):
    _case, visit = own_complaint(world, world.supervisor)
    page = client_for(world.supervisor).get(f"/followups/{visit.pk}/").content.decode()
    assert 'id="own-visit"' in page and 'name="override_reason"' in page
    response = client_for(world.supervisor).post(f"/followups/{visit.pk}/record/", VERY_SATISFIED)
    assert response.status_code == 200  # the form again, with the field error
    assert "由本人回访须由主管填写原因" in response.content.decode()


def test_the_technician_who_did_the_work_order_cannot_visit_it_back(world):
    # A technician who also does customer service (both roles) repairs the tap…
    handyman = create_staff(
        company=world.company,
        username="jishu3",
        password=PASSWORD,
        name="郑师傅",
        staff_no="LJ012",
        roles=["technician", "cs_assistant"],
        estates=[world.estate],
        department=world.departments["engineering"],
    )
    case = services.register_contact(
        world.clerk,
        estate=world.estate,
        channel="phone",
        category="household_repair",
        content="厨房水龙头漏水",
        resident=world.residents["owner"],
        unit=world.units["3-2-1502"],
    ).case
    order = wo.create_work_order(world.clerk, case, trade="plumbing", technicians=[handyman])
    for step in (wo.accept_work_order, wo.set_out, wo.arrive):
        step(handyman, order)
    wo.record_diagnosis(handyman, order, diagnosis="阀芯磨损", plan="更换阀芯")
    wo.set_charge(handyman, order, labour="0", paid=False, override_reason="住户为老人，免收")
    wo.complete_work_order(handyman, order)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED  # resolved in the clerk's name, by the work order
    visit = case.return_visits.get()
    # …and may not check his own work; the clerk, who held the case but did not do it, may.
    with pytest.raises(CaseActionDenied):
        record_return_visit(handyman, visit, **VERY_SATISFIED)
    record_return_visit(world.clerk, visit, **VERY_SATISFIED)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
