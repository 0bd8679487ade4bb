"""Notification pages: my notifications, newest first; open one (marks it read); mark all read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from shouwen.core.action_views import acting_staff
from shouwen.notifications.models import Notification
from shouwen.notifications.services import group_rows, mark_read, same_group

_me = acting_staff


def _mine(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=_me(request))


class NotificationListView(ListView):
    """The signed-in staff member's notifications, newest first, unread ones highlighted."""

    template_name = "notifications/list.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Notification]:
        return _mine(self.request).select_related("case").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        # A burst about one case within a minute is one line (the bell counts it once too).
        ctx["groups"] = group_rows(ctx["notifications"])
        return ctx


class MarkReadView(View):
    """POST: mark one of my notifications read and go to what it is about."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = get_object_or_404(_mine(request), pk=pk)
        mark_read(notification.recipient, same_group(notification))
        target = notification.url
        # The link is ours, but never redirect off the site whatever ends up in it.
        if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("notifications:list")
        return HttpResponseRedirect(target)


class MarkAllReadView(View):
    """POST: mark all my notifications read."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        count = mark_read(_me(request), "all")
        messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
        return HttpResponseRedirect(reverse("notifications:list"))
