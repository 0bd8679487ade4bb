"""The admin site is for administrators only (the admin.site capability), signed in on the one sign-in page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.core.models import Lease, ThrottleRate


def _has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or can(user, Cap.ADMIN_SITE)))


def _login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Send everyone to the one sign-in page: the admin has no password form of its own.

    A password is therefore always checked by the same throttled code; a signed-in staff member
    without the admin capability is told so instead of being offered a second sign-in.
    """
    index = reverse("admin:index")
    target = request.GET.get("next", "") or index
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = index
    if request.user.is_authenticated:
        if _has_permission(request):
            return HttpResponseRedirect(target)
        return render(request, "core/admin_denied.html", status=403)
    return redirect_to_login(target, resolve_url("accounts:login"))


admin.site.has_permission = _has_permission  # type: ignore[method-assign]
admin.site.login = _login  # type: ignore[method-assign]
admin.site.site_header = _("首问客服系统 · 系统管理")
admin.site.site_title = _("首问系统管理")


@admin.register(ThrottleRate)
class ThrottleRateAdmin(admin.ModelAdmin[ThrottleRate]):
    """Request rates per scope; a change applies within a minute on every server process.

    Deleting a row puts the default from the settings back.
    """

    list_display = ["scope", "rate", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: ThrottleRate, form: ModelForm[Any], change: bool) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Lease)
class LeaseAdmin(admin.ModelAdmin):
    """Read-only: which worker last ran each periodic job, when, and how long it took."""

    list_display = [
        "name",
        "holder",
        "period_start",
        "started_at",
        "finished_at",
        "duration",
        "expires_at",
        "runs",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
