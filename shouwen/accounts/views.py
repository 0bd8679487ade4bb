"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.urls import reverse_lazy

from shouwen.accounts import lockout
from shouwen.accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    """The sign-in page."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        lockout.clear_failures(form.cleaned_data["username"])
        return super().form_valid(form)


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only) and return to the sign-in page."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """Confirm the password change."""

    template_name = "accounts/password_change_done.html"
