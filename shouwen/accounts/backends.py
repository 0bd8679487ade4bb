"""Authentication by username or staff number (工号): the one place that checks passwords, throttled."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from shouwen.accounts import throttle
from shouwen.core.net import client_ip


class StaffNumberOrUsernameBackend(ModelBackend):
    """Accept either the username or the staff number as the login name, under the sign-in throttle.

    Every ``authenticate()`` call goes through here, whichever page or form makes it, so no sign-in
    escapes the count. While the account or the address must wait, ``SignInThrottled`` is raised
    before the password is looked at, so even the right password gets in only after the wait.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        login = username.strip()
        user = throttle.find_user(login)
        ip = client_ip(request) if request is not None else None
        attempt = throttle.begin_attempt(user, login, ip)
        if user is None:
            User().set_password(password)  # same hashing time whether or not the name exists
            ok = False
        else:
            ok = user.check_password(password) and self.user_can_authenticate(user)
        throttle.finish_attempt(attempt, succeeded=ok, login=login, ip=ip)
        return user if ok else None
