"""First-contact accountability: registration, handover pending until accepted, the chain of holders."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shouwen.cases import services
from shouwen.cases.models import Case, CaseEvent, CaseStatus, Handover, Responsibility
from shouwen.cases.transitions import CaseActionDenied, allowed_actions


def current_holders(case):
    return list(
        Responsibility.objects.filter(case=case, ended_at__isnull=True).values_list("holder", flat=True)
    )


def test_contact_answered_on_spot_is_closed_at_once_and_opens_no_case(world):
    contact = world.contact(
        category="consultation",
        content="物业费怎么交",
        answered_on_spot=True,
        answer="可在客服中心或手机缴纳",
    )
    assert contact.case is None
    assert not Case.objects.exists()


def test_on_spot_answer_must_be_written(world):
    with pytest.raises(ValidationError):
        world.contact(category="consultation", answered_on_spot=True, answer=" ")


def test_registering_opens_a_numbered_case_owned_by_the_first_contact(world):
    contact = world.contact(staff=world.staff["security"])  # any department can be the first contact
    case = contact.case
    assert case.number.startswith("LJY-")
    assert case.number.endswith("-0001")
    assert case.first_contact == world.staff["security"]
    assert case.accountable == world.staff["security"]
    assert current_holders(case) == [world.staff["security"].pk]
    assert world.contact().case.number.endswith("-0002")


def test_handover_is_pending_until_accepted(world):
    case = world.contact().case
    engineering = world.departments["engineering"]
    handover = services.hand_over(world.clerk, case, to_department=engineering, note="电梯困人，请工程部处理")
    case.refresh_from_db()
    assert case.accountable == world.clerk  # the giver stays accountable meanwhile
    assert handover.status == "pending"
    services.accept_handover(world.technician, handover)
    case.refresh_from_db()
    assert case.accountable == world.technician
    assert case.department == engineering
    chain = list(case.responsibilities.order_by("started_at", "pk"))
    assert [r.holder for r in chain] == [world.clerk, world.technician]
    assert chain[0].ended_at == chain[1].started_at
    assert chain[1].note == "电梯困人，请工程部处理"


def test_handover_needs_a_note(world):
    case = world.contact().case
    with pytest.raises(ValidationError):
        services.hand_over(world.clerk, case, to_department=world.departments["engineering"], note="  ")


def test_receiver_can_send_a_handover_back_with_a_reason(world):
    case = world.contact().case
    h = services.hand_over(world.clerk, case, to_staff=world.technician, note="请上门查看")
    with pytest.raises(ValidationError):
        services.return_handover(world.technician, h, reason="")
    services.return_handover(world.technician, h, reason="不属于工程部，属于安护部")
    case.refresh_from_db()
    assert case.accountable == world.clerk
    assert Handover.objects.get(pk=h.pk).status == "returned"


def test_only_the_receiver_may_accept(world):
    case = world.contact().case
    h = services.hand_over(world.clerk, case, to_department=world.departments["engineering"], note="请处理")
    with pytest.raises(CaseActionDenied):
        services.accept_handover(world.staff["security"], h)
    with pytest.raises(CaseActionDenied):
        services.accept_handover(world.staff["other_technician"], h)  # another estate's engineering


def test_accepting_twice_is_a_conflict(world):
    case = world.contact().case
    h = services.hand_over(world.clerk, case, to_department=world.departments["engineering"], note="请处理")
    services.accept_handover(world.technician, h)
    with pytest.raises(services.CaseConflict):
        services.accept_handover(world.technician, h)


def test_keep_in_stead_then_pass_on(world):
    case = world.contact().case
    services.keep_in_stead(world.clerk, case, department=world.departments["engineering"])
    assert case.events.filter(kind=CaseEvent.Kind.KEPT).exists()
    services.hand_over(world.clerk, case, to_staff=world.technician, note="早上转工程部")
    case.refresh_from_db()
    assert case.accountable == world.clerk


def test_supervisor_names_a_handler_when_asked(world):
    case = world.contact().case
    services.request_assignment(world.clerk, case, note="不清楚归哪个部门")
    case.refresh_from_db()
    assert case.assignment_requested
    with pytest.raises(CaseActionDenied):
        services.reassign(world.clerk, case, to_staff=world.technician, note="x")
    services.reassign(world.supervisor, case, to_staff=world.technician, note="由刘师傅处理")
    case.refresh_from_db()
    assert case.accountable == world.technician
    assert not case.assignment_requested


def test_repairs_and_complaints_wait_for_a_return_visit_others_close(world):
    complaint = world.contact().case
    services.resolve_case(world.clerk, complaint, resolution="已救出，电梯已修复")
    complaint.refresh_from_db()
    assert complaint.status == CaseStatus.RESOLVED
    assert complaint.accountable == world.clerk
    consultation = world.contact(category="consultation", content="装修时间规定").case
    services.resolve_case(world.clerk, consultation, resolution="已电话答复")
    consultation.refresh_from_db()
    assert consultation.status == CaseStatus.CLOSED
    assert consultation.accountable is None
    assert current_holders(consultation) == []


def test_decline_records_the_explanation(world):
    case = world.contact(content="要求物业赔偿十万元").case
    with pytest.raises(ValidationError):
        services.decline_case(world.clerk, case, explanation="")
    services.decline_case(world.clerk, case, explanation="不属于物业责任范围，已耐心解释")
    case.refresh_from_db()
    assert case.status == CaseStatus.DECLINED
    assert case.status_reason == "不属于物业责任范围，已耐心解释"


def test_void_needs_a_supervisor_and_a_reason_and_keeps_the_case(world):
    case = world.contact().case
    with pytest.raises(CaseActionDenied):
        services.void_case(world.clerk, case, reason="重复登记")
    with pytest.raises(ValidationError):
        services.void_case(world.supervisor, case, reason="")
    services.void_case(world.supervisor, case, reason="重复登记")
    case.refresh_from_db()
    assert case.status == CaseStatus.VOID
    event = case.events.get(kind=CaseEvent.Kind.VOIDED)
    assert event.actor == world.supervisor and event.text == "重复登记"
    assert Case.objects.filter(pk=case.pk).exists()


def test_database_refuses_two_current_holders(world):
    case = world.contact().case
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(case=case, holder=world.technician, via="handover")


def test_database_refuses_an_active_case_without_accountable_person(world):
    case = world.contact().case
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(accountable=None)


def test_actions_offered_follow_the_table(world):
    case = world.contact().case
    codes = {a.code for a in allowed_actions(world.clerk, case)}
    assert {"hand_over", "resolve", "decline", "keep_in_stead"} <= codes
    assert "void" not in codes and "accept_handover" not in codes
    services.hand_over(world.clerk, case, to_staff=world.technician, note="请处理")
    assert {a.code for a in allowed_actions(world.technician, case)} >= {"accept_handover", "return_handover"}
    assert "resolve" not in {a.code for a in allowed_actions(world.clerk, case)}  # pending handover first


def test_cannot_register_for_an_estate_not_served(world):
    with pytest.raises(CaseActionDenied):
        world.contact(staff=world.staff["other_technician"], resident=None, unit=None)


def test_one_time_notice_lists_everything_missing_and_blocks_acceptance(world):
    from shouwen.procedures.models import Procedure

    proc = Procedure.objects.get(code="move_in_proxy")
    items = list(proc.items.order_by("order"))
    case = world.contact(
        category="move_in",
        channel="visit",
        content="代业主办理入住",
        procedure=proc,
        documents_provided=[items[0].pk, items[1].pk],
    ).case
    assert case.status == CaseStatus.AWAITING_DOCUMENTS
    notice = services.give_one_time_notice(world.clerk, case, channel="printed")
    assert notice.missing == [i.text for i in items[2:]]
    assert all(i.text in notice.text for i in items[2:])
    with pytest.raises(ValidationError):
        services.accept_for_processing(world.clerk, case)
    services.record_visit(world.clerk, case, channel="visit", content="补交资料")
    services.tick_documents(world.clerk, case, item_ids=[i.pk for i in items[2:]])
    services.accept_for_processing(world.clerk, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.visit_count == 2


def test_supervisor_may_accept_with_documents_missing_given_a_reason(world):
    from shouwen.procedures.models import Procedure

    proc = Procedure.objects.get(code="move_in_owner")
    case = world.contact(category="move_in", channel="visit", content="办理入住", procedure=proc).case
    with pytest.raises(ValidationError):
        services.accept_for_processing(world.supervisor, case)
    services.accept_for_processing(world.supervisor, case, override_reason="购房合同原件在银行抵押，先行受理")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.documents_override_reason.startswith("购房合同")


def test_full_text_triggers_survive_table_rebuilds(db):
    """SQLite drops triggers when a migration rebuilds the table; migrate puts them back."""
    from django.db import connection

    from shouwen.cases.search import ensure_index

    if connection.vendor != "sqlite":
        assert ensure_index() is False  # PostgreSQL keeps its GIN index through ALTER TABLE
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases_case_fts_%'"
        )
        assert cursor.fetchone()[0] == 3
        cursor.execute("DROP TRIGGER cases_case_fts_ai")
    assert ensure_index() is True
    assert ensure_index() is False
