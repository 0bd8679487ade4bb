"""The resident's pages: my matters, a matter, reporting, adding information, return visit, cancelling."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shouwen.cases.idempotency import IdempotencyConflict
from shouwen.cases.models import Case
from shouwen.cases.receipt import promised_label
from shouwen.directory.models import Resident
from shouwen.portal import auth, queries, services
from shouwen.portal.forms import AddInformationForm, CancelForm, ReportForm, ReturnVisitForm
from shouwen.portal.views_auth import page


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@never_cache
@auth.resident_required
def home(request: HttpRequest) -> HttpResponse:
    """My units and my matters, open ones first."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    cases = list(queries.cases_of(resident).order_by("closed_at", "-created_at", "-pk")[:100])
    rows = [(case, promised_label(case) if case.is_active else "") for case in cases]
    return page(
        request,
        "portal/home.html",
        {
            "occupancies": list(queries.current_occupancies(resident)),
            "rows": rows,
            "report_url": reverse("portal:report"),
        },
    )


def _units(resident: Resident) -> list[tuple[int, str]]:
    return [
        (o.unit_id, f"{o.unit.building.estate.name} {o.unit.label}")
        for o in queries.current_occupancies(resident)
    ]


@never_cache
@auth.resident_required
def report(request: HttpRequest) -> HttpResponse:
    """Report a repair or a complaint with photos; the page's key makes a double submit one case."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    units = _units(resident)
    if request.method != "POST":
        form = ReportForm(units=units, initial={"key": uuid.uuid4().hex})
        return page(request, "portal/report.html", {"form": form})
    form = ReportForm(request.POST, request.FILES, units=units)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case, _created = services.report(
                resident,
                category=data["category"],
                content=data["content"],
                unit=data["unit"],
                location=data["location"],
                preferred_time=data["preferred_time"],
                photos=data["photos"],
                key=data["key"] or "",
            )
        except IdempotencyConflict:
            form = ReportForm(request.POST, units=units, initial={"key": uuid.uuid4().hex})
            form.data = {**request.POST.dict(), "key": uuid.uuid4().hex}
            form.add_error(None, _("页面已过期，请核对后重新提交。"))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("已受理，编号 %(number)s。我们会尽快处理。") % {"number": case.number}
            )
            return redirect("portal:case", pk=case.pk)
    return page(request, "portal/report.html", {"form": form}, status=400)


def viewer_of_case(request: HttpRequest, pk: int) -> tuple[Resident, Case] | None:
    """Return the resident and the case if this session may see it (its resident, or its receipt link)."""
    resident = auth.current_resident(request)
    if resident is not None:
        case = queries.cases_of(resident).filter(pk=pk).first()
        return (resident, case) if case is not None else None
    grant = auth.link_grant(request)
    if grant is not None and grant[1] == pk:
        case = queries.cases_of(grant[0]).filter(pk=pk).first()
        return (grant[0], case) if case is not None else None
    return None


def _case_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let through a session that may see case ``pk``; others sign in, or get "not found"."""

    def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
        found = viewer_of_case(request, pk)
        if found is None:
            if auth.current_resident(request) is None and auth.link_grant(request) is None:
                return auth.resident_required(lambda r: HttpResponse())(request)
            raise Http404
        return view(request, *found)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


def case_context(resident: Resident, case: Case, **forms: Any) -> dict[str, Any]:
    """Return what the matter page shows, with the forms of what the resident may do now."""
    visit = services.open_visit(case)
    cancel = services.pending_cancel(case)
    return {
        "case": case,
        "status": queries.status_label(case),
        "promised": promised_label(case) if case.is_active else "",
        "accountable": queries.accountable_label(case),
        "lines": queries.resident_timeline(case),
        "photos": case.attachments.filter(content_type__startswith="image/").count(),
        "visit": visit,
        "cancel": cancel,
        "add_form": forms.get("add_form") or (AddInformationForm() if case.is_active else None),
        "visit_form": forms.get("visit_form") or (ReturnVisitForm() if visit else None),
        "cancel_form": forms.get("cancel_form") or (CancelForm() if case.is_active and not cancel else None),
    }


@_case_view
def case_page(request: HttpRequest, resident: Resident, case: Case) -> HttpResponse:
    """One matter: its status, number, promised time, who answers for it and its history."""
    return page(request, "portal/case.html", case_context(resident, case))


def _act(
    request: HttpRequest,
    resident: Resident,
    case: Case,
    form: Form,
    name: str,
    action: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except services.NotYours:
            raise Http404 from None
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("portal:case", pk=case.pk)
    return page(request, "portal/case.html", case_context(resident, case, **{name: form}), status=400)


@require_POST
@_case_view
def add_information(request: HttpRequest, resident: Resident, case: Case) -> HttpResponse:
    """Add words or photos to an open matter."""
    form = AddInformationForm(request.POST, request.FILES)
    return _act(
        request,
        resident,
        case,
        form,
        "add_form",
        lambda d: services.add_information(resident, case, text=d["text"], photos=d["photos"]),
        _("已补充，负责人会看到。"),
    )


@require_POST
@_case_view
def answer_visit(request: HttpRequest, resident: Resident, case: Case) -> HttpResponse:
    """Answer the return visit: satisfied closes the matter, unsatisfied sends it back."""
    form = ReturnVisitForm(request.POST)
    return _act(
        request,
        resident,
        case,
        form,
        "visit_form",
        lambda d: services.answer_return_visit(
            resident, case, satisfaction=d["satisfaction"], comments=d["comments"]
        ),
        _("感谢您的评价。"),
    )


@require_POST
@_case_view
def request_cancel(request: HttpRequest, resident: Resident, case: Case) -> HttpResponse:
    """Ask the desk to cancel the matter (the desk decides; nothing is deleted)."""
    form = CancelForm(request.POST)
    return _act(
        request,
        resident,
        case,
        form,
        "cancel_form",
        lambda d: services.request_cancel(resident, case, reason=d["reason"]),
        _("撤销申请已提交，客服会尽快处理并答复您。"),
    )
