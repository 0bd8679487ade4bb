from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    """Notices to residents (通知公告): the portal's board, the printed board and the SMS broadcast."""

    name = "shouwen.notices"
    verbose_name = _("通知公告")
