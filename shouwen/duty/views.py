"""Duty pages: the week's roster and who is on duty now, handover sheets, the night log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.cases.lib import CaseConflict
from shouwen.core.action_views import acting_staff
from shouwen.core.forms import attach_errors
from shouwen.core.params import parse_id
from shouwen.directory.models import Estate, Staff
from shouwen.duty import services
from shouwen.duty.forms import NewSheetForm, NightHandledForm, NightToCaseForm, RosterEntryForm
from shouwen.duty.models import HandoverSheet, NightLogEntry, NightStatus, RosterEntry, SheetStatus


def _refusal(exc: Exception) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


class EstateMixin(CapabilityRequiredMixin):
    """The estate the page is about: ?estate= among those the user serves, else the first."""

    def estates(self) -> QuerySet[Estate]:
        return scope_queryset(Estate.objects.order_by("pk"), self.request.user)  # type: ignore[attr-defined]

    def estate(self) -> Estate:
        request = self.request  # type: ignore[attr-defined]
        wanted = parse_id(request.POST.get("estate") or request.GET.get("estate") or "")
        estates = self.estates()
        found = estates.filter(pk=wanted).first() if wanted is not None else None
        found = found or estates.first()
        if found is None:
            raise PermissionDenied(_("您没有服务的小区。"))
        return found


def duty_people(estate: Estate) -> QuerySet[Staff]:
    """Return the active staff serving the estate, by department and number."""
    return (
        Staff.objects.filter(is_active=True, estates=estate)
        .select_related("department")
        .order_by("department__pk", "staff_no")
    )


class RosterView(EstateMixin, TemplateView):
    """The week's roster of an estate (staff read it, the supervisor edits it) and who is on duty now."""

    required_cap = Cap.DUTY_VIEW
    method_caps = {"post": Cap.DUTY_MANAGE}
    template_name = "duty/roster.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        estate = self.estate()
        day = parse_date(self.request.GET.get("week", "") or "") or timezone.localdate()
        days = services.week_of(day)
        shifts = services.shifts_of(estate)
        entries = list(
            RosterEntry.objects.filter(estate=estate, date__range=(days[0], days[-1]))
            .select_related("staff__department", "shift")
            .order_by("staff__staff_no")
        )
        left = {s.entry_id: s for s in HandoverSheet.objects.filter(entry__in=entries).order_by("created_at")}
        rows = []
        for shift in shifts:
            cells = []
            for d in days:
                people = [e for e in entries if e.shift_id == shift.pk and e.date == d]
                for e in people:
                    e.sheet = left.get(e.pk)  # type: ignore[attr-defined]
                cells.append({"date": d, "entries": people})
            start, end = services.window(shift, days[0])
            rows.append({"shift": shift, "start": start, "end": end, "cells": cells})
        manager = can(self.request.user, Cap.DUTY_MANAGE)
        ctx.update(
            {
                "estate": estate,
                "estates": self.estates(),
                "days": days,
                "rows": rows,
                "today": timezone.localdate(),
                "previous": days[0] - timedelta(days=7),
                "next": days[0] + timedelta(days=7),
                "on_duty": services.on_duty(estate),
                "manager": manager,
            }
        )
        if manager:
            ctx.setdefault("form", RosterEntryForm(people=duty_people(estate), initial={"date": day}))
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        estate = self.estate()
        if request.POST.get("do") == "copy":
            day = parse_date(request.POST.get("week", "") or "") or timezone.localdate()
            made = services.copy_previous_week(acting_staff(request), estate, day)
            messages.success(request, _("已按上周排班填入 %(n)s 个班次。") % {"n": made})
            return HttpResponseRedirect(reverse("duty:roster") + f"?estate={estate.pk}&week={day:%Y-%m-%d}")
        form = RosterEntryForm(request.POST, people=duty_people(estate))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.add_roster_entry(
                    acting_staff(request), estate=estate, day=d["date"], kind=d["shift"], staff=d["staff"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("已排班：%(who)s。") % {"who": d["staff"].name})
                url = reverse("duty:roster") + f"?estate={estate.pk}&week={d['date']:%Y-%m-%d}"
                return HttpResponseRedirect(url)
        return self.render_to_response(self.get_context_data(form=form))


class RemoveRosterEntryView(CapabilityRequiredMixin, View):
    """Take a person off a shift (POST)."""

    required_cap = Cap.DUTY_MANAGE
    model = RosterEntry

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = get_object_or_404(scope_queryset(RosterEntry.objects.all(), request.user), pk=pk)
        try:
            services.remove_roster_entry(acting_staff(request), entry)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _refusal(exc))
        else:
            messages.success(request, _("已从值班表删除。"))
        return HttpResponseRedirect(
            reverse("duty:roster") + f"?estate={entry.estate_id}&week={entry.date:%Y-%m-%d}"
        )


def visible_sheets(request: HttpRequest) -> QuerySet[HandoverSheet]:
    """Return the sheets the user may open: their own, or all of their estates for a supervisor."""
    staff = acting_staff(request)
    scoped = scope_queryset(HandoverSheet.objects.all(), request.user)
    return services.sheets_for(staff, scoped)


class SheetListView(EstateMixin, TemplateView):
    """My handover sheets, the estate's for a supervisor, and starting the sheet of my shift."""

    required_cap = Cap.DUTY_VIEW
    template_name = "duty/sheets.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        estate = self.estate()
        staff = acting_staff(self.request)
        sheets = (
            visible_sheets(self.request)
            .filter(estate=estate)
            .select_related("outgoing", "incoming", "entry__shift")[:50]
        )
        people = duty_people(estate).exclude(pk=staff.pk)
        ctx.update(
            {
                "estate": estate,
                "estates": self.estates(),
                "sheets": sheets,
                "mine": services.current_entry(staff, estate),
                "now": timezone.now(),
            }
        )
        ctx.setdefault("form", NewSheetForm(people=people))
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        estate = self.estate()
        staff = acting_staff(request)
        form = NewSheetForm(request.POST, people=duty_people(estate).exclude(pk=staff.pk))
        if form.is_valid():
            try:
                sheet = services.create_sheet(
                    staff,
                    incoming=form.cleaned_data["incoming"],
                    estate=estate,
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("交接班记录已生成，请核对后等待接班人确认。"))
                return HttpResponseRedirect(reverse("duty:sheet", args=[sheet.pk]))
        return self.render_to_response(self.get_context_data(form=form))


class SheetView(CapabilityRequiredMixin, TemplateView):
    """One handover sheet: the outgoing person marks and counts; the incoming person accepts."""

    required_cap = Cap.DUTY_VIEW
    template_name = "duty/sheet.html"
    model = HandoverSheet

    def sheet(self) -> HandoverSheet:
        return get_object_or_404(
            visible_sheets(self.request).select_related("outgoing", "incoming", "entry__shift", "estate"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        sheet = self.sheet()
        staff = acting_staff(self.request)
        lines = list(sheet.cases.select_related("case__accountable", "case__unit__building", "handover"))
        waiting = sheet.status == SheetStatus.WAITING
        ctx.update(
            {
                "sheet": sheet,
                "held": [x for x in lines if x.section == "held"],
                "pending_out": [x for x in lines if x.section == "pending_out"],
                "pending_in": [x for x in lines if x.section == "pending_in"],
                "due_next": [x for x in lines if x.due_next_shift],
                "equipment": list(sheet.equipment.all()),
                "can_mark": waiting and staff.pk == sheet.outgoing_id,
                "can_accept": waiting and staff.pk == sheet.incoming_id,
                "night_open": services.unresolved_night_entries(sheet, timezone.now())
                if sheet.entry.shift.kind == "night" and waiting
                else 0,
                "now": timezone.now(),
            }
        )
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        sheet = self.sheet()
        staff = acting_staff(request)
        try:
            if request.POST.get("do") == "accept":
                services.accept_sheet(staff, sheet)
                messages.success(request, _("已接班确认，所交事项现由您负责。"))
            else:
                equipment = [
                    {
                        "id": row.pk,
                        "present": request.POST.get(f"eq-{row.pk}-present", row.present),
                        "lent": request.POST.get(f"eq-{row.pk}-lent", row.lent),
                        "missing": request.POST.get(f"eq-{row.pk}-missing", row.missing),
                        "note": request.POST.get(f"eq-{row.pk}-note", row.note),
                    }
                    for row in sheet.equipment.all()
                ]
                pass_on = [i for i in (parse_id(v) for v in request.POST.getlist("pass_on")) if i is not None]
                services.mark_sheet(
                    staff, sheet, pass_on=pass_on, equipment=equipment, notes=request.POST.get("notes", "")
                )
                messages.success(request, _("交接班记录已保存。"))
        except (ValidationError, PermissionDenied, CaseConflict, ValueError) as exc:
            messages.error(request, _refusal(exc))
        return HttpResponseRedirect(reverse("duty:sheet", args=[sheet.pk]))


class NightLogView(EstateMixin, TemplateView):
    """The night log of an estate: what is still open first, then the last days' entries."""

    required_cap = Cap.DUTY_VIEW
    template_name = "duty/night.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        estate = self.estate()
        since = timezone.now() - timedelta(days=3)
        entries = (
            NightLogEntry.objects.filter(estate=estate)
            .filter(Q(status=NightStatus.OPEN) | Q(called_at__gte=since))
            .select_related("recorded_by", "resolved_by", "contact__case")
            .order_by("-called_at")[:200]
        )
        ctx.update(
            {
                "estate": estate,
                "estates": self.estates(),
                "entries": entries,
                "open_count": NightLogEntry.objects.filter(estate=estate, status=NightStatus.OPEN).count(),
                "case_form": NightToCaseForm(),
                "handled_form": NightHandledForm(),
            }
        )
        return ctx


class NightEntryView(CapabilityRequiredMixin, View):
    """Settle one night-log entry (POST): register it as a case, or record it handled with its answer."""

    required_cap = Cap.DUTY_VIEW
    model = NightLogEntry

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = get_object_or_404(scope_queryset(NightLogEntry.objects.all(), request.user), pk=pk)
        staff = acting_staff(request)
        try:
            if request.POST.get("do") == "case":
                form: Any = NightToCaseForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("请选择类别。"))
                entry = services.night_entry_to_case(staff, entry, category=form.cleaned_data["category"])
                number = entry.contact.case.number if entry.contact and entry.contact.case else ""
                messages.success(request, _("已立项：%(number)s。") % {"number": number})
            else:
                services.night_entry_handled(staff, entry, answer=request.POST.get("answer", ""))
                messages.success(request, _("已记录处理答复。"))
        except (ValidationError, PermissionDenied, CaseConflict) as exc:
            messages.error(request, _refusal(exc))
        return HttpResponseRedirect(reverse("duty:night") + f"?estate={entry.estate_id}")
