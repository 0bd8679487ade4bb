from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-in and its throttle, sign-out, password change, API tokens."""

    name = "shouwen.accounts"
    verbose_name = _("登录")
