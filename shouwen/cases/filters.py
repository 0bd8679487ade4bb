"""The one set of case list filters, shared by the queue page and the API list (django-filter).

Queue, status, category, severity, estate, department, kind of running deadline, channel, reception
dates, the search box ``q`` and the order ``sort`` (applied last, over the queue's own order). A value that
is not one of the choices, not a number or not a day makes the filter set invalid with a message
per parameter: the API answers 400 with them, the page shows them. Searching by phone number goes
through the number-lookup policy and is logged (:mod:`shouwen.directory.search`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwen.access.scope import scope_queryset, staff_of
from shouwen.cases import queries, queues
from shouwen.cases.models import Case, CaseStatus, Category, Channel, Severity
from shouwen.core.params import MAX_ID
from shouwen.directory.search import NumberLookup, number_lookup, record_number_lookup

DATE_MIN, DATE_MAX = date(1900, 1, 1), date(9998, 12, 31)
NOT_A_CHOICE = {"invalid_choice": _("“%(value)s”不是有效的选项")}


class IdField(forms.IntegerField):
    """An id typed in a query string: digits only, at most the largest id (no 500 on '²' or 40 nines)."""

    default_error_messages = {"invalid": _("应为数字编号")}

    def to_python(self, value: Any) -> int | None:
        text = (str(value) if value is not None else "").strip()
        if not text:
            return None
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


class DayField(forms.DateField):
    """A day written YYYY-MM-DD, between 1900 and 9998 (day boundaries are converted to UTC)."""

    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": _("日期格式应为 YYYY-MM-DD")}

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(
                _("日期应在 %(min)s 至 %(max)s 之间"), code="range", params={"min": DATE_MIN, "max": DATE_MAX}
            )


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class FromDayFilter(django_filters.DateFilter):
    """On or after the first moment of the day."""

    field_class = DayField

    def filter(self, qs: QuerySet[Any], value: date | None) -> QuerySet[Any]:
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": day_start(value)})


class ToDayFilter(django_filters.DateFilter):
    """Before the end of the day (the day itself included)."""

    field_class = DayField

    def filter(self, qs: QuerySet[Any], value: date | None) -> QuerySet[Any]:
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__lt": day_start(value + timedelta(days=1))})


SORTS: dict[str, tuple[Any, ...]] = {
    # Nearest due first; cases without a running deadline last. The most overdue come first, so
    # "by due time" and "by time overdue" are the same order, offered under both names.
    "due": (queries.next_due().asc(nulls_last=True), "pk"),
    "overdue": (queries.next_due().asc(nulls_last=True), "pk"),
    "received": ("origin__received_at", "pk"),
    "-received": ("-origin__received_at", "-pk"),
    "category": ("category", queries.next_due().asc(nulls_last=True), "pk"),
}
SORT_CHOICES = [
    ("due", _("到期时间（最近在前）")),
    ("overdue", _("超时时长（最久在前）")),
    ("received", _("接待时间（最早在前）")),
    ("-received", _("接待时间（最新在前）")),
    ("category", _("类别")),
]


class CaseFilterSet(django_filters.FilterSet):
    """Filters of a case list; the queryset given must already be limited to the user's estates."""

    queue = django_filters.ChoiceFilter(
        choices=queues.choices(),
        method="filter_queue",
        error_messages=NOT_A_CHOICE,
        help_text=_("事项队列（督办给我、已超时等；旧代码 handovers_for_me、estate_open 等仍可用）"),
    )
    status = django_filters.ChoiceFilter(
        choices=CaseStatus.choices, error_messages=NOT_A_CHOICE, help_text=_("状态")
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, error_messages=NOT_A_CHOICE, help_text=_("类别")
    )
    severity = django_filters.ChoiceFilter(
        choices=Severity.choices, error_messages=NOT_A_CHOICE, help_text=_("投诉等级")
    )
    estate = IdFilter(field_name="estate_id", help_text=_("只列出该小区的事项"))
    department = IdFilter(field_name="department_id", help_text=_("只列出该部门办理的事项"))
    handover_department = IdFilter(
        method="filter_handover_department", help_text=_("只列出转办给该部门（或其员工）待接收的事项")
    )
    deadline_kind = django_filters.ChoiceFilter(
        choices=queries.deadline_kinds,
        method="filter_deadline_kind",
        error_messages=NOT_A_CHOICE,
        help_text=_("只列出有该类时限正在计时的事项"),
    )
    channel = django_filters.ChoiceFilter(
        field_name="origin__channel",
        choices=Channel.choices,
        error_messages=NOT_A_CHOICE,
        help_text=_("首次登记的来源"),
    )
    received_from = FromDayFilter(field_name="origin__received_at", help_text=_("接待日期不早于（含当日）"))
    received_to = ToDayFilter(field_name="origin__received_at", help_text=_("接待日期不晚于（含当日）"))
    q = django_filters.CharFilter(
        method="filter_q",
        help_text=_(
            "事项编号、电话号码、房屋简写（如 3-2-1502）或内容中的词语。按电话号码后 4 位以上数字查找仅限"
            "可查看完整号码的岗位；其他岗位须输入完整号码，每次查找记入个人信息查看记录"
        ),
    )

    # Declared last: django-filter applies the filters in this order, so the sort wins over the queue's.
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", error_messages=NOT_A_CHOICE, help_text=_("排序")
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # How the phone number in ``q`` was looked up (None: no number in it), once the list is filtered.
        self.number_lookup: NumberLookup | None = None

    def filter_queue(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        queue = queues.find(value)
        assert queue is not None  # the choices are the queues' codes
        user = getattr(self.request, "user", None)
        return queue.case_rows(qs, staff_of(user) if user is not None else None)

    def filter_q(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        from shouwen.directory.models import Resident

        user = getattr(self.request, "user", None)
        if user is not None:
            self.number_lookup = number_lookup(user, value)
            record_number_lookup(
                user,
                self.number_lookup,
                scope_queryset(Resident.objects.all(), user),
                self.request.META.get("REMOTE_ADDR") if self.request is not None else None,
            )
        return queries.search_cases(qs, value, self.number_lookup)

    def filter_handover_department(self, qs: QuerySet[Case], name: str, value: int | None) -> QuerySet[Case]:
        if value is None:
            return qs
        return queries.with_handover_to_department(qs, value)

    def filter_deadline_kind(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queries.with_running_deadline(qs, value)

    def filter_sort(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return qs.order_by(*SORTS[value])
