"""Admin for calendars and deadline policies; a changed policy is logged and recomputed in the background."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.scope import signed_in
from shouwen.sla.calendar import statutory_year_known
from shouwen.sla.models import CalendarDay, DeadlinePolicy, Escalation, PolicyChange, WorkingPeriod


def warn_missing_calendar_years(request: HttpRequest) -> None:
    """Warn when the coming year has neither statutory data nor days entered by the company."""
    year = timezone.localdate().year + 1
    if not statutory_year_known(year) and not CalendarDay.objects.filter(date__year=year).exists():
        messages.warning(
            request,
            _(
                "%(year)s 年的法定节假日与调休尚无数据：请在“节假日与调休”中录入，否则按普通周一至周五计算工作日。"
            )
            % {"year": year},
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "company"]
    list_filter = ["company", "is_workday"]
    date_hierarchy = "date"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        warn_missing_calendar_years(request)
        return super().changelist_view(request, extra_context)


@admin.register(WorkingPeriod)
class WorkingPeriodAdmin(admin.ModelAdmin):
    list_display = ["estate", "start", "end"]
    list_filter = ["estate"]


class PolicyChangeInline(admin.TabularInline):
    model = PolicyChange
    extra = 0
    can_delete = False
    readonly_fields = ["at", "changed_by", "before", "after", "recomputed"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "category",
        "severity",
        "repair_type",
        "remit",
        "amount",
        "unit",
        "active",
    ]
    list_filter = ["kind", "active"]
    inlines = [PolicyChangeInline]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        warn_missing_calendar_years(request)
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: DeadlinePolicy, form: Any, change: bool) -> None:
        from shouwen.sla.services import policy_snapshot
        from shouwen.sla.tasks import recompute_policy_task

        before = policy_snapshot(DeadlinePolicy.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        after = policy_snapshot(obj)
        if before != after:
            log = PolicyChange.objects.create(
                policy=obj, changed_by=signed_in(request.user), before=before, after=after
            )
            if change:
                # Open cases follow the new rule; the worker recomputes them after this commit.
                transaction.on_commit(lambda: recompute_policy_task.enqueue(obj.pk, log.pk))
                messages.info(request, _("已记录修改；未结事项的时限将在后台重新计算。"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deadlines refer to their policy; switch a policy off instead


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["case", "level", "target", "at", "handled_at"]
    list_filter = ["level"]
    raw_id_fields = ["deadline", "case", "target"]
