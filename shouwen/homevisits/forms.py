"""Forms of the home-visit pages: a visit record, an opinion into a case, an assistant's area."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwen.cases.models import Category
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Building, Staff
from shouwen.homevisits.models import Outcome
from shouwen.homevisits.services import CASE_CATEGORIES

_MOMENT = {"type": "datetime-local"}


def _category_choices(blank: Any) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(c.value, c.label) for c in Category if c in CASE_CATEGORIES]
    return ([("", blank)] + choices) if blank is not None else choices


class HomeVisitForm(forms.Form):
    """The call that arranged the visit, the visit, who went with whom, the outcome and the opinions."""

    phoned_at = forms.DateTimeField(
        label=_("电话预约时间"), required=False, widget=forms.DateTimeInput(attrs=_MOMENT)
    )
    visited_at = forms.DateTimeField(label=_("上门时间"), widget=forms.DateTimeInput(attrs=_MOMENT))
    outcome = forms.ChoiceField(label=_("走访结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    entered_home = forms.BooleanField(label=_("入户走访（须两人同行）"), required=False)
    companion: forms.ModelChoiceField[Staff] = forms.ModelChoiceField(
        label=_("同行人员"), queryset=Staff.objects.none(), required=False
    )
    note_left = forms.BooleanField(label=_("无人在家，已留便条"), required=False)
    opinions = forms.CharField(
        label=_("住户意见建议"),
        required=False,
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    case_category = forms.ChoiceField(
        label=_("意见需要处理：登记为事项"), required=False, choices=_category_choices(_("不登记"))
    )

    def __init__(self, *args: Any, companions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["companion"].queryset = companions  # type: ignore[attr-defined]
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("visited_at", now.strftime("%Y-%m-%dT%H:%M"))


class VisitCaseForm(forms.Form):
    """Turn a visit's opinion into a case of a category."""

    category = forms.ChoiceField(label=_("事项类别"), choices=_category_choices(None))


class VisitAreaForm(forms.Form):
    """The assistant and the buildings they visit."""

    assistant: forms.ModelChoiceField[Staff] = forms.ModelChoiceField(
        label=_("客服助理"), queryset=Staff.objects.none()
    )
    buildings: forms.ModelMultipleChoiceField[Building] = forms.ModelMultipleChoiceField(
        label=_("负责楼栋"),
        queryset=Building.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    cycle_start = forms.DateField(
        label=_("走访周期开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, assistants: Any, buildings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assistant"].queryset = assistants  # type: ignore[attr-defined]
        self.fields["buildings"].queryset = buildings  # type: ignore[attr-defined]
