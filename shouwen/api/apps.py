from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/."""

    name = "shouwen.api"
    verbose_name = _("接口")

    def ready(self) -> None:
        """Register the schema corrections with drf-spectacular."""
        from shouwen.api import schema  # noqa: F401 - registers the field extension
