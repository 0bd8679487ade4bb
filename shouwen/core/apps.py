from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared pages, middleware and helpers."""

    name = "shouwen.core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from shouwen.core import throttling  # noqa: F401 - connects the rate cache's invalidation
