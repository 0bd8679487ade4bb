"""Pages of notices: the list with read counts, writing, publishing, the A4 page, unread households, the board."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset
from shouwen.access.services import reveal_personal_data
from shouwen.core.action_views import acting_staff
from shouwen.core.net import client_ip
from shouwen.core.params import parse_id
from shouwen.directory.models import Estate, Resident
from shouwen.notices import services
from shouwen.notices.forms import AttachmentForm, BoardForm, NoticeForm, WithdrawForm
from shouwen.notices.models import Notice, NoticeStatus


def _errors_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _notice(request: HttpRequest, pk: int) -> Notice:
    return get_object_or_404(services.visible_notices(request.user), pk=pk)


def _detail(notice: Notice) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("notices:detail", args=[notice.pk]))


class NoticeListView(CapabilityRequiredMixin, TemplateView):
    """The notices of the estates served, newest first, with households reached, read and unread."""

    required_cap = Cap.NOTICE_VIEW
    template_name = "notices/list.html"
    LIMIT = 200

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        rows = services.visible_notices(self.request.user)
        estate = parse_id(self.request.GET.get("estate", ""))
        if estate is not None:
            rows = rows.filter(estate_id=estate)
        status = self.request.GET.get("status", "")
        if status in NoticeStatus.values:
            rows = rows.filter(status=status)
        ctx.update(
            {
                "notices": list(rows.order_by("-created_at", "-pk")[: self.LIMIT]),
                "estates": services.visible_estates(self.request.user),
                "statuses": NoticeStatus.choices,
                "status": status,
                "estate": estate,
                "boards": services.board_status(self.request.user),
                "today": timezone.localdate(),
            }
        )
        return ctx


class _FormMixin:
    request: HttpRequest

    def _form(self, data: Any = None, initial: Any = None) -> NoticeForm:
        return NoticeForm(data, initial=initial, estates=services.visible_estates(self.request.user))


class NoticeCreateView(CapabilityRequiredMixin, _FormMixin, TemplateView):
    """Write a new notice (a draft until the supervisor publishes it)."""

    required_cap = Cap.NOTICE_WRITE
    template_name = "notices/form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", self._form())
        estate = services.visible_estates(self.request.user).first()
        ctx["sms_room"] = services.sms_room(estate) if estate else 0
        return ctx

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                notice = services.create_draft(
                    acting_staff(request), form.cleaned_data["estate"], form.to_input()
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("通知草稿已保存。"))
                return _detail(notice)
        return self.render_to_response(self.get_context_data(form=form))


def _add_errors(form: NoticeForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class NoticeEditView(CapabilityRequiredMixin, _FormMixin, TemplateView):
    """Change a draft."""

    required_cap = Cap.NOTICE_WRITE
    model = Notice
    template_name = "notices/form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        notice = kwargs.get("notice") or _notice(self.request, self.kwargs["pk"])
        ctx["notice"] = notice
        ctx.setdefault("form", self._form(initial=NoticeForm.initial_of(notice)))
        ctx["sms_room"] = services.sms_room(notice.estate)
        return ctx

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = _notice(request, pk)
        form = self._form(request.POST)
        if form.is_valid():
            if form.cleaned_data["estate"].pk != notice.estate_id:
                form.add_error("estate", _("通知所属的小区不能更改。"))
            else:
                try:
                    services.update_draft(acting_staff(request), notice, form.to_input())
                except ValidationError as exc:
                    _add_errors(form, exc)
                except PermissionDenied as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("已保存修改。"))
                    return _detail(notice)
        return self.render_to_response(self.get_context_data(form=form, notice=notice))


class NoticeDetailView(CapabilityRequiredMixin, TemplateView):
    """One notice: text, audience, validity, attachments, counts, messages, history, and what one may do."""

    required_cap = Cap.NOTICE_VIEW
    model = Notice
    template_name = "notices/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        notice = _notice(self.request, self.kwargs["pk"])
        user = self.request.user
        draft = notice.status == NoticeStatus.DRAFT
        sms_counts: dict[str, int] = {}
        for status in notice.messages.values_list("status", flat=True):
            sms_counts[status] = sms_counts.get(status, 0) + 1
        ctx.update(
            {
                "notice": notice,
                "audience": services.audience_label(notice),
                "events": notice.events.select_related("by"),
                "attachments": notice.attachments.all(),
                "sms_counts": sorted(sms_counts.items()),
                "can_edit": draft and can(user, Cap.NOTICE_WRITE),
                "can_publish": draft and can(user, Cap.NOTICE_PUBLISH),
                "can_withdraw": (notice.status == NoticeStatus.PUBLISHED and can(user, Cap.NOTICE_PUBLISH))
                or (draft and can(user, Cap.NOTICE_WRITE)),
                "withdraw_form": WithdrawForm(),
                "attachment_form": AttachmentForm(),
                "expected": services.occupied(services.audience_units(notice)).count() if draft else None,
            }
        )
        return ctx


class NoticePublishView(CapabilityRequiredMixin, View):
    """POST: publish a draft (households fixed, text messages queued)."""

    required_cap = Cap.NOTICE_PUBLISH
    model = Notice

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = _notice(request, pk)
        try:
            done = services.publish(acting_staff(request), notice)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("已发布：送达 %(h)s 户，短信 %(m)s 条待发送。")
                % {"h": done.households, "m": done.messages},
            )
        return _detail(notice)


class NoticeWithdrawView(CapabilityRequiredMixin, View):
    """POST: withdraw a notice with a reason (never deleted)."""

    required_cap = Cap.NOTICE_WRITE
    model = Notice

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = _notice(request, pk)
        try:
            services.withdraw(acting_staff(request), notice, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("通知已撤回。"))
        return _detail(notice)


class NoticeAttachView(CapabilityRequiredMixin, View):
    """POST: attach a photo or PDF to a draft."""

    required_cap = Cap.NOTICE_WRITE
    model = Notice

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = _notice(request, pk)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择文件。"))
            return _detail(notice)
        try:
            services.add_attachment(acting_staff(request), notice, upload)
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("附件已添加。"))
        return _detail(notice)


class NoticeAttachmentFileView(CapabilityRequiredMixin, View):
    """Stream an attachment after the estate check (media files are never served directly)."""

    required_cap = Cap.NOTICE_VIEW
    model = Notice

    def get(self, request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
        notice = _notice(request, pk)
        attachment = get_object_or_404(notice.attachments.all(), pk=attachment_id)
        return attachment_response(attachment)


def attachment_response(attachment: Any) -> FileResponse:
    """The file of an attachment, not cached by shared caches."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件已丢失，请联系管理员。")) from exc
    response = FileResponse(handle, content_type=attachment.content_type, filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


class NoticePrintView(CapabilityRequiredMixin, TemplateView):
    """The notice as an A4 page for the bulletin board (print it from the browser)."""

    required_cap = Cap.NOTICE_VIEW
    model = Notice
    template_name = "notices/print.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        notice = _notice(self.request, self.kwargs["pk"])
        ctx.update(
            {
                "notice": notice,
                "audience": services.audience_label(notice),
                "images": [a for a in notice.attachments.all() if a.content_type.startswith("image/")],
                "company": notice.estate.company,
                "day": (notice.published_at and timezone.localtime(notice.published_at).date())
                or timezone.localdate(),
            }
        )
        return ctx


class NoticeHouseholdsView(CapabilityRequiredMixin, TemplateView):
    """The households that have not read the notice, to phone: numbers masked, revealed (logged) on request."""

    required_cap = Cap.NOTICE_VIEW
    method_caps = {"post": Cap.PERSONAL_REVEAL}
    model = Notice
    template_name = "notices/households.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        notice = kwargs.get("notice") or _notice(self.request, self.kwargs["pk"])
        ctx.update(
            {
                "notice": notice,
                "rows": services.unread_households(notice),
                "revealed": kwargs.get("revealed", {}),
            }
        )
        return ctx

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = _notice(request, pk)
        rid = parse_id(request.POST.get("resident", ""))
        resident = (
            scope_queryset(Resident.objects.all(), request.user).filter(pk=rid).first()
            if rid is not None
            else None
        )
        revealed: dict[int, list[str]] = {}
        if resident is None:
            messages.error(request, _("没有该住户，或您无权查看。"))
        else:
            data = reveal_personal_data(
                request.user,
                resident,
                ["phone"],
                channel="page",
                ip_address=client_ip(request),
                reason=_("通知未读，电话告知：%(title)s") % {"title": notice.title},
            )
            revealed[resident.pk] = list(data.get("phones", []))  # type: ignore[call-overload]
        return self.render_to_response(self.get_context_data(notice=notice, revealed=revealed))


class SmsOptOutView(CapabilityRequiredMixin, View):
    """POST: record that a resident does (``opt_out=1``) or does not want notices by text message."""

    required_cap = Cap.NOTICE_WRITE
    model = Resident

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        resident = get_object_or_404(scope_queryset(Resident.objects.all(), request.user), pk=pk)
        wanted = request.POST.get("opt_out") == "1"
        try:
            services.set_sms_opt_out(acting_staff(request), resident, wanted)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            text = _("%(name)s 今后不接收通知短信。") if wanted else _("%(name)s 今后接收通知短信。")
            messages.success(request, text % {"name": resident.name})
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("notices:list")
        return HttpResponseRedirect(back)


class BoardView(CapabilityRequiredMixin, TemplateView):
    """The estates' bulletin boards: last renewal, next due (every two weeks); POST records a renewal."""

    required_cap = Cap.NOTICE_VIEW
    method_caps = {"post": Cap.NOTICE_WRITE}
    template_name = "notices/board.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            {
                "boards": services.board_status(self.request.user),
                "history": scope_queryset(services.BoardRenewal.objects.all(), self.request.user)
                .select_related("estate", "renewed_by")
                .prefetch_related("notices")[:50],
                "current": {
                    e.pk: list(
                        Notice.objects.filter(estate=e, status=NoticeStatus.PUBLISHED).order_by(
                            "-published_at"
                        )[:20]
                    )
                    for e in services.visible_estates(self.request.user)
                },
                "days": services.BOARD_RENEWAL_DAYS,
            }
        )
        return ctx

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BoardForm(request.POST)
        estate = None
        if form.is_valid():
            estate = services.visible_estates(request.user).filter(pk=form.cleaned_data["estate"]).first()
        if estate is None:
            messages.error(request, _("没有该小区，或您无权查看。"))
            return HttpResponseRedirect(reverse("notices:board"))
        ids = [i for i in (parse_id(v) for v in request.POST.getlist("notices")) if i is not None]
        chosen = Notice.objects.filter(estate=estate, pk__in=ids)
        try:
            services.renew_board(
                acting_staff(request), estate, note=form.cleaned_data["note"], notices=chosen
            )
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已记录 %(estate)s 宣传栏更换。") % {"estate": estate.name})
        return HttpResponseRedirect(reverse("notices:board"))


class LinkView(TemplateView):
    """The notice opened from its text message's signed link (no sign-in): the household counts as read."""

    template_name = "notices/link.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            notice, message = services.open_link(kwargs["token"])
        except PermissionDenied as exc:
            return self.render_to_response({"error": str(exc)}, status=404)
        return self.render_to_response(
            {
                "notice": notice,
                "token": kwargs["token"],
                "images": [a for a in notice.attachments.all()],
            }
        )


class LinkAttachmentView(View):
    """An attachment of the notice opened by a signed link."""

    def get(self, request: HttpRequest, token: str, attachment_id: int) -> FileResponse:
        try:
            notice, _message = services.open_link(token)
        except PermissionDenied as exc:
            raise Http404(str(exc)) from exc
        return attachment_response(get_object_or_404(notice.attachments.all(), pk=attachment_id))


__all__ = ["Estate"]
