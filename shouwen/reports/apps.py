from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Monthly statistics, rates against targets, recurring problems, dashboards and the quarterly assessment."""

    name = "shouwen.reports"
    verbose_name = _("统计报表")
