"""Authentication by username or staff number (工号)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest


class StaffNumberOrUsernameBackend(ModelBackend):
    """Accept either the username or the staff number as the login name."""

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
        user = User.objects.filter(Q(username__iexact=login) | Q(staff__staff_no__iexact=login)).first()
        if user is None:
            User().set_password(password)  # same hashing time whether or not the name exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
