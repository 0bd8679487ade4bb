from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """Estates, buildings, units, public areas, residents, departments and staff."""

    name = "shouwen.directory"
    verbose_name = _("基础资料")
