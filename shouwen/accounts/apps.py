from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-in, lockout, sign-out and password change."""

    name = "shouwen.accounts"
    verbose_name = _("登录")
