from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    """Return visits after repairs and complaints (回访) and the residents' satisfaction."""

    name = "shouwen.followups"
    verbose_name = _("回访")

    def ready(self) -> None:
        from shouwen.followups import signals  # noqa: F401 - connects the handlers
