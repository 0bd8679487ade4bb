"""Sign-in form: the throttle's waits shown as a time to try again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from shouwen.accounts import throttle
from shouwen.accounts.throttle import SignInThrottled
from shouwen.core.net import client_ip

THROTTLED = _("登录尝试过于频繁，请在 %(time)s 之后（约 %(seconds)s 秒后）再试。")


def throttled_error(exc: SignInThrottled) -> forms.ValidationError:
    """Return the form error telling when the next attempt may be made."""
    return forms.ValidationError(
        THROTTLED,
        code="throttled",
        params={
            "time": formats.time_format(timezone.localtime(exc.until), "H:i:s"),
            "seconds": exc.wait_seconds,
        },
    )


class SignInForm(AuthenticationForm):
    """Username or staff number plus password; repeated failures make the next attempt wait."""

    username = forms.CharField(
        label=_("用户名或工号"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _(
            "用户名/工号或密码不正确。多次错误后，每次重试需要等待更长时间（最长 %(minutes)s 分钟）。"
        ),
        "inactive": _("该账号已停用。"),
        "throttled": THROTTLED,
        "too_many_requests": _("登录请求过于频繁，请在 %(seconds)s 秒后再试。"),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except SignInThrottled as exc:
            raise throttled_error(exc) from None

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"minutes": settings.SHOUWEN_SIGNIN_MAX_DELAY_MINUTES},
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Change one's password; the old password is checked under the sign-in throttle like any other.

    Otherwise someone at an unlocked computer could guess its owner's password here without limit.
    """

    def __init__(self, user: Any, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password: str = self.cleaned_data["old_password"]
        login = self.user.get_username()
        ip = client_ip(self.request) if self.request is not None else None
        try:
            attempt = throttle.begin_attempt(self.user, login, ip)
        except SignInThrottled as exc:
            raise throttled_error(exc) from None
        ok = self.user.check_password(old_password)
        throttle.finish_attempt(attempt, succeeded=ok, login=login, ip=ip)
        if not ok:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password
