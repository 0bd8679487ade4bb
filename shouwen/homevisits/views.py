"""Home-visit pages: my plan for today (phone width), recording a visit, the visit, coverage, areas."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset, visible_estate_ids
from shouwen.core.action_views import acting_staff
from shouwen.core.forms import attach_errors
from shouwen.core.params import parse_id
from shouwen.directory.models import Building, Estate, Unit
from shouwen.homevisits import services
from shouwen.homevisits.forms import HomeVisitForm, VisitAreaForm, VisitCaseForm
from shouwen.homevisits.models import HomeVisit, VisitArea


class TodayPlanView(CapabilityRequiredMixin, TemplateView):
    """The households to visit today, with whom to call first, and what is done."""

    required_cap = Cap.HOMEVISIT_WORK
    template_name = "homevisits/today.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        staff = acting_staff(self.request)
        area = services.area_of(staff)
        today = timezone.localdate()
        items = services.plan_for_day(area, today) if area is not None else []
        rows = []
        for item in items:
            resident = services.household_of(item.unit, today)
            phone = resident.phones.first() if resident is not None else None
            rows.append({"item": item, "resident": resident, "phone": phone.number if phone else ""})
        recent = scope_queryset(HomeVisit.objects.filter(visitor=staff), self.request.user).select_related(
            "unit__building", "case"
        )[:10]
        ctx.update(
            {
                "area": area,
                "today": today,
                "rows": rows,
                "done": sum(1 for i in items if i.visit_id),
                "recent": recent,
            }
        )
        return ctx


def _unit_for(request: HttpRequest) -> Unit | None:
    units = scope_queryset(Unit.objects.select_related("building__estate"), request.user)
    unit_id = parse_id(request.GET.get("unit") or request.POST.get("unit"))
    if unit_id is not None:
        return units.filter(pk=unit_id).first()
    text = request.GET.get("unit_text", "")
    return services.find_unit(visible_estate_ids(request.user), text) if text else None


class RecordVisitView(CapabilityRequiredMixin, TemplateView):
    """The form of one visit to a household (from the plan, or a unit typed as 3-2-1502)."""

    required_cap = Cap.HOMEVISIT_WORK
    template_name = "homevisits/record.html"

    def form_for(self, unit: Unit, data: Any = None) -> HomeVisitForm:
        staff = acting_staff(self.request)
        return HomeVisitForm(data, companions=services.companions_for(staff, unit.building.estate_id))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        unit = _unit_for(request)
        if unit is None:
            messages.error(request, _("没有找到该房屋，请按“3-2-1502”的格式填写楼栋、单元和房号。"))
            return HttpResponseRedirect(reverse("homevisits:today"))
        return self.render_to_response(self.context(unit, self.form_for(unit)))

    def context(self, unit: Unit, form: HomeVisitForm) -> dict[str, Any]:
        resident = services.household_of(unit)
        phone = resident.phones.first() if resident is not None else None
        return self.get_context_data(
            unit=unit,
            form=form,
            resident=resident,
            phone=phone.number if phone else "",
            history=HomeVisit.objects.filter(unit=unit).select_related("visitor", "case")[:10],
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        unit = _unit_for(request)
        if unit is None:
            raise Http404
        form = self.form_for(unit, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                visit = services.record_visit(
                    acting_staff(request),
                    unit=unit,
                    phoned_at=d["phoned_at"],
                    visited_at=d["visited_at"],
                    outcome=d["outcome"],
                    entered_home=d["entered_home"],
                    companion=d["companion"],
                    note_left=d["note_left"],
                    opinions=d["opinions"],
                    case_category=d["case_category"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                text = _("已记录 %(unit)s 的走访。") % {"unit": unit.label}
                if visit.case is not None:
                    text += _("住户意见已登记为事项 %(number)s。") % {"number": visit.case.number}
                messages.success(request, text)
                return HttpResponseRedirect(reverse("homevisits:today"))
        return self.render_to_response(self.context(unit, form))


class VisitDetailView(CapabilityRequiredMixin, TemplateView):
    """One visit record; an opinion not yet acted on becomes a case in one click."""

    required_cap = Cap.HOMEVISIT_WORK
    template_name = "homevisits/detail.html"
    model = HomeVisit

    def visit(self) -> HomeVisit:
        qs = scope_queryset(HomeVisit.objects.all(), self.request.user).select_related(
            "unit__building", "resident", "visitor", "companion", "case"
        )
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        visit = kwargs.get("visit") or self.visit()
        ctx.update(
            {
                "visit": visit,
                "form": kwargs.get("form") or VisitCaseForm(),
                "can_open_case": bool(visit.opinions) and visit.case_id is None,
            }
        )
        return ctx


class VisitCaseView(VisitDetailView):
    """POST: register the visit's opinion as a case."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = self.visit()
        form = VisitCaseForm(request.POST)
        if form.is_valid():
            try:
                case = services.open_case_from_visit(
                    acting_staff(request), visit, form.cleaned_data["category"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已登记为事项 %(number)s。") % {"number": case.number})
                return HttpResponseRedirect(reverse("homevisits:detail", args=[visit.pk]))
        return self.render_to_response(self.get_context_data(visit=visit, form=form))


class CoverageView(CapabilityRequiredMixin, TemplateView):
    """Households visited in the last 365 days over occupied ones, per assistant and per estate."""

    required_cap = Cap.HOMEVISIT_MANAGE
    template_name = "homevisits/coverage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["coverage"] = services.coverage(sorted(visible_estate_ids(self.request.user)))
        return ctx


class AreaEditView(CapabilityRequiredMixin, TemplateView):
    """Give an assistant their buildings (new area, or ``pk`` to change one)."""

    required_cap = Cap.HOMEVISIT_MANAGE
    template_name = "homevisits/area.html"
    model = VisitArea

    def area(self) -> VisitArea | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            scope_queryset(VisitArea.objects.all(), self.request.user), pk=self.kwargs["pk"]
        )

    def estate(self, area: VisitArea | None) -> Estate:
        if area is not None:
            return area.estate
        estates = scope_queryset(Estate.objects.all(), self.request.user)
        estate_id = parse_id(self.request.GET.get("estate") or self.request.POST.get("estate"))
        chosen = (
            estates.filter(pk=estate_id).first()
            if estate_id is not None
            else estates.order_by("code").first()
        )
        if chosen is None:
            raise Http404
        return chosen

    def form_for(self, estate: Estate, area: VisitArea | None, data: Any = None) -> VisitAreaForm:
        initial = (
            {
                "assistant": area.assistant_id,
                "buildings": list(area.buildings.values_list("pk", flat=True)),
                "cycle_start": area.cycle_start,
            }
            if area is not None
            else {}
        )
        return VisitAreaForm(
            data,
            initial=initial,
            assistants=services.assistants_of([estate.pk]),
            buildings=Building.objects.filter(estate=estate).order_by("code"),
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        area = self.area()
        estate = self.estate(area)
        return self.render_to_response(self.ctx(estate, area, self.form_for(estate, area)))

    def ctx(self, estate: Estate, area: VisitArea | None, form: VisitAreaForm) -> dict[str, Any]:
        return self.get_context_data(
            estate=estate,
            area=area,
            form=form,
            estates=scope_queryset(Estate.objects.all(), self.request.user).order_by("code"),
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        area = self.area()
        estate = self.estate(area)
        form = self.form_for(estate, area, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_area(
                    acting_staff(request),
                    estate=estate,
                    assistant=d["assistant"],
                    buildings=d["buildings"],
                    cycle_start=d["cycle_start"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("已保存 %(name)s 的走访责任区。") % {"name": d["assistant"].name})
                return HttpResponseRedirect(reverse("homevisits:coverage"))
        return self.render_to_response(self.ctx(estate, area, form))
