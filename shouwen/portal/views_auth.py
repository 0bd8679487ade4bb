"""The portal's sign-in pages: phone number, text-message code, choosing a household, receipt links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shouwen.core.net import client_ip
from shouwen.directory.models import Resident
from shouwen.portal import auth, signin


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a portal page with who is signed in."""
    resident = auth.current_resident(request)
    grant = auth.link_grant(request)
    context = {
        "portal_resident": resident or (grant[0] if grant else None),
        "portal_signed_in": resident is not None or grant is not None,
        **context,
    }
    return render(request, template, context, status=status)


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/r/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return reverse("portal:home")


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for the phone number, then send a code (the same answer for a number nobody has)."""
    if request.method == "GET" and auth.current_resident(request) is not None:
        return redirect(_next(request))
    context: dict[str, Any] = {"next": _next(request), "phone": "", "step": "phone"}
    if request.method != "POST":
        return page(request, "portal/sign_in.html", context)
    raw = request.POST.get("phone", "")[:20]
    context["phone"] = raw
    try:
        signin.request_code(raw, client_ip(request))
    except signin.CodeThrottled as throttled:
        context.update(error=throttled.messages[0])
        phone = signin.normalize_phone(raw)
        if signin.MOBILE.match(phone):
            context.update(step="code", phone=phone, masked=_masked(phone))
            context["minutes"] = settings.SHOUWEN_PORTAL_CODE_MINUTES
        response = page(request, "portal/sign_in.html", context, status=429)
        response["Retry-After"] = str(throttled.wait)
        return response
    except ValidationError as error:
        context.update(error=error.messages[0])
        return page(request, "portal/sign_in.html", context, status=400)
    phone = signin.clean_phone(raw)
    context.update(step="code", phone=phone, masked=_masked(phone))
    context["minutes"] = settings.SHOUWEN_PORTAL_CODE_MINUTES
    return page(request, "portal/sign_in.html", context)


@never_cache
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Check the code; one household signs in at once, several are offered to choose from."""
    raw = request.POST.get("phone", "")[:20]
    context: dict[str, Any] = {"next": _next(request), "phone": raw, "step": "code", "masked": _masked(raw)}
    context["minutes"] = settings.SHOUWEN_PORTAL_CODE_MINUTES
    try:
        residents = signin.verify_code(raw, request.POST.get("code", "")[:12], client_ip(request))
    except signin.CodeThrottled as throttled:
        context.update(error=throttled.messages[0])
        response = page(request, "portal/sign_in.html", context, status=429)
        response["Retry-After"] = str(throttled.wait)
        return response
    except ValidationError as error:
        context.update(error=error.messages[0])
        return page(request, "portal/sign_in.html", context, status=400)
    if len(residents) == 1:
        auth.sign_in(request, residents[0])
        return redirect(context["next"])
    auth.offer_choice(request, residents)
    return redirect("portal:choose")


@never_cache
def choose(request: HttpRequest) -> HttpResponse:
    """Pick which of the verified number's households to sign in as."""
    ids = request.session.get(auth.CHOICE_KEY)
    if not isinstance(ids, list) or not ids:
        return redirect("portal:sign_in")
    residents = list(Resident.objects.filter(pk__in=ids).select_related("estate").order_by("pk"))
    if request.method == "POST":
        wanted = request.POST.get("resident", "")
        chosen = next((r for r in residents if str(r.pk) == wanted), None)
        if chosen is not None:
            auth.sign_in(request, chosen)
            return redirect("portal:home")
    return page(request, "portal/choose.html", {"residents": residents})


@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Open the case a receipt's link names (that case only, as its resident)."""
    try:
        grant = signin.read_link(token)
    except ValidationError as error:
        context = {"next": reverse("portal:home"), "phone": "", "step": "phone", "error": error.messages[0]}
        return page(request, "portal/sign_in.html", context, status=400)
    resident = auth.current_resident(request)
    if resident is None or resident.pk != grant.resident_id:
        auth.sign_in_by_link(request, Resident.objects.get(pk=grant.resident_id), grant.case_id)
    return redirect("portal:case", pk=grant.case_id)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the resident's session (only the portal's: a staff session is not touched from here)."""
    if auth.current_resident(request) is not None or auth.link_grant(request) is not None:
        auth.sign_out(request)
    from django.contrib import messages

    messages.info(request, _("您已退出。"))
    return redirect("portal:sign_in")
