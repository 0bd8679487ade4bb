from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications to staff, their e-mail and SMS delivery, and the background worker."""

    name = "shouwen.notifications"
    verbose_name = _("通知")
