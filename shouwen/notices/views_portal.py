"""The residents' notice board under /r/notices/: the current notices for their homes; opening one is reading it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shouwen.directory.models import Resident
from shouwen.notices import services
from shouwen.notices.models import Notice
from shouwen.notices.views import attachment_response
from shouwen.portal import auth
from shouwen.portal.views_auth import page


def _mine(resident: Resident, pk: int) -> Notice:
    notice = services.notices_for_resident(resident).filter(pk=pk).select_related("estate").first()
    if notice is None:
        raise Http404(_("没有该通知。"))
    return notice


@never_cache
@auth.resident_required
def board(request: HttpRequest) -> HttpResponse:
    """The notices on the resident's board, newest first, the unread marked."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    notices = list(services.notices_for_resident(resident).select_related("estate")[:100])
    read = services.read_ids(notices, resident)
    return page(
        request,
        "notices/portal_board.html",
        {"rows": [(n, n.pk in read) for n in notices], "opted_out": resident.notice_sms_opt_out},
    )


@never_cache
@auth.resident_required
def notice_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One notice; opening it counts the resident's household as having read it."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    notice = _mine(resident, pk)
    services.mark_read(notice, resident)
    return page(
        request, "notices/portal_notice.html", {"notice": notice, "attachments": notice.attachments.all()}
    )


@auth.resident_required
def notice_file(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """An attachment of one of the resident's notices."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    notice = _mine(resident, pk)
    attachment = notice.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("没有该附件。"))
    return attachment_response(attachment)  # type: ignore[return-value]  # a streamed file


@require_POST
@auth.resident_required
def sms_setting(request: HttpRequest) -> HttpResponse:
    """The resident chooses whether notices also come by text message."""
    resident: Resident = request.resident  # type: ignore[attr-defined]
    wanted = request.POST.get("opt_out") == "1"
    services.set_own_sms_opt_out(resident, wanted)
    messages.success(request, _("今后不再用短信发送通知。") if wanted else _("今后通知也会用短信发送。"))
    return redirect("notices_portal:board")
