"""The portal's forms: reporting, adding information, the return visit, a cancel request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwen.cases.models import Category
from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.followups.models import Satisfaction
from shouwen.portal.services import REPORT_CATEGORIES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos at once (each checked by the service like a case attachment)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label=_("类别"),
        choices=[(c.value, c.label) for c in REPORT_CATEGORIES],
        initial=Category.HOUSEHOLD_REPAIR,
        widget=forms.RadioSelect,
    )
    unit = forms.TypedChoiceField(label=_("房屋"), coerce=int, required=False, empty_value=None)
    content = forms.CharField(
        label=_("情况描述"),
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("例如：卫生间天花板漏水，滴到地面")}),
    )
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    preferred_time = forms.CharField(label=_("方便上门时间"), max_length=60, required=False)
    photos = MultiplePhotoField(label=_("照片"), required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("（公共区域或其他）")), *units]  # type: ignore[attr-defined]
        if len(units) == 1:
            self.fields["unit"].initial = units[0][0]


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("补充内容"),
        max_length=LONG_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultiplePhotoField(label=_("照片"), required=False)


class ReturnVisitForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对处理结果是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("意见"),
        max_length=LONG_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("不满意时请告诉我们哪里需要改进")}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"), max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecideCancelForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理"),
        choices=[("accept", _("同意撤销（作废该事项）")), ("refuse", _("继续办理"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("答复住户"), max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
