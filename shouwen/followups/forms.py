"""Forms of the return-visit page: the result of a visit, and a call that reached nobody."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.followups.models import STAFF_CHANNELS, AttemptOutcome, Satisfaction, VisitChannel


class ReturnVisitForm(forms.Form):
    """How the resident was reached, how satisfied they are, and what they said."""

    channel = forms.ChoiceField(
        label=_("回访方式"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        initial=VisitChannel.PHONE,
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("住户意见"),
        required=False,
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("不满意时必须填写住户的意见")}),
    )
    # Only shown to a supervisor who resolved the case: why they make the visit themselves.
    override_reason = forms.CharField(label=_("由本人回访的原因"), required=False, max_length=200)


class NoAnswerForm(forms.Form):
    """Why the call did not get through (the button pressed), with an optional note."""

    outcome = forms.ChoiceField(
        label=_("未接通原因"), choices=AttemptOutcome.choices, initial=AttemptOutcome.NO_ANSWER
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
