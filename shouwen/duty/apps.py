from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    """Duty roster, shift handover with its open-items sheet, and the night log (值班 / 交接班)."""

    name = "shouwen.duty"
    verbose_name = _("值班")
