"""The e-mail card of the case page (the case views need not know about e-mail)."""

from __future__ import annotations

from typing import Any

from django import template

from shouwen.access.masking import mask_email
from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.cases.models import Case
from shouwen.mailbox.services import messages_of

register = template.Library()


@register.simple_tag(takes_context=True)
def mail_of(context: dict[str, Any], case: Case) -> list[dict[str, Any]]:
    """Return the case's e-mails for the card, addresses masked unless the reader may see numbers."""
    request = context.get("request")
    full = request is not None and can(request.user, Cap.PERSONAL_REVEAL)

    def shown(address: str) -> str:
        return address if full else ", ".join(mask_email(a.strip()) for a in address.split(",") if a.strip())

    return [
        {
            "message": m,
            "from": shown(m.from_address),
            "to": shown(m.to_addresses),
            "refused": [a for a in m.attachments if not a.get("saved")],
        }
        for m in messages_of(case)
    ]
