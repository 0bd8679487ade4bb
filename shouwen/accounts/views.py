"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from shouwen.accounts.forms import PasswordChangeForm, SignInForm
from shouwen.core.throttling import SignInPageThrottle


class SignInView(auth_views.LoginView):
    """The sign-in page: the only place where staff, administrators included, give their password."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = SignInPageThrottle()
        if not throttle.allow(request):
            seconds = max(1, round(throttle.wait() or 1))
            # An unbound form: cleaning a bound one would check the password after all.
            form = SignInForm(request, initial={"username": request.POST.get("username", "")[:150]})
            form.cleaned_data = {}
            form.add_error(
                None,
                forms.ValidationError(
                    SignInForm.error_messages["too_many_requests"], params={"seconds": seconds}
                ),
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only) and return to the sign-in page."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    """Confirm the password change."""

    template_name = "accounts/password_change_done.html"
