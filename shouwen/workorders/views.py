"""Desk pages of work orders: open one from the case page, the printable PDF, photos, move-in defects."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.cases.models import Case
from shouwen.cases.transitions import CaseActionDenied
from shouwen.core.forms import attach_errors
from shouwen.core.params import parse_id
from shouwen.directory.models import Estate
from shouwen.workorders import forms as wo_forms
from shouwen.workorders import services
from shouwen.workorders.intake import register_move_in_defects
from shouwen.workorders.pdf import render_work_order_pdf
from shouwen.workorders.views_mobile import error_text, me, order_for, resolve_unit


class CreateFromCaseView(CapabilityRequiredMixin, View):
    """POST the case page's work-order form: open one and go back to the case."""

    required_cap = Cap.WORKORDER_VIEW

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        case = get_object_or_404(
            scope_queryset(Case.objects.select_related("estate"), request.user), number=number
        )
        staff = me(request)
        form = wo_forms.WorkOrderCreateForm(request.POST, estate=case.estate)
        url = reverse("cases:detail", args=[case.number]) + "#work-orders"
        if not form.is_valid():
            errors = [
                f"{form.fields[f].label if f in form.fields else ''}：{e}"
                for f, es in form.errors.items()
                for e in es
            ]
            messages.error(request, "；".join(errors))
            return HttpResponseRedirect(url)
        d = form.cleaned_data
        try:
            order = services.create_work_order(
                staff,
                case,
                trade=d["trade"],
                urgency=d["urgency"],
                appointment_at=d["appointment_at"],
                appointment_note=d["appointment_note"],
                technicians=form.technicians(),
                description=d["description"],
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        except CaseActionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("已开维修工作单 %(number)s，已通知维修人员。") % {"number": order.number}
            )
        return HttpResponseRedirect(url)


class WorkOrderPdfView(CapabilityRequiredMixin, View):
    """The printable work order (PDF) with the cost breakdown and the resident's signature."""

    required_cap = Cap.WORKORDER_VIEW

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        order = order_for(request, number)
        pdf = render_work_order_pdf(order, printed_by=me(request))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


def _stream(field_file: Any, content_type: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件已丢失，请联系管理员。")) from exc
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


class PhotoFileView(CapabilityRequiredMixin, View):
    """Stream a job photo after the estate check (media files are never served directly)."""

    required_cap = Cap.WORKORDER_VIEW

    def get(self, request: HttpRequest, number: str, photo_id: int) -> FileResponse:
        order = order_for(request, number)
        photo = get_object_or_404(order.photos.all(), pk=photo_id)
        return _stream(photo.file, photo.content_type)


class SignatureFileView(CapabilityRequiredMixin, View):
    """Stream the resident's signature image after the estate check."""

    required_cap = Cap.WORKORDER_VIEW

    def get(self, request: HttpRequest, number: str) -> FileResponse:
        order = order_for(request, number)
        if not order.signature:
            raise Http404(_("住户尚未签字。"))
        return _stream(order.signature, "image/png")


class MoveInDefectsView(CapabilityRequiredMixin, TemplateView):
    """Register the defects of a move-in inspection: one repair case and work order each (001 入住 ⑤)."""

    required_cap = Cap.WORKORDER_VIEW
    template_name = "workorders/move_in.html"

    def estates(self) -> QuerySet[Estate]:
        return scope_queryset(Estate.objects.all(), self.request.user)

    def estate(self) -> Estate:
        raw = self.request.POST.get("estate") or self.request.GET.get("estate", "")
        estates = self.estates()
        pk = parse_id(raw)
        chosen = estates.filter(pk=pk).first() if pk is not None else estates.first()
        if chosen is None:
            raise Http404(_("没有可用的小区。"))
        return chosen

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        estate = self.estate()
        ctx.setdefault("form", wo_forms.MoveInDefectsForm(estate=estate))
        ctx.update({"estate": estate, "estates": self.estates()})
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        staff = me(request)
        estate = self.estate()
        form = wo_forms.MoveInDefectsForm(request.POST, estate=estate)
        if form.is_valid():
            try:
                unit = resolve_unit(estate, form.cleaned_data["unit"])
                if unit is None:
                    raise ValidationError(_("请填写房屋。"))
                orders = register_move_in_defects(
                    staff, unit, form.defect_lines(), technicians=form.technicians()
                )
            except ValidationError as exc:
                attach_errors(form, exc, aliases={"content": "defects"})
            except CaseActionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("已登记 %(n)s 项验收问题（开发商遗留），工作单：%(numbers)s。")
                    % {"n": len(orders), "numbers": "、".join(o.number for o in orders)},
                )
                return HttpResponseRedirect(reverse("workorders:move_in") + f"?estate={estate.pk}")
        return self.render_to_response(self.get_context_data(form=form))
