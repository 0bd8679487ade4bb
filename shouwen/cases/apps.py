from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Intake of contacts, the case, its accountability chain and timeline."""

    name = "shouwen.cases"
    verbose_name = _("来电来访与事项")
