from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomevisitsConfig(AppConfig):
    """Home visits (上门走访): each service assistant's area, the daily plan, visit records, coverage."""

    name = "shouwen.homevisits"
    verbose_name = _("上门走访")
