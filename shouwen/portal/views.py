"""The resident's pages: my matters, a matter, reporting, adding information, return visit, cancelling."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from shouwen.cases.models import Case
from shouwen.cases.receipt import promised_label
from shouwen.directory.models import Resident
from shouwen.portal import auth, queries
from shouwen.portal.views_auth import page


@never_cache
@auth.resident_required
def home(request: HttpRequest) -> HttpResponse:
    """My units and my matters, open ones first."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    cases = list(queries.cases_of(resident).order_by("closed_at", "-created_at")[:100])
    rows = [(case, promised_label(case) if case.is_active else "") for case in cases]
    return page(
        request,
        "portal/home.html",
        {"occupancies": list(queries.current_occupancies(resident)), "rows": rows},
    )


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


@never_cache
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One matter: its status, number, promised time, who answers for it and its history."""
    found = viewer_of_case(request, pk)
    if found is None:
        if auth.current_resident(request) is None and auth.link_grant(request) is None:
            return auth.resident_required(lambda r: HttpResponse())(request)
        raise Http404
    resident, case = found
    get_object_or_404(Case, pk=case.pk)
    return page(request, "portal/case.html", case_context(resident, case))


def case_context(resident: Resident, case: Case) -> dict[str, object]:
    """Return what the matter page shows."""
    return {
        "case": case,
        "status": queries.status_label(case),
        "promised": promised_label(case) if case.is_active else "",
        "accountable": queries.accountable_label(case),
        "lines": queries.resident_timeline(case),
    }
