"""The portal page that binds a follower to the resident signed in: /r/wechat/bind/<token>/."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwen.directory.models import Resident
from shouwen.portal.auth import resident_required
from shouwen.portal.views_auth import page
from shouwen.wechat.binding import bind_follower, follower_from_token


@never_cache
@require_http_methods(["GET", "POST"])
@resident_required
def bind(request: HttpRequest, token: str) -> HttpResponse:
    """Show whom the follower will be bound to; bind on the resident's confirmation (POST)."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    try:
        follower = follower_from_token(token)
    except ValidationError as exc:
        return page(request, "wechat/bind.html", {"error": exc.messages[0]}, status=400)
    context: dict[str, object] = {"token": token, "account": follower.account, "resident": resident}
    if request.method == "POST":
        try:
            bind_follower(follower, resident)
        except PermissionDenied as exc:
            return page(request, "wechat/bind.html", {**context, "error": str(exc)}, status=403)
        return page(request, "wechat/bind.html", {**context, "bound": True})
    if follower.account.estate_id != resident.estate_id:
        context["error"] = _wrong_estate()
        return page(request, "wechat/bind.html", context, status=403)
    context["already"] = follower.resident_id == resident.pk
    return page(request, "wechat/bind.html", context)


def _wrong_estate() -> str:
    from django.utils.translation import gettext as _

    return _("该公众号不属于您登记的小区，不能绑定。")
