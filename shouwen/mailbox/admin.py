"""Mailboxes are set up in the admin (the password is never shown back); e-mails are read there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shouwen.mailbox.models import Mailbox, MailMessage


class MailboxForm(forms.ModelForm[Mailbox]):
    """The password is typed, never shown; left empty it keeps the one saved."""

    password = forms.CharField(
        label=_("密码"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("不显示已保存的密码；留空则保持不变"),
    )

    class Meta:
        model = Mailbox
        fields = (
            "estate",
            "address",
            "imap_host",
            "imap_port",
            "security",
            "username",
            "password",
            "password_env",
            "folder",
            "registrar",
            "active",
        )

    def clean_password(self) -> str:
        typed = self.cleaned_data.get("password") or ""
        if not typed and self.instance.pk:
            return self.instance.password
        return typed

    def clean_address(self) -> str:
        return (self.cleaned_data.get("address") or "").strip().lower()


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = ("address", "estate", "imap_host", "active", "last_polled_at", "last_error")
    list_filter = ("active",)
    raw_id_fields = ("registrar",)
    readonly_fields = ("last_polled_at", "last_error")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its e-mails refer to it; set it inactive instead


@admin.register(MailMessage)
class MailMessageAdmin(admin.ModelAdmin[MailMessage]):
    list_display = ("created_at", "direction", "status", "from_address", "subject", "case", "reason")
    list_filter = ("direction", "status", "mailbox")
    search_fields = ("subject", "from_address", "message_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
