"""The admin site is for administrators only (the admin.site capability)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap


def _has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or can(user, Cap.ADMIN_SITE)))


admin.site.has_permission = _has_permission  # type: ignore[method-assign]
admin.site.site_header = _("首问客服系统 · 系统管理")
admin.site.site_title = _("首问系统管理")
