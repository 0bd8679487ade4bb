from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The residents' own pages under /r/: sign-in by text-message code, their matters, reporting."""

    name = "shouwen.portal"
    verbose_name = _("住户门户")
