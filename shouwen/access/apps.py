from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    """Roles, estate scoping and the personal-data access log."""

    name = "shouwen.access"
    verbose_name = _("权限与访问记录")
