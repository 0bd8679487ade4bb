from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    """Work orders (维修工作单), the technicians' phone pages, warranty rules and the price list."""

    name = "shouwen.workorders"
    verbose_name = _("维修工作单")
