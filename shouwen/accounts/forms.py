"""Sign-in form with lockout."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from shouwen.accounts import lockout


class SignInForm(AuthenticationForm):
    """Username or staff number plus password; locked after repeated failures."""

    username = forms.CharField(
        label=_("用户名或工号"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _("用户名/工号或密码不正确。连续 %(limit)s 次错误将锁定 %(minutes)s 分钟。"),
        "inactive": _("该账号已停用。"),
        "locked": _("该账号因多次密码错误已锁定，请于 %(until)s 之后再试，或联系管理员。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        until = lockout.locked_until(username) if username else None
        if until is not None:
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"until": formats.time_format(timezone.localtime(until), "H:i")},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                ip = self.request.META.get("REMOTE_ADDR") if self.request else None
                row = lockout.record_failure(username, ip)
                if row.locked_until:
                    raise forms.ValidationError(
                        self.error_messages["locked"],
                        code="locked",
                        params={"until": formats.time_format(timezone.localtime(row.locked_until), "H:i")},
                    ) from None
            raise

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.SHOUWEN_LOCKOUT_FAILURES, "minutes": settings.SHOUWEN_LOCKOUT_MINUTES},
        )
