"""Service functions of work orders: every rule of a repair job lives here.

Each function locks the work order row, checks the transition table, changes the order and appends
an entry to its case's timeline in one transaction. Pages and the API call these; tests create data
through them. When the last open work order of a repair case is done, the case is resolved
(:mod:`shouwen.workorders.resolution`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwen.access.services import log_reveal_for_work
from shouwen.cases import services as case_services
from shouwen.cases.lib import lock_case, record_event, save_case
from shouwen.cases.models import Attribution, Case, CaseEvent
from shouwen.cases.transitions import CaseActionDenied
from shouwen.core.actions import Conflict
from shouwen.core.i18n import label_text, stored
from shouwen.core.services import for_update, required_text, save_version
from shouwen.core.textlimits import check_lengths, check_long, field_max
from shouwen.directory.models import Staff
from shouwen.workorders import transitions
from shouwen.workorders.models import (
    OPEN_STATES,
    Material,
    OrderKind,
    PaymentMethod,
    PhotoStage,
    Rating,
    State,
    Trade,
    Urgency,
    WorkOrder,
    WorkOrderMaterial,
    WorkOrderPhoto,
    WorkOrderTechnician,
)
from shouwen.workorders.money import compute_totals, line_amount, to_decimal
from shouwen.workorders.resolution import reopen_if_resolved, resolve_case_if_finished
from shouwen.workorders.signature import decode_signature
from shouwen.workorders.timeline import crew, event, notify_staff
from shouwen.workorders.warranty import propose_charge

MAX_QUANTITY = Decimal("9999.999")
MAX_LABOUR = Decimal("99999.99")


class WorkOrderConflict(Conflict):
    """The work order changed under the request (another tap, another technician): answer 409."""


# ---------------------------------------------------------------- helpers


def _lock(order: WorkOrder, version: int | None = None) -> WorkOrder:
    """Return the order re-read under a row lock; refuse when the caller saw an older version."""
    fresh = (
        # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the joins (unit, public area).
        for_update(WorkOrder, of=("self",))
        .select_related("case__estate", "case__unit__building", "case__public_area", "case__accountable")
        .get(pk=order.pk)
    )
    if version is not None and fresh.version != version:
        raise WorkOrderConflict(_("工作单 %(number)s 已被更新，请刷新后再操作。") % {"number": fresh.number})
    return fresh


_save = save_version
_required = required_text


def _check_technicians(case: Case, technicians: Iterable[Staff]) -> list[Staff]:
    """Return the technicians without repeats, each checked to work in the case's estate."""
    from shouwen.access.permissions import can
    from shouwen.access.roles import Cap
    from shouwen.access.scope import can_see_estate

    result: list[Staff] = []
    for person in technicians:
        if person.pk in {p.pk for p in result}:
            continue
        if not (
            person.is_active
            and can(person.user, Cap.WORKORDER_WORK)
            and can_see_estate(person.user, case.estate_id)
        ):
            raise ValidationError(_("%(name)s不是该小区在职的维修人员。") % {"name": person.name})
        result.append(person)
    return result


def _set_crew(order: WorkOrder, people: Sequence[Staff], when: datetime) -> None:
    order.crew.filter(removed_at__isnull=True).update(removed_at=when)
    WorkOrderTechnician.objects.bulk_create(
        [
            WorkOrderTechnician(work_order=order, staff=p, position=i, assigned_at=when)
            for i, p in enumerate(people)
        ]
    )


def _tell_crew(order: WorkOrder, people: Sequence[Staff], actor: Staff) -> None:
    when = timezone.localtime(order.appointment_at).strftime("%m-%d %H:%M") if order.appointment_at else ""
    place = _place(order.case)
    for person in people:
        if person.pk == actor.pk:
            continue
        notify_staff(
            person,
            order,
            title=stored(
                gettext_noop("新维修工作单 %(number)s：%(place)s"), number=order.number, place=place
            ),
            body=_("%(trade)s · %(when)s · %(what)s")
            % {
                "trade": order.get_trade_display(),
                "when": when or _("时间待约"),
                "what": order.description[:80],
            },
            urgent=order.urgency == Urgency.EMERGENCY,
        )


def _place(case: Case) -> str:
    if case.unit is not None:
        return case.unit.label
    if case.public_area is not None:
        return case.public_area.name
    return case.origin.location or case.estate.name


def _next_number(case: Case) -> str:
    """Return the case number with the next work-order suffix: LJY-20261129-0003-W2."""
    count = WorkOrder.objects.filter(case=case).count()
    return f"{case.number}-W{count + 1}"


# ---------------------------------------------------------------- opening and assigning


def _create(
    staff: Staff,
    case: Case,
    *,
    trade: str,
    urgency: str,
    appointment_at: datetime | None,
    appointment_note: str,
    technicians: Sequence[Staff],
    description: str,
    kind: str = OrderKind.REPAIR,
    rework_of: WorkOrder | None = None,
    needs_reinspection: bool = False,
    responsibility: str = "",
    night_call_at: datetime | None = None,
    plan: str = "",
) -> WorkOrder:
    appointment_note = (appointment_note or "").strip()
    check_lengths({"appointment_note": (appointment_note, field_max(WorkOrder, "appointment_note"))})
    check_long(description=description)
    if trade not in Trade.values:
        raise ValidationError(_("请选择工种。"))
    if urgency not in Urgency.values:
        raise ValidationError(_("请选择紧急程度。"))
    if responsibility and responsibility not in Attribution.values:
        raise ValidationError(_("请选择维修责任。"))
    people = _check_technicians(case, technicians)
    case = (
        for_update(Case, of=("self",))
        .select_related("estate", "unit", "public_area", "origin")
        .get(pk=case.pk)
    )
    now = timezone.now()
    order = WorkOrder(
        number=_next_number(case),
        case=case,
        kind=kind,
        trade=trade,
        urgency=urgency,
        appointment_at=appointment_at,
        appointment_note=appointment_note,
        description=(description or case.origin.content).strip(),
        created_by=staff,
        created_at=now,
        updated_at=now,
        responsibility=responsibility
        or (case.attribution if case.attribution not in ("", Attribution.UNDETERMINED) else ""),
        rework_of=rework_of,
        needs_reinspection=needs_reinspection,
        night_call_at=night_call_at,
        plan=plan,
    )
    if kind == OrderKind.REINSPECTION:
        order.paid = order.paid_proposed = False
        order.paid_proposal_reason = _("复检不收费。")
    else:
        proposal = propose_charge(order)
        order.paid_proposed, order.paid_proposal_reason = proposal.paid, proposal.reason[:200]
    order.save()
    _set_crew(order, people, now)
    names: str = "、".join(p.name for p in people) or stored(gettext_noop("待派工"))
    event(
        order,
        staff,
        "create",
        stored(
            gettext_noop("%(kind)s %(trade)s，%(urgency)s，维修人员：%(names)s"),
            kind=OrderKind(order.kind).label,
            trade=Trade(order.trade).label,
            urgency=Urgency(order.urgency).label,
            names=names,
        ),
        kind=kind,
        technicians=[p.pk for p in people],
    )
    _tell_crew(order, people, staff)
    return order


def default_urgency(case: Case) -> str:
    """Return the urgency a new work order of the case starts with (the clerk may change it)."""
    return Urgency.EMERGENCY if case.urgency == Urgency.EMERGENCY else Urgency.NORMAL


@transaction.atomic
def create_work_order(
    staff: Staff,
    case: Case,
    *,
    trade: str,
    urgency: str | None = None,
    appointment_at: datetime | None = None,
    appointment_note: str = "",
    technicians: Sequence[Staff] = (),
    description: str = "",
    needs_reinspection: bool = False,
    responsibility: str = "",
    night_call_at: datetime | None = None,
) -> WorkOrder:
    """Open a work order for an active repair case and notify the technicians sent.

    Without an urgency the order takes its case's: an emergency repair opens an emergency job.
    """
    case = Case.objects.select_related("estate", "accountable").get(pk=case.pk)
    if urgency is None:
        urgency = default_urgency(case)
    transitions.check_create(staff, case)
    reopen_if_resolved(staff, case, _("新开维修工作单"))
    return _create(
        staff,
        case,
        trade=trade,
        urgency=urgency,
        appointment_at=appointment_at,
        appointment_note=appointment_note,
        technicians=technicians,
        description=description,
        needs_reinspection=needs_reinspection,
        responsibility=responsibility,
        night_call_at=night_call_at,
    )


@transaction.atomic
def schedule_night_work_order(
    staff: Staff, case: Case, *, trade: str, urgency: str, appointment_at: datetime, night_call_at: datetime
) -> WorkOrder:
    """Open the morning work order of a night call, by the night technician who registered it."""
    case = Case.objects.select_related("estate", "accountable", "origin").get(pk=case.pk)
    refusal = transitions.night_order_refusal(staff, case)
    if refusal is not None:
        raise CaseActionDenied(refusal)
    return _create(
        staff,
        case,
        trade=trade,
        urgency=urgency,
        appointment_at=appointment_at,
        appointment_note=_("夜间来电，已告知住户次日安排维修"),
        technicians=(),
        description="",
        night_call_at=night_call_at,
    )


@transaction.atomic
def assign_technicians(
    staff: Staff, order: WorkOrder, *, technicians: Sequence[Staff], version: int | None = None
) -> WorkOrder:
    """Send (or change) the technicians of an order not yet accepted; the first one leads."""
    order = _lock(order, version)
    transitions.check("assign", staff, order)
    people = _check_technicians(order.case, technicians)
    if not people:
        raise ValidationError(_("请选择维修人员。"))
    before = [p.pk for p in crew(order)]
    _set_crew(order, people, timezone.now())
    event(order, staff, "assign", "、".join(p.name for p in people), technicians=[p.pk for p in people])
    _save(order)
    _tell_crew(order, [p for p in people if p.pk not in before], staff)
    return order


# ---------------------------------------------------------------- the technician's steps


@transaction.atomic
def reveal_contact_phone(staff: Staff, order: WorkOrder, ip_address: str | None = None) -> list[str]:
    """Return the numbers to call about the job (caller's, then the resident's) and log the reveal.

    Only the technicians sent to the open order see them, to arrange the visit; the reveal is written to
    the personal-data access log with the order's number as the reason.
    """
    if order.state not in OPEN_STATES and order.state != State.DONE:
        raise ValidationError(_("该工单已结束，不能再查看住户电话。"))
    if not order.crew.filter(staff=staff, removed_at__isnull=True).exists():
        raise CaseActionDenied(_("只有派到该工单的维修人员可以查看住户电话。"))
    case = order.case
    numbers: list[str] = []
    if case.origin is not None and case.origin.caller_phone:
        numbers.append(case.origin.caller_phone)
    if case.resident is not None:
        numbers += [p.number for p in case.resident.phones.all() if p.number not in numbers]
    if not numbers:
        raise ValidationError(_("该事项没有登记电话号码。"))
    log_reveal_for_work(
        staff.user,
        case.resident,
        case.estate_id,
        _("上门预约联系（工单 %(number)s）") % {"number": order.number},
        ip_address,
    )
    return numbers


@transaction.atomic
def accept_work_order(staff: Staff, order: WorkOrder, *, version: int | None = None) -> WorkOrder:
    """Accept the job (接单); on an order sent to nobody yet, the accepting technician takes it."""
    order = _lock(order, version)
    transitions.apply("accept", staff, order)
    if not transitions.crew_ids(order):
        _set_crew(order, [staff], timezone.now())
    order.accepted_at = timezone.now()
    event(order, staff, "accept")
    _save(order, "state", "accepted_at")
    return order


@transaction.atomic
def set_out(staff: Staff, order: WorkOrder, *, version: int | None = None) -> WorkOrder:
    """Record that the technician is on the way (出发)."""
    order = _lock(order, version)
    transitions.apply("set_out", staff, order)
    order.on_way_at = timezone.now()
    event(order, staff, "set_out")
    _save(order, "state", "on_way_at")
    return order


@transaction.atomic
def arrive(staff: Staff, order: WorkOrder, *, version: int | None = None) -> WorkOrder:
    """Record that the technician has arrived at the place (到场)."""
    order = _lock(order, version)
    transitions.apply("arrive", staff, order)
    order.arrived_at = timezone.now()
    event(order, staff, "arrive")
    _save(order, "state", "arrived_at")
    return order


@transaction.atomic
def record_diagnosis(
    staff: Staff,
    order: WorkOrder,
    *,
    diagnosis: str,
    plan: str,
    responsibility: str = "",
    version: int | None = None,
) -> WorkOrder:
    """Record what is wrong, the repair plan (维修方案) and who is responsible."""
    check_long(diagnosis=diagnosis, plan=plan)
    order = _lock(order, version)
    transitions.apply("diagnose", staff, order)
    order.diagnosis = _required(diagnosis, _("请填写故障诊断。"))
    order.plan = _required(plan, _("请填写维修方案。"))
    if responsibility:
        if responsibility not in Attribution.values:
            raise ValidationError(_("请选择维修责任。"))
        order.responsibility = responsibility
    order.diagnosed_at = order.diagnosed_at or timezone.now()
    event(order, staff, "diagnose", order.plan, responsibility=order.responsibility)
    _save(order, "diagnosis", "plan", "responsibility", "state", "diagnosed_at")
    _attribute_case(staff, order)
    return order


def _attribute_case(staff: Staff, order: WorkOrder) -> None:
    """Carry the responsibility the technician found to the case's 责任归属, unless someone already decided it."""
    if not order.responsibility or order.responsibility == Attribution.UNDETERMINED:
        return
    case = lock_case(order.case)
    if case.attribution and case.attribution != Attribution.UNDETERMINED:
        return
    case.attribution = order.responsibility
    case.attribution_note = _("维修工作单 %(number)s 的诊断") % {"number": order.number}
    record_event(
        case,
        staff,
        CaseEvent.Kind.ATTRIBUTION,
        case.attribution_note,
        attribution=case.attribution,
        work_order=order.number,
    )
    save_case(case, "attribution", "attribution_note")
    order.case = case


def _recompute(order: WorkOrder) -> None:
    lines = order.materials.filter(voided_at__isnull=True).values_list("quantity", "unit_price")
    totals = compute_totals(list(lines), order.labour)
    order.materials_total, order.labour, order.total = totals.materials, totals.labour, totals.total


def _quantity(value: Decimal | int | str) -> Decimal:
    quantity = to_decimal(value, label=_("数量"))
    if quantity <= 0 or quantity > MAX_QUANTITY:
        raise ValidationError(_("数量应大于 0 且不超过 %(max)s。") % {"max": MAX_QUANTITY})
    if quantity != quantity.quantize(Decimal("0.001")):
        raise ValidationError(_("数量最多保留三位小数。"))
    return quantity


@transaction.atomic
def add_material(
    staff: Staff,
    order: WorkOrder,
    *,
    material: Material,
    quantity: Decimal | int | str,
    version: int | None = None,
) -> WorkOrderMaterial:
    """Add a material from the price list at today's price; the totals follow."""
    order = _lock(order, version)
    transitions.check("add_material", staff, order)
    if not material.active:
        raise ValidationError(_("该材料已停用。"))
    qty = _quantity(quantity)
    spec = f"（{material.spec}）" if material.spec else ""
    line = WorkOrderMaterial.objects.create(
        work_order=order,
        material=material,
        name=f"{material.name}{spec}"[:130],
        unit=material.unit,
        quantity=qty,
        unit_price=material.unit_price,
        amount=line_amount(qty, material.unit_price),
        added_by=staff,
    )
    _recompute(order)
    event(order, staff, "add_material", f"{line.name} × {qty.normalize():f}{line.unit}", line=line.pk)
    _save(order, "materials_total", "labour", "total")
    return line


@transaction.atomic
def void_material(staff: Staff, line: WorkOrderMaterial, *, version: int | None = None) -> WorkOrder:
    """Void a material line entered by mistake (it stays on record but no longer counts)."""
    order = _lock(line.work_order, version)
    transitions.check("void_material", staff, order)
    updated = WorkOrderMaterial.objects.filter(pk=line.pk, work_order=order, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )
    if not updated:
        raise WorkOrderConflict(_("该材料已撤销。"))
    _recompute(order)
    event(order, staff, "void_material", line.name, line=line.pk)
    _save(order, "materials_total", "labour", "total")
    return order


@transaction.atomic
def set_charge(
    staff: Staff,
    order: WorkOrder,
    *,
    labour: Decimal | int | str,
    paid: bool | None = None,
    override_reason: str = "",
    version: int | None = None,
) -> WorkOrder:
    """Set the labour and decide paid (有偿) or warranty; going against the proposal needs a reason."""
    check_lengths(
        {"override_reason": ((override_reason or "").strip(), field_max(WorkOrder, "paid_override_reason"))}
    )
    order = _lock(order, version)
    transitions.check("set_charge", staff, order)
    labour_d = to_decimal(labour, label=_("人工费"))
    if labour_d < 0 or labour_d > MAX_LABOUR or labour_d != labour_d.quantize(Decimal("0.01")):
        raise ValidationError(_("人工费应为 0 至 %(max)s 元，最多两位小数。") % {"max": MAX_LABOUR})
    if order.kind == OrderKind.REINSPECTION:
        proposed, why = False, _("复检不收费。")
    else:
        proposal = propose_charge(order)
        proposed, why = proposal.paid, proposal.reason
    decided = proposed if paid is None else paid
    reason = (override_reason or "").strip()
    if decided != proposed and not reason:
        raise ValidationError(
            _("系统建议%(proposal)s（%(why)s）；改为%(decided)s必须填写原因。")
            % {
                "proposal": _("有偿") if proposed else _("免费"),
                "why": why,
                "decided": _("有偿") if decided else _("免费"),
            }
        )
    order.labour = labour_d
    order.paid, order.paid_proposed, order.paid_proposal_reason = decided, proposed, why[:200]
    order.paid_override_reason = reason if decided != proposed else ""
    _recompute(order)
    charge = stored(
        gettext_noop("%(charge)s，人工费 ¥%(labour)s，材料费 ¥%(materials)s，合计 ¥%(total)s"),
        charge=stored(gettext_noop("有偿")) if decided else stored(gettext_noop("保修/免费")),
        labour=order.labour,
        materials=order.materials_total,
        total=order.total,
    )
    text: str = charge
    if order.paid_override_reason:
        text = stored(
            gettext_noop("%(charge)s（改变系统建议：%(reason)s）"),
            charge=charge,
            reason=order.paid_override_reason,
        )
    event(order, staff, "set_charge", text, paid=decided, proposed=proposed, total=str(order.total))
    _save(
        order,
        "labour",
        "paid",
        "paid_proposed",
        "paid_proposal_reason",
        "paid_override_reason",
        "materials_total",
        "total",
    )
    return order


@transaction.atomic
def add_photo(
    staff: Staff, order: WorkOrder, *, stage: str, upload: UploadedFile, version: int | None = None
) -> WorkOrderPhoto:
    """Keep a photo taken before or after the repair after checking its real type and size."""
    order = _lock(order, version)
    transitions.check("add_photo", staff, order)
    if stage not in PhotoStage.values:
        raise ValidationError(_("请选择照片阶段（维修前/维修后）。"))
    max_mb = settings.SHOUWEN_ATTACHMENT_MAX_MB
    size = upload.size or 0
    if size > max_mb * 1024 * 1024:
        raise ValidationError(_("文件不能超过 %(mb)s MB") % {"mb": max_mb})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = case_services.sniff_attachment_type(head)
    if sniffed is None or not sniffed[0].startswith("image/"):
        raise ValidationError(_("只能上传照片（JPG、PNG、WebP、GIF、HEIC）。"))
    content_type, suffix = sniffed
    photo = WorkOrderPhoto(
        work_order=order, stage=stage, content_type=content_type, size=size, uploaded_by=staff
    )
    photo.file.save(f"photo{suffix}", upload, save=False)
    photo.save()
    event(order, staff, "add_photo", label_text(PhotoStage(photo.stage).label), photo=photo.pk)
    _save(order)
    return photo


@transaction.atomic
def complete_work_order(staff: Staff, order: WorkOrder, *, version: int | None = None) -> WorkOrder:
    """Mark the job done (完工); the repair case resolves when nothing is left to do on it."""
    order = _lock(order, version)
    transitions.apply("complete", staff, order)
    order.done_at = timezone.now()
    event(order, staff, "complete", order.plan, total=str(order.total), paid=order.paid)
    _save(order, "state", "done_at")
    resolve_case_if_finished(order, staff)
    return order


@transaction.atomic
def sign_work_order(
    staff: Staff,
    order: WorkOrder,
    *,
    data_url: str,
    opinion: str = "",
    rating: str = "",
    version: int | None = None,
) -> WorkOrder:
    """Keep the resident's signature (a PNG drawn on the phone) with the time and their opinion."""
    check_long(opinion=opinion)
    order = _lock(order, version)
    transitions.check("sign", staff, order)
    if rating and rating not in Rating.values:
        raise ValidationError(_("请选择住户评价。"))
    png = decode_signature(data_url)
    order.signature.save("signature.png", ContentFile(png), save=False)
    order.signed_at = timezone.now()
    order.resident_opinion = opinion.strip()
    order.resident_rating = rating
    event(order, staff, "sign", order.resident_opinion, rating=rating)
    _save(order, "signature", "signed_at", "resident_opinion", "resident_rating")
    return order


@transaction.atomic
def refuse_signature(
    staff: Staff, order: WorkOrder, *, reason: str, opinion: str = "", version: int | None = None
) -> WorkOrder:
    """Record that the resident refused to sign, and why (the job stays done)."""
    check_lengths({"reason": ((reason or "").strip(), field_max(WorkOrder, "signature_refused_reason"))})
    check_long(opinion=opinion)
    order = _lock(order, version)
    transitions.check("refuse_signature", staff, order)
    order.signature_refused_reason = _required(reason, _("请填写住户拒签的原因。"))
    order.resident_opinion = opinion.strip()
    event(order, staff, "refuse_signature", order.signature_refused_reason)
    _save(order, "signature_refused_reason", "resident_opinion")
    return order


@transaction.atomic
def record_payment(
    staff: Staff,
    order: WorkOrder,
    *,
    method: str,
    amount: Decimal | int | str,
    receipt_no: str,
    version: int | None = None,
) -> WorkOrder:
    """Record the resident's payment of a paid job: method, amount (the total) and receipt number."""
    check_lengths({"receipt_no": ((receipt_no or "").strip(), field_max(WorkOrder, "receipt_no"))})
    order = _lock(order, version)
    transitions.check("record_payment", staff, order)
    if method not in PaymentMethod.values:
        raise ValidationError(_("请选择付款方式。"))
    received = to_decimal(amount, label=_("实收金额"))
    if received != order.total:
        raise ValidationError(
            _("实收金额 ¥%(amount)s 与合计 ¥%(total)s 不符。") % {"amount": received, "total": order.total}
        )
    order.payment_method = method
    order.payment_amount = order.total
    order.receipt_no = _required(receipt_no, _("请填写收据号或交易单号。"))
    order.paid_at = timezone.now()
    order.payment_recorded_by = staff
    event(
        order,
        staff,
        "record_payment",
        f"{order.get_payment_method_display()} ¥{order.total} · {order.receipt_no}",
        amount=str(order.total),
    )
    _save(order, "payment_method", "payment_amount", "receipt_no", "paid_at", "payment_recorded_by")
    return order


# ---------------------------------------------------------------- cancel, rework, re-inspection


@transaction.atomic
def cancel_work_order(
    staff: Staff, order: WorkOrder, *, reason: str, version: int | None = None
) -> WorkOrder:
    """Cancel an order with a reason (it stays on record); the case may then be finished."""
    check_long(reason=reason)
    order = _lock(order, version)
    transitions.apply("cancel", staff, order)
    order.cancel_reason = _required(reason, _("取消工作单必须填写原因。"))
    order.cancelled_at = timezone.now()
    event(order, staff, "cancel", order.cancel_reason)
    _save(order, "state", "cancel_reason", "cancelled_at")
    resolve_case_if_finished(order, staff)
    return order


@transaction.atomic
def rework(
    staff: Staff,
    order: WorkOrder,
    *,
    reason: str,
    technicians: Sequence[Staff] | None = None,
    appointment_at: datetime | None = None,
    version: int | None = None,
) -> WorkOrder:
    """Open a rework order linked to a done one (e.g. the return visit found it unsolved)."""
    check_long(reason=reason)
    order = _lock(order, version)
    transitions.check("rework", staff, order)
    reason = _required(reason, _("返工必须填写原因。"))
    reopen_if_resolved(staff, order.case, _("返工：%(reason)s") % {"reason": reason})
    new = _create(
        staff,
        order.case,
        trade=order.trade,
        urgency=order.urgency,
        appointment_at=appointment_at,
        appointment_note="",
        technicians=crew(order) if technicians is None else technicians,
        description=_("返工（原工作单 %(number)s）：%(reason)s") % {"number": order.number, "reason": reason},
        kind=OrderKind.REWORK,
        rework_of=order,
        needs_reinspection=order.needs_reinspection,
        responsibility=order.responsibility,
    )
    event(order, staff, "rework", new.number)
    return new


@transaction.atomic
def reinspect(
    staff: Staff,
    order: WorkOrder,
    *,
    technicians: Sequence[Staff] | None = None,
    appointment_at: datetime | None = None,
    note: str = "",
    version: int | None = None,
) -> WorkOrder:
    """Open a re-inspection (复检) linked to a done order, to check it with the resident who then signs."""
    note = (note or "").strip()
    check_lengths({"note": (note, field_max(WorkOrder, "appointment_note"))})
    order = _lock(order, version)
    transitions.check("reinspect", staff, order)
    reopen_if_resolved(staff, order.case, _("安排复检"))
    new = _create(
        staff,
        order.case,
        trade=Trade.OTHER,
        urgency=Urgency.NORMAL,
        appointment_at=appointment_at,
        appointment_note=note,
        technicians=crew(order) if technicians is None else technicians,
        description=_("复检（原工作单 %(number)s）：%(what)s") % {"number": order.number, "what": order.plan},
        kind=OrderKind.REINSPECTION,
        rework_of=order,
        responsibility=order.responsibility,
        plan=_("复检"),
    )
    event(order, staff, "reinspect", new.number)
    return new
