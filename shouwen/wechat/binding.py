"""Binding a follower to a resident: a signed link in the reply, opened after the portal's phone sign-in.

The reply to an unbound follower carries ``/r/wechat/bind/<token>/``; the token is the account and
the openid signed with the site's key (``django.core.signing``) and expires after
``SHOUWEN_WECHAT_BIND_HOURS``. The page asks the resident to sign in to the portal by a code sent
to the phone number the property office has on file (the portal's sign-in, throttled and hashed
there), then to confirm; the openid is then bound to that resident. A resident of another estate
than the account's is refused. A later binding of the same follower replaces the earlier one (a
household's phone may be shared); the follower row keeps who and when.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.core.services import for_update
from shouwen.directory.models import Resident
from shouwen.wechat.models import Follower

SALT = "shouwen.wechat.bind"


def bind_token(follower: Follower) -> str:
    """Return the signed, expiring token that names the follower."""
    return signing.dumps({"a": follower.account_id, "o": follower.openid}, salt=SALT, compress=True)


def bind_url(follower: Follower) -> str:
    """Return the link to the binding page (absolute when ``SHOUWEN_SITE_URL`` is set)."""
    return settings.SHOUWEN_SITE_URL + reverse("wechat_bind:bind", args=[bind_token(follower)])


def follower_from_token(token: str) -> Follower:
    """Return the follower the token names; refuse a forged, altered or expired one."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SHOUWEN_WECHAT_BIND_HOURS * 3600)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("绑定链接已过期，请在公众号中重新发送任意消息获取新链接。")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("绑定链接无效。")) from exc
    follower = (
        Follower.objects.select_related("account__estate", "resident")
        .filter(account_id=data.get("a"), openid=data.get("o"), account__active=True)
        .first()
    )
    if follower is None:
        raise ValidationError(_("绑定链接无效。"))
    return follower


def bind_hint(follower: Follower) -> str:
    """Return the line that tells an unbound follower how to bind ("" once bound)."""
    if follower.resident_id is not None:
        return ""
    return _("绑定住户身份后可收到事项处理进度通知（%(hours)s 小时内有效）：%(url)s") % {
        "hours": settings.SHOUWEN_WECHAT_BIND_HOURS,
        "url": bind_url(follower),
    }


@transaction.atomic
def bind_follower(follower: Follower, resident: Resident) -> Follower:
    """Bind the follower to the signed-in resident of the account's estate."""
    follower = for_update(Follower).select_related("account").get(pk=follower.pk)
    if resident.estate_id != follower.account.estate_id:
        raise PermissionDenied(_("该公众号不属于您登记的小区，不能绑定。"))
    follower.resident, follower.bound_at = resident, timezone.now()
    follower.save(update_fields=["resident", "bound_at"])
    return follower
