from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    """The daily routine of the service centre: the morning review and the patrol daily report."""

    name = "shouwen.rounds"
    verbose_name = _("每日巡视与翻阅")

    def ready(self) -> None:
        from shouwen.rounds import signals  # noqa: F401 - connects the handlers
