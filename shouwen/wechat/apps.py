from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    """The WeChat official account (公众号): followers' messages registered as contacts, status pushes."""

    name = "shouwen.wechat"
    verbose_name = _("微信公众号")

    def ready(self) -> None:
        from shouwen.wechat import signals  # noqa: F401
