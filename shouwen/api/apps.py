from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/."""

    name = "shouwen.api"
    verbose_name = _("接口")
