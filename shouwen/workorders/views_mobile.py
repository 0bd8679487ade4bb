"""The technician's phone pages under /m/: my jobs, the job with its one next step, the night log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.cases.models import Case, CaseEvent
from shouwen.cases.queries import handovers_waiting_for, visible_handovers
from shouwen.cases.transitions import CaseActionDenied
from shouwen.core.action_views import ActionPostView, acting_staff
from shouwen.core.forms import attach_errors
from shouwen.directory.models import Estate, Unit
from shouwen.directory.search import find_units, parse_unit_shorthand
from shouwen.duty.services import note_night_call, record_night_entry
from shouwen.workorders import forms as wo_forms
from shouwen.workorders import transitions
from shouwen.workorders.intake import register_night_call
from shouwen.workorders.models import (
    OPEN_STATES,
    PhotoStage,
    State,
    WorkOrder,
    WorkOrderTechnician,
)
from shouwen.workorders.services import reveal_contact_phone
from shouwen.workorders.warranty import propose_charge

me = acting_staff


def error_text(exc: ValidationError) -> str:
    """Join a validation error's messages for a page message."""
    return "；".join(exc.messages)


def with_crew(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Load each order's case, place and current crew in a fixed number of queries."""
    return queryset.select_related(
        "case__estate", "case__unit__building", "case__public_area", "case__origin", "case__accountable"
    ).prefetch_related(
        Prefetch(
            "crew",
            queryset=WorkOrderTechnician.objects.filter(removed_at__isnull=True)
            .select_related("staff")
            .order_by("position", "pk"),
            to_attr="current_crew",
        )
    )


def order_for(request: HttpRequest, number: str) -> WorkOrder:
    """Return the work order by number if it lies in one of the user's estates, else 404."""
    return get_object_or_404(with_crew(scope_queryset(WorkOrder.objects.all(), request.user)), number=number)


class MobileHomeView(CapabilityRequiredMixin, TemplateView):
    """My jobs: today, waiting for me to accept, to finish (signature, payment), coming days."""

    required_cap = Cap.WORKORDER_WORK
    template_name = "workorders/m_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        staff = me(self.request)
        scoped = scope_queryset(WorkOrder.objects.all(), self.request.user)
        mine = with_crew(
            scoped.filter(crew__staff=staff, crew__removed_at__isnull=True).exclude(state=State.CANCELLED)
        ).order_by("appointment_at", "created_at")
        today = timezone.localdate()
        tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
        open_mine = mine.filter(state__in=OPEN_STATES)
        current = WorkOrderTechnician.objects.filter(work_order=OuterRef("pk"), removed_at__isnull=True)
        ctx.update(
            {
                "me": staff,
                "today_jobs": open_mine.filter(
                    Q(appointment_at__lt=tomorrow) | Q(appointment_at__isnull=True) | ~Q(state=State.CREATED)
                ),
                "upcoming": open_mine.filter(appointment_at__gte=tomorrow, state=State.CREATED),
                "to_finish": mine.filter(state=State.DONE).filter(
                    Q(signature="", signature_refused_reason="") | Q(paid=True, paid_at__isnull=True)
                ),
                "unassigned": with_crew(scoped.filter(state=State.CREATED).filter(~Exists(current)))
                .filter(case__estate__in=staff.estates.all())
                .order_by("appointment_at", "created_at")[:20],
                "today": today,
                "handovers": visible_handovers(
                    handovers_waiting_for(staff), scope_queryset(Case.objects.all(), self.request.user)
                ).select_related("case__unit__building", "case__public_area")[:20],
            }
        )
        return ctx


# The step whose form the bottom button submits, when the step needs more than one tap.
FORM_STEPS = {"diagnose", "sign", "record_payment", "set_charge"}
BAR_LABELS = {
    "diagnose": gettext_lazy("保存诊断与方案"),
    "set_charge": gettext_lazy("保存费用"),
    "complete": gettext_lazy("完工"),
    "sign": gettext_lazy("确认签字"),
    "record_payment": gettext_lazy("确认收款"),
    "arrive": gettext_lazy("我已到场"),
    "set_out": gettext_lazy("出发"),
    "accept": gettext_lazy("接单"),
}


class JobView(CapabilityRequiredMixin, TemplateView):
    """One job on the phone: facts, what was done so far, and the one next action at the bottom."""

    required_cap = Cap.WORKORDER_VIEW
    template_name = "workorders/m_job.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        order = order_for(self.request, kwargs["number"])
        staff = me(self.request)
        codes = {a.code for a in transitions.allowed_actions(staff, order)}
        step = transitions.next_step(staff, order)
        proposal = propose_charge(order) if "set_charge" in codes else None

        def form(code: str, **kwargs: Any) -> Any:
            return transitions.TABLE[code].form(target=order, **kwargs)

        charge_initial = {
            "labour": order.labour,
            "paid": "1"
            if (order.paid if order.paid is not None else (proposal.paid if proposal else True))
            else "0",
            "override_reason": order.paid_override_reason,
        }
        ctx.update(
            {
                "order": order,
                "case": order.case,
                "me": staff,
                "crew": order.current_crew,  # type: ignore[attr-defined]
                "codes": codes,
                "step": step,
                "step_uses_form": step is not None and step.code in FORM_STEPS,
                "step_label": BAR_LABELS.get(step.code, step.label) if step is not None else "",
                "proposal": proposal,
                "materials": order.materials.filter(voided_at__isnull=True).order_by("added_at", "pk"),
                "photos": order.photos.all(),
                "photo_stages": PhotoStage.choices,
                "diagnosis_form": form("diagnose"),
                "material_form": form("add_material"),
                "charge_form": form("set_charge", initial=charge_initial),
                "signature_form": form("sign"),
                "refuse_form": form("refuse_signature"),
                "payment_form": form("record_payment"),
                "assign_form": form("assign") if "assign" in codes else None,
                "reinspect_form": form("reinspect") if "reinspect" in codes else None,
                "events": CaseEvent.objects.filter(
                    case=order.case, kind=CaseEvent.Kind.WORK_ORDER, data__work_order=order.number
                )
                .select_related("actor")
                .order_by("at", "pk"),
                "steps": _progress(order),
                "may_reveal": any(c.staff_id == staff.pk for c in order.current_crew)  # type: ignore[attr-defined]
                and order.state != State.CANCELLED,
                "revealed": kwargs.get("revealed"),
            }
        )
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Reveal the numbers to call about the job (logged); shown on this page only, never stored."""
        order = order_for(request, kwargs["number"])
        try:
            numbers = reveal_contact_phone(me(request), order, request.META.get("REMOTE_ADDR"))
        except (ValidationError, CaseActionDenied) as exc:
            messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
            return HttpResponseRedirect(reverse("mobile:job", args=[order.number]))
        return self.render_to_response(self.get_context_data(revealed=numbers, **kwargs))


def _progress(order: WorkOrder) -> list[tuple[str, bool]]:
    """Return the steps of the job with whether each is behind us, for the progress strip."""
    return [
        (_("接单"), order.accepted_at is not None),
        (_("出发"), order.on_way_at is not None),
        (_("到场"), order.arrived_at is not None),
        (_("诊断"), order.diagnosed_at is not None),
        (_("完工"), order.done_at is not None),
        (_("签字"), order.signature_settled),
        (_("收费"), order.state == State.DONE and order.payment_settled),
    ]


class JobActionView(ActionPostView):
    """POST any row of the work-order table from the job page (the table's rows are all there is)."""

    required_cap = Cap.WORKORDER_VIEW
    table = transitions.TABLE

    def get_target(self, **kwargs: Any) -> WorkOrder:
        return order_for(self.request, kwargs["number"])

    def done_url(self, target: WorkOrder, row: Any, result: Any) -> str:
        url = reverse("mobile:job", args=[target.number])
        return url + (f"#{row.anchor}" if row.anchor else "")


def resolve_unit(estate: Estate, text: str) -> Unit | None:
    """Return the estate's unit people call ``text`` (3-2-1502), None when empty; refuse when unclear."""
    text = (text or "").strip()
    if not text:
        return None
    ref = parse_unit_shorthand(text)
    units = list(find_units(Unit.objects.filter(building__estate=estate), ref)[:2]) if ref else []
    if len(units) != 1:
        raise ValidationError(
            _("找不到房屋“%(text)s”，请按“楼栋-单元-房号”填写，如 3-2-1502。") % {"text": text}
        )
    return units[0]


class NightCallView(CapabilityRequiredMixin, TemplateView):
    """The night technician registers a call (夜间值班记录) and may schedule a morning work order."""

    required_cap = Cap.WORKORDER_WORK
    template_name = "workorders/m_night.html"

    def estates(self) -> QuerySet[Estate]:
        return scope_queryset(Estate.objects.all(), self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", wo_forms.NightCallForm(estates=self.estates()))
        ctx["me"] = me(self.request)
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        staff = me(request)
        form = wo_forms.NightCallForm(request.POST, estates=self.estates())
        if form.is_valid():
            d = form.cleaned_data
            try:
                public_area = d["public_area"]
                if public_area is not None and public_area.estate_id != d["estate"].pk:
                    raise ValidationError(_("公共区域不属于该小区。"))
                if d["log_only"]:
                    entry = record_night_entry(
                        staff,
                        estate=d["estate"],
                        content=d["content"],
                        called_at=d["called_at"],
                        caller_name=d["caller_name"],
                        caller_phone=d["caller_phone"],
                        place=d["unit"] or (public_area.name if public_area is not None else ""),
                    )
                    messages.success(
                        request,
                        _("已记入夜间值班记录（%(time)s），早班交接时立项或答复。")
                        % {"time": timezone.localtime(entry.called_at).strftime("%H:%M")},
                    )
                    return HttpResponseRedirect(reverse("mobile:night"))
                # The call and its night-log entry are one registration: both are kept, or neither.
                with transaction.atomic():
                    result = register_night_call(
                        staff,
                        estate=d["estate"],
                        content=d["content"],
                        called_at=d["called_at"],
                        caller_name=d["caller_name"],
                        caller_phone=d["caller_phone"],
                        unit=resolve_unit(d["estate"], d["unit"]),
                        public_area=public_area,
                        repaired_now=d["repaired_now"],
                        answer=d["answer"],
                        morning_work_order=d["morning_work_order"] and not d["repaired_now"],
                        trade=d["trade"],
                        urgency=d["urgency"],
                    )
                    note_night_call(staff, result.contact)
            except ValidationError as exc:
                attach_errors(form, exc)  # at the field it names (来电时间, 来电内容 …)
            except CaseActionDenied as exc:
                form.add_error(None, str(exc))
            else:
                case = result.contact.case
                if result.work_order is not None:
                    text = _("已登记夜间来电，事项 %(case)s，次日工作单 %(order)s。") % {
                        "case": case.number if case else "",
                        "order": result.work_order.number,
                    }
                elif case is not None:
                    text = _("已登记夜间来电，事项 %(case)s。") % {"case": case.number}
                else:
                    text = _("已登记夜间来电（已当场处理）。")
                messages.success(request, text)
                return HttpResponseRedirect(reverse("mobile:night"))
        return self.render_to_response(self.get_context_data(form=form))
