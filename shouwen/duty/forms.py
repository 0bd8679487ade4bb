"""Forms of the duty pages; they parse input only, the rules are in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwen.cases.models import Category
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Staff
from shouwen.duty.models import ShiftKind


class RosterEntryForm(forms.Form):
    """Put a person on a shift of a day."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    shift = forms.ChoiceField(label=_("班次"), choices=ShiftKind.choices)
    staff = forms.ModelChoiceField(label=_("值班人员"), queryset=Staff.objects.none())

    def __init__(self, *args: Any, people: QuerySet[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = people  # type: ignore[attr-defined]


class NewSheetForm(forms.Form):
    """Start the handover sheet of one's shift, naming who takes over."""

    incoming = forms.ModelChoiceField(label=_("接班人"), queryset=Staff.objects.none())
    notes = forms.CharField(
        label=_("交班说明"),
        required=False,
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, people: QuerySet[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incoming"].queryset = people  # type: ignore[attr-defined]


class NightToCaseForm(forms.Form):
    """Register a night-log entry as a case of a category."""

    category = forms.ChoiceField(label=_("类别"), choices=Category.choices, initial=Category.HOUSEHOLD_REPAIR)


class NightHandledForm(forms.Form):
    """Record a night-log entry as handled, with the answer given."""

    answer = forms.CharField(
        label=_("处理答复"), max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
