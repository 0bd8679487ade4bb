"""Sign-in, sign-out, password change and one's own API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from shouwen.access.permissions import can, is_staff_member
from shouwen.access.roles import Cap
from shouwen.accounts import tokens
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

    def get_default_redirect_url(self) -> str:
        """Where a sign-in without ``next`` lands: technicians on their phone pages, everyone else at the desk."""
        return landing_url(self.request.user)


def landing_url(user: Any) -> str:
    """Return the page a staff member starts from: /m/ for those whose work is doing jobs, not dispatching them."""
    if can(user, Cap.WORKORDER_WORK) and not can(user, Cap.WORKORDER_MANAGE):
        return reverse("mobile:home")
    return reverse(settings.LOGIN_REDIRECT_URL)


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


class NewTokenForm(forms.Form):
    """What a new API token is for."""

    name = forms.CharField(
        label=gettext_lazy("用途"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("例如：物业 ERP 同步、手机巡检程序"),
    )


class TokenListView(View):
    """One's own API tokens: list them (never the token itself), make a new one (shown once), revoke."""

    template_name = "accounts/tokens.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The API turns away anyone but active staff, so a token for others would only mislead.
        if not is_staff_member(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def page(
        self, request: HttpRequest, form: NewTokenForm, new_token: str = "", status: int = 200
    ) -> HttpResponse:
        response = render(
            request,
            self.template_name,
            {
                "tokens": tokens.tokens_of(request.user),  # type: ignore[arg-type]
                "form": form,
                "new_token": new_token,
                "token_days": settings.SHOUWEN_TOKEN_DAYS,
            },
            status=status,
        )
        add_never_cache_headers(response)  # a page showing a new token must not stay in any cache
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, NewTokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NewTokenForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        _row, text = tokens.issue_token(request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        # Rendered straight away, not redirected: the token travels once and is kept nowhere.
        return self.page(request, NewTokenForm(), new_token=text)


class TokenRevokeView(View):
    """Revoke one of one's own tokens (POST)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.is_authenticated:
            raise PermissionDenied
        token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)
        if tokens.revoke_token(request.user, token):
            messages.success(
                request,
                _("令牌 %(prefix)s… 已撤销，使用它的程序将无法再访问接口。") % {"prefix": token.prefix},
            )
        return HttpResponseRedirect(reverse("accounts:tokens"))
