"""Case pages: intake, queues and search, the case page with its actions, the receipt."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Func, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.scope import is_company_wide, scope_queryset, signed_in, visible_estate_ids
from shouwen.cases import forms as case_forms
from shouwen.cases import queries, queues, saved_views, services, transitions
from shouwen.cases.filters import SORT_CHOICES, CaseFilterSet
from shouwen.cases.models import ACTIVE_STATUSES, Case, CaseStatus, Category, Handover, SavedView, Severity
from shouwen.core.action_views import ActionPostView, acting_staff, forms_for
from shouwen.core.forms import attach_errors
from shouwen.core.params import parse_id
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate, Occupancy, Resident, Staff
from shouwen.directory.phones import normalize_phone
from shouwen.directory.search import number_lookup, record_number_lookup
from shouwen.procedures.models import Procedure

_me = acting_staff


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
            draft = services.prepare_contact(staff, **form.registration())
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
        _warn_of_duplicates(request, contact.case)  # type: ignore[arg-type]
        return HttpResponseRedirect(reverse("cases:detail", args=[contact.case.number]))  # type: ignore[union-attr]


def _warn_of_duplicates(request: HttpRequest, case: Case) -> None:
    """Warn (not refuse) when the same unit or number has an open matter of this category from the last hour."""
    others = [c.number for c in services.possible_duplicates(case)[:5]]
    if others:
        messages.warning(
            request,
            _("注意：同一房屋或电话在一小时内已有同类未办结事项 %(numbers)s，请确认是否重复登记。")
            % {"numbers": "、".join(others)},
        )


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
            cases = self.filtered(ctx, scoped, queue, q)
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
        base = [(k, v) for k, v in self.request.GET.items() if k != "page" and v]
        base = [("queue", current), *[(k, v) for k, v in base if k != "queue"]]
        ctx.update(
            {
                "queue": current,
                "queues": {c: row.label for c, row in queues.QUEUES.items()},
                "q": q,
                "cases": shown if cases is not None else None,
                "handovers": shown if handovers is not None else None,
                "page": page,
                "first_row": start + 1,
                "previous_url": "?" + urlencode([*base, ("page", page - 1)]) if page > 1 else None,
                "next_url": "?" + urlencode([*base, ("page", page + 1)])
                if len(rows) > QUEUE_PAGE_SIZE
                else None,
                "this_query": urlencode(base),
                "counts": queue_counts(scoped, staff),
                **self.controls(staff),
            }
        )
        return ctx

    def filtered(
        self, ctx: dict[str, Any], scoped: QuerySet[Case], queue: queues.Queue | None, q: str
    ) -> QuerySet[Case]:
        """The queue's (or the search's) cases through the shared filters; errors go to ``ctx``."""
        data = self.request.GET.copy()
        data["queue"] = queue.code if queue is not None else ""
        # Newest first by id (ids follow registration): SQLite then walks the full-text matches in id
        # order and stops at the page's rows instead of fetching and sorting every match by time.
        filters = CaseFilterSet(data, queryset=scoped.order_by("-pk"), request=self.request)
        ctx["filters"] = filters
        if queue is None and not q:
            return scoped.none()
        if not filters.is_valid():
            ctx["filter_errors"] = [m for errors in filters.errors.values() for m in errors]
            return scoped.none()
        cases = filters.qs
        ctx["lookup"] = filters.number_lookup
        return cases

    def controls(self, staff: Staff | None) -> dict[str, Any]:
        """The filter bar's choices, the estate column, saved views and the bulk-reassign form."""
        user = self.request.user
        estate_ids = visible_estate_ids(user)
        # One query serves the department filter and the bulk form's handlers: the staff of the
        # estates with their departments (a department nobody works in has no cases to filter).
        people = list(case_forms.estate_staff(estate_ids))
        departments = {p.department.pk: p.department for p in people if p.department is not None}
        bulk = None
        if can(user, Cap.CASE_SUPERVISE):
            bulk = case_forms.BulkReassignForm(estate_ids=estate_ids)
            case_forms.choose_from(bulk, people)
        return {
            "show_estate": is_company_wide(user) or len(estate_ids) > 1,
            "estates": sorted({d.estate for d in departments.values()}, key=lambda e: e.name)
            if len(estate_ids) > 1
            else [],
            "departments": sorted(departments.values(), key=lambda d: (d.estate.name, d.name)),
            "categories": Category.choices,
            "severities": Severity.choices,
            "statuses": CaseStatus.choices,
            "deadline_kinds": dict(queries.deadline_kinds()),
            "sorts": SORT_CHOICES,
            "chosen": self.request.GET,
            "saved_views": list(SavedView.objects.filter(owner=staff)) if staff is not None else [],
            "bulk_form": bulk,
        }


def queue_counts(scoped: QuerySet[Case], staff: Staff | None) -> dict[str, int]:
    """The counts shown on the tabs, each its own COUNT subquery of one SELECT (a query, not one per tab).

    Each count is the queue's cases (a case has at most one pending handover, so a handover queue
    counts its cases); each subquery uses the same indexes as the queue itself.
    """
    counted = [row for row in queues.QUEUES.values() if row.counted]
    if staff is None:  # a superuser without a staff record: only impersonal queues, each counted
        return {row.code: row.case_rows(scoped, None).order_by().count() for row in counted}
    columns = {
        f"n_{row.code}": Subquery(
            row.case_rows(scoped, staff)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")[:1]
        )
        for row in counted
    }
    found: Any = Staff.objects.filter(pk=staff.pk).values(**columns).first() or {}
    return {row.code: int(found.get(f"n_{row.code}") or 0) for row in counted}


class BulkReassignView(CapabilityRequiredMixin, View):
    """POST: a supervisor names one handler for the ticked cases; each case is reassigned on its own."""

    required_cap = Cap.CASE_SUPERVISE

    def post(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("back", "")
        back_url = reverse("cases:queue") + ("?" + back if back else "")
        staff = _me(request)
        form = case_forms.BulkReassignForm(request.POST, estate_ids=visible_estate_ids(request.user))
        if staff is None or not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, "；".join(str(e) for e in errors))
            return HttpResponseRedirect(back_url)
        d = form.cleaned_data
        outcomes = services.reassign_many(
            staff,
            scope_queryset(Case.objects.all(), request.user),
            d["numbers"],
            to_staff=d["to_staff"],
            note=d["note"],
        )
        done = [o.number for o in outcomes if o.done]
        if done:
            messages.success(
                request,
                _("已指派给 %(name)s：%(numbers)s")
                % {"name": d["to_staff"].name, "numbers": "、".join(done)},
            )
        for o in outcomes:
            if not o.done:
                messages.error(
                    request, _("%(number)s 未指派：%(reason)s") % {"number": o.number, "reason": o.reason}
                )
        return HttpResponseRedirect(back_url)


class SavedViewSaveView(CapabilityRequiredMixin, View):
    """POST: save the current queue view under a name (the person's own list)."""

    required_cap = Cap.CASE_VIEW

    def post(self, request: HttpRequest) -> HttpResponse:
        staff = _me(request)
        query = request.POST.get("query", "")
        if staff is None:
            messages.error(request, _("只有员工可以保存视图。"))
        else:
            try:
                view = saved_views.save_view(staff, name=request.POST.get("name", ""), query=query)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("已保存视图“%(name)s”。") % {"name": view.name})
                query = view.query
        return HttpResponseRedirect(reverse("cases:queue") + "?" + saved_views.view_query(query))


class SavedViewForgetView(CapabilityRequiredMixin, View):
    """POST: remove one of the person's saved views."""

    required_cap = Cap.CASE_VIEW
    model = SavedView

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        staff = _me(request)
        # Someone else's view, like a missing one, is not there for this person.
        get_object_or_404(SavedView, pk=pk, owner=staff)
        try:
            saved_views.forget_view(staff, pk)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已删除保存的视图。"))
        return HttpResponseRedirect(reverse("cases:queue"))


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
        pending = transitions.pending_handover(case)
        actions = transitions.allowed_actions(staff, case, pending)
        codes = {a.code for a in actions}
        ctx.update(
            {
                "case": case,
                "origin": case.origin,
                # The lists below were loaded with the case (queries.case_file), in the order shown.
                "chain": case.responsibilities.all(),
                "events": case.events.all(),
                "pending": pending,
                "internal_notes": [n for n in case.notes.all() if n.kind == "internal"],
                "messages_to_resident": [n for n in case.notes.all() if n.kind == "to_resident"],
                "attachments": case.attachments.all(),
                "documents": case.documents.all(),
                "missing": services.missing_documents(case) if case.procedure_id else [],
                "notices": case.notices.all(),
                "contacts": case.contacts.all(),
                "actions": actions,
                "codes": codes,
                "forms": forms_for(actions, case),
                "is_active": case.status in ACTIVE_STATUSES,
                "text_max": LONG_TEXT_MAX,
                "deadlines": case.deadlines.all(),
                "pauses": case.pauses.all(),
            }
        )
        return ctx


class CaseActionView(ActionPostView):
    """POST any action of the case table from the case page (the table's rows are all there is)."""

    required_cap = Cap.CASE_VIEW
    table = transitions.TABLE

    def get_target(self, **kwargs: Any) -> Case:
        return _case_for(self.request, kwargs["number"])

    def done_url(self, target: Case, row: Any, result: Any) -> str:
        # A page elsewhere (the technician's /m/) may ask to come back to itself; only a path on this site.
        back = self.request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back.startswith("/"):
            return back
        return reverse("cases:detail", args=[target.number])


class ReceiptView(CapabilityRequiredMixin, TemplateView):
    """The printable receipt with the case number the resident can quote."""

    required_cap = Cap.CASE_VIEW
    template_name = "cases/receipt.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        case = _case_for(self.request, kwargs["number"])
        ctx.update(
            {
                "case": case,
                "sms_text": services.receipt_text(case, link=False),
                "promised": services.promised_label(case),
            }
        )
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
