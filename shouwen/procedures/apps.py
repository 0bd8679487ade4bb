from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    """Desk procedures (move-in, decoration…) and their document checklists (一次性告知)."""

    name = "shouwen.procedures"
    verbose_name = _("办理手续")
