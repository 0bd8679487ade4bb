"""Case pages: intake, queues and search, the case page with its actions, the receipt."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset, signed_in, staff_of
from shouwen.cases import forms as case_forms
from shouwen.cases import queries, queues, services, transitions
from shouwen.cases.filters import CaseFilterSet
from shouwen.cases.models import ACTIVE_STATUSES, Case, Contact, Handover
from shouwen.core.forms import attach_errors
from shouwen.core.params import parse_id
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate, Occupancy, Resident
from shouwen.directory.phones import normalize_phone
from shouwen.directory.search import number_lookup, record_number_lookup
from shouwen.procedures.models import Procedure


def _me(request: HttpRequest):  # noqa: ANN202 - Staff
    staff = staff_of(request.user)
    if staff is None:
        raise PermissionDenied(_("只有员工可以使用此功能。"))
    return staff


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class IntakeView(CapabilityRequiredMixin, TemplateView):
    """Register a call or visit (来电来访登记) in under 30 seconds."""

    required_cap = Cap.CASE_REGISTER
    template_name = "cases/intake.html"

    def estates(self) -> QuerySet[Estate]:
        return scope_queryset(Estate.objects.all(), self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        if "form" not in ctx:
            ctx["form"] = case_forms.IntakeForm(estates=self.estates(), initial={"token": uuid.uuid4().hex})
        ctx["procedures"] = Procedure.objects.filter(active=True).prefetch_related("items")
        ctx["me"] = _me(self.request)
        return ctx

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from shouwen.cases.idempotency import IdempotencyConflict, register_idempotently

        staff = _me(request)
        form = case_forms.IntakeForm(request.POST, estates=self.estates())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        d = form.cleaned_data

        try:
            # Checked and cut for search before the registration's transaction opens.
            draft = services.prepare_contact(
                staff,
                estate=d["estate"],
                channel=d["channel"],
                category=d["category"],
                content=d["content"],
                # The resident's name stands in for the caller's, as far as the field holds it.
                caller_name=d["caller_name"]
                or (
                    d["resident"].name[: Contact._meta.get_field("caller_name").max_length]
                    if d["resident"]
                    else ""
                ),
                caller_phone=d["caller_phone"],
                resident=d["resident"],
                unit=d["unit"],
                public_area=d["public_area"],
                location=d["location"],
                answered_on_spot=d["answered_on_spot"],
                answer=d["answer"],
                severity=d["severity"],
                complained_party=d["complained_party"],
                complained_department=d["complained_department"],
                incident=d["incident"],
                demand=d["demand"],
                preferred_time=d["preferred_time"],
                procedure=d["procedure"],
                documents_provided=[int(i) for i in d["documents_provided"]],
                received_at=d["received_at"],
            )
            payload = {k: v for k, v in request.POST.lists() if k not in ("csrfmiddlewaretoken", "token")}
            contact, _created = register_idempotently(
                signed_in(request.user), f"page:{d['token']}", payload, lambda: services.save_contact(draft)
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        except IdempotencyConflict:
            messages.error(request, _("该表单已提交过，请勿重复提交。"))
            return HttpResponseRedirect(reverse("cases:intake"))
        if contact.case_id is None:
            messages.success(request, _("已登记并当场答复，本次来电来访已计入统计。"))
            return HttpResponseRedirect(reverse("cases:intake"))
        messages.success(
            request,
            _("已立项，事项编号 %(number)s，请告知住户。") % {"number": contact.case.number},  # type: ignore[union-attr]
        )
        return HttpResponseRedirect(reverse("cases:detail", args=[contact.case.number]))  # type: ignore[union-attr]


class CallerLookupView(CapabilityRequiredMixin, View):
    """htmx fragment: the residents behind a typed phone number, their units and recent matters.

    Staff who may not see numbers (technicians, security…) must type the whole number; their
    lookups are logged like any other (see :func:`shouwen.directory.search.number_lookup`).
    """

    required_cap = Cap.CASE_REGISTER

    def get(self, request: HttpRequest) -> HttpResponse:
        raw = request.GET.get("caller_phone", "")
        digits = normalize_phone(raw)
        lookup = number_lookup(request.user, raw)
        visible = scope_queryset(Resident.objects.all(), request.user)
        record_number_lookup(request.user, lookup, visible, request.META.get("REMOTE_ADDR"))
        residents: list[Resident] = []
        if lookup is not None and not lookup.refused:
            qs = visible
            estate = parse_id(request.GET.get("estate"))
            if estate is not None:
                qs = qs.filter(estate_id=estate)
            residents = list(
                qs.filter(pk__in=lookup.phones().values("resident_id"))
                .select_related("estate")
                .prefetch_related("phones")[:8]
            )
            for r in residents:
                r.current_units = [  # type: ignore[attr-defined]
                    o
                    for o in Occupancy.objects.filter(Occupancy.current_q(), resident=r).select_related(
                        "unit__building"
                    )
                ]
                r.recent_cases = list(  # type: ignore[attr-defined]
                    Case.objects.filter(resident=r).select_related("accountable").order_by("-created_at")[:5]
                )
        return render(
            request,
            "cases/_caller_lookup.html",
            {"residents": residents, "digits": digits, "lookup": lookup},
        )


class ChecklistView(CapabilityRequiredMixin, View):
    """htmx fragment: the document checklist of a procedure, to tick what the resident brought."""

    required_cap = Cap.CASE_REGISTER

    def get(self, request: HttpRequest) -> HttpResponse:
        pk = parse_id(request.GET.get("procedure"))
        procedure = Procedure.objects.filter(pk=pk, active=True).first() if pk is not None else None
        items = procedure.items.filter(active=True) if procedure else []
        return render(request, "cases/_checklist.html", {"procedure": procedure, "items": items})


QUEUE_PAGE_SIZE = 50
QUEUE_MAX_PAGE = 1000  # 50,000 rows: further pages would scan ever more of the history


def _page_number(raw: str | None) -> int:
    """The requested page of a queue, 1 when missing or not a number, bounded to QUEUE_MAX_PAGE."""
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    return min(max(page, 1), QUEUE_MAX_PAGE)


class CaseQueueView(CapabilityRequiredMixin, TemplateView):
    """The queues of :mod:`shouwen.cases.queues` and search, filtered by the shared :class:`CaseFilterSet`."""

    required_cap = Cap.CASE_VIEW
    template_name = "cases/queue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        staff = _me(self.request)
        scoped = scope_queryset(Case.objects.all(), self.request.user)
        q = self.request.GET.get("q", "").strip()
        code = self.request.GET.get("queue", "search" if q else queues.DEFAULT)
        queue = None if code == "search" else (queues.find(code) or queues.QUEUES[queues.DEFAULT])
        handovers: QuerySet[Handover] | None = None
        cases: QuerySet[Case] | None = None
        if queue is not None and queue.lists_handovers:
            handovers = queue.handover_rows(scoped, staff)
        else:
            data = self.request.GET.copy()
            data["queue"] = queue.code if queue is not None else ""
            # Newest first by id (ids follow registration): SQLite then walks the full-text matches in id
            # order and stops at the page's rows instead of fetching and sorting every match by time.
            filters = CaseFilterSet(data, queryset=scoped.order_by("-pk"), request=self.request)
            if queue is None and not q:
                cases = scoped.none()
            elif filters.is_valid():
                cases = filters.qs
            else:
                cases = scoped.none()
                ctx["filter_errors"] = [m for errors in filters.errors.values() for m in errors]
            ctx["lookup"] = filters.number_lookup
        page = _page_number(self.request.GET.get("page"))
        start = (page - 1) * QUEUE_PAGE_SIZE
        # One row more than the page shows tells whether there is a next page, without counting the
        # matches: counting them would cost more with every year of history.
        listed: QuerySet[Any]
        if cases is not None:
            listed = queries.with_list_columns(cases)
        else:
            assert handovers is not None  # every branch above chose one of the two
            listed = handovers
        rows = list(listed[start : start + QUEUE_PAGE_SIZE + 1])
        shown = rows[:QUEUE_PAGE_SIZE]
        current = queue.code if queue is not None else "search"
        base = {"queue": current, **({"q": q} if q else {})}
        ctx.update(
            {
                "queue": current,
                "queues": {c: row.label for c, row in queues.QUEUES.items()},
                "q": q,
                "cases": shown if cases is not None else None,
                "handovers": shown if handovers is not None else None,
                "page": page,
                "first_row": start + 1,
                "previous_url": "?" + urlencode({**base, "page": page - 1}) if page > 1 else None,
                "next_url": "?" + urlencode({**base, "page": page + 1})
                if len(rows) > QUEUE_PAGE_SIZE
                else None,
                "counts": {
                    c: (
                        row.handover_rows(scoped, staff)
                        if row.lists_handovers
                        else row.case_rows(scoped, staff)
                    )
                    .order_by()
                    .count()
                    for c, row in queues.QUEUES.items()
                    if row.counted
                },
            }
        )
        return ctx


def _case_for(request: HttpRequest, number: str) -> Case:
    """The case file of ``number`` among the user's estates (404 otherwise)."""
    return get_object_or_404(
        queries.case_file(scope_queryset(Case.objects.all(), request.user)), number=number
    )


class CaseDetailView(CapabilityRequiredMixin, TemplateView):
    """The case page: facts, accountability chain, timeline, documents, notes, attachments, actions."""

    required_cap = Cap.CASE_VIEW
    template_name = "cases/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        case = _case_for(self.request, kwargs["number"])
        staff = _me(self.request)
        actions = transitions.allowed_actions(staff, case)
        codes = {a.code for a in actions}
        ctx.update(
            {
                "case": case,
                "origin": case.origin,
                # The lists below were loaded with the case (queries.case_file), in the order shown.
                "chain": case.responsibilities.all(),
                "events": case.events.all(),
                "pending": transitions.pending_handover(case),
                "internal_notes": [n for n in case.notes.all() if n.kind == "internal"],
                "messages_to_resident": [n for n in case.notes.all() if n.kind == "to_resident"],
                "attachments": case.attachments.all(),
                "documents": case.documents.all(),
                "missing": services.missing_documents(case) if case.procedure_id else [],
                "notices": case.notices.all(),
                "contacts": case.contacts.all(),
                "actions": actions,
                "codes": codes,
                "forms": _action_forms(case, codes),
                "is_active": case.status in ACTIVE_STATUSES,
                "text_max": LONG_TEXT_MAX,
                "deadlines": case.deadlines.all(),
                "pauses": case.pauses.all(),
            }
        )
        return ctx


def _action_forms(case: Case, codes: set[str]) -> dict[str, forms.Form]:
    """Build an empty form for every action the person may take now."""
    builders: dict[str, Callable[[], forms.Form]] = {
        "hand_over": lambda: case_forms.HandOverForm(case=case),
        "reassign": lambda: case_forms.ReassignForm(case=case),
        "keep_in_stead": lambda: case_forms.KeepForm(case=case),
        "record_attribution": lambda: case_forms.AttributionForm(
            initial={"attribution": case.attribution or "undetermined", "note": case.attribution_note}
        ),
        "record_visit": lambda: case_forms.VisitForm(),
        "tick_documents": lambda: case_forms.DocumentsForm(case=case),
        "give_notice": lambda: case_forms.NoticeForm(),
        "attach": lambda: case_forms.AttachmentForm(),
        "pause": lambda: case_forms.PauseForm(),
    }
    return {code: build() for code, build in builders.items() if code in codes}


# Each action: the form it needs and how its cleaned data calls the service.
def _run_action(code: str, staff: Any, case: Case, request: HttpRequest) -> str:
    """Validate the action's form and call its service; return a success message."""
    post, files = request.POST, request.FILES
    pending = transitions.pending_handover(case)

    def text(required: bool = True) -> str:
        form = case_forms.TextForm(post) if required else case_forms.OptionalTextForm(post)
        if not form.is_valid():
            if not (post.get("text") or "").strip():
                raise ValidationError(_("请填写内容。"))
            raise ValidationError(list(form.errors["text"]))
        return str(form.cleaned_data["text"])

    def need_pending() -> Handover:
        if pending is None:
            raise services.CaseConflict(_("该转办已被处理，请刷新页面。"))
        return pending

    def valid(form: forms.Form) -> dict[str, Any]:
        if not form.is_valid():
            raise ValidationError(
                [
                    f"{form.fields[f].label if f in form.fields else ''}{e}"
                    for f, errs in form.errors.items()
                    for e in errs
                ]
            )
        return form.cleaned_data

    if code == "hand_over":
        d = valid(case_forms.HandOverForm(post, case=case))
        services.hand_over(
            staff, case, to_department=d["to_department"], to_staff=d["to_staff"], note=d["note"]
        )
        return _("已转办，等待对方接收；接收前您仍是责任人。")
    if code == "accept_handover":
        services.accept_handover(staff, need_pending())
        return _("已接收，您现在是该事项的责任人。")
    if code == "return_handover":
        services.return_handover(staff, need_pending(), reason=text())
        return _("已退回。")
    if code == "cancel_handover":
        services.cancel_handover(staff, need_pending(), reason=text(required=False))
        return _("已撤回转办。")
    if code == "keep_in_stead":
        d = valid(case_forms.KeepForm(post, case=case))
        services.keep_in_stead(staff, case, department=d["department"], note=d["note"])
        return _("已记录先行接收。")
    if code == "request_assignment":
        services.request_assignment(staff, case, note=text())
        return _("已请领导指派处理人。")
    if code == "reassign":
        d = valid(case_forms.ReassignForm(post, case=case))
        services.reassign(staff, case, to_staff=d["to_staff"], note=d["note"])
        return _("已指派处理人。")
    if code == "record_attribution":
        d = valid(case_forms.AttributionForm(post))
        services.record_attribution(staff, case, attribution=d["attribution"], note=d["note"])
        return _("已记录责任归属。")
    if code == "record_visit":
        d = valid(case_forms.VisitForm(post))
        services.record_visit(staff, case, channel=d["channel"], content=d["text"])
        return _("已登记本次来电来访。")
    if code == "tick_documents":
        d = valid(case_forms.DocumentsForm(post, case=case))
        services.tick_documents(staff, case, item_ids=[int(i) for i in d["items"]])
        return _("已核对资料。")
    if code == "give_notice":
        d = valid(case_forms.NoticeForm(post))
        services.give_one_time_notice(staff, case, channel=d["channel"])
        return _("已记录一次性告知。")
    if code == "accept_for_processing":
        services.accept_for_processing(staff, case, override_reason=text(required=False))
        return _("已受理办理。")
    if code in ("add_note", "add_message"):
        services.add_note(staff, case, text=text(), to_resident=code == "add_message")
        return _("已保存。")
    if code == "attach":
        d = valid(case_forms.AttachmentForm(post, files))
        services.add_attachment(staff, case, upload=d["upload"])
        return _("已上传附件。")
    if code == "resolve":
        services.resolve_case(staff, case, resolution=text())
        return _("已记录处理结果。")
    if code == "reopen":
        services.reopen_case(staff, case, reason=text())
        return _("已重新打开。")
    if code == "close":
        services.close_case(staff, case, note=text(required=False))
        return _("已办结。")
    if code == "decline":
        services.decline_case(staff, case, explanation=text())
        return _("已婉拒并记录理由。")
    if code == "void":
        services.void_case(staff, case, reason=text())
        return _("已作废，记录保留。")
    if code == "pause":
        from shouwen.cases.services import pause_case

        d = valid(case_forms.PauseForm(post))
        pause_case(staff, case, reason=d["reason"], note=d["note"])
        return _("已暂停计时，暂停期间不计入时限。")
    if code == "resume":
        from shouwen.cases.services import resume_case

        resume_case(staff, case, note=text(required=False))
        return _("已恢复计时，各项时限已顺延。")
    if code == "send_receipt":
        services.send_receipt(staff, case)
        return _("回执短信已发送。")
    raise Http404(code)


class CaseActionView(CapabilityRequiredMixin, View):
    """POST one action from the case page; errors come back as messages, nothing half-done."""

    required_cap = Cap.CASE_VIEW

    def post(self, request: HttpRequest, number: str, code: str) -> HttpResponse:
        if code not in transitions.ACTIONS:
            raise Http404(code)
        case = _case_for(request, number)
        staff = _me(request)
        url = reverse("cases:detail", args=[case.number])
        try:
            messages.success(request, _run_action(code, staff, case, request))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        except services.CaseConflict as exc:
            messages.error(request, str(exc))
        except transitions.CaseActionDenied as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(url)


class ReceiptView(CapabilityRequiredMixin, TemplateView):
    """The printable receipt with the case number the resident can quote."""

    required_cap = Cap.CASE_VIEW
    template_name = "cases/receipt.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        case = _case_for(self.request, kwargs["number"])
        ctx.update({"case": case, "sms_text": services.receipt_text(case)})
        return ctx


class NoticePrintView(CapabilityRequiredMixin, TemplateView):
    """The printable one-time notice of everything still missing."""

    required_cap = Cap.CASE_VIEW
    template_name = "cases/notice_print.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        case = _case_for(self.request, kwargs["number"])
        missing = services.missing_documents(case)
        ctx.update({"case": case, "missing": missing, "text": services.notice_text(case, missing)})
        return ctx
