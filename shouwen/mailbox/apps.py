from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailboxConfig(AppConfig):
    """E-mail in and out: each estate's mailbox polled over IMAP, replies from the case page by SMTP."""

    name = "shouwen.mailbox"
    verbose_name = _("电子邮件")
