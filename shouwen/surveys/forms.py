"""Forms of the survey pages: the questionnaire, a round, the answer form (link, portal, paper), a comment's case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwen.core.textlimits import LONG_TEXT_MAX
from shouwen.directory.models import Estate
from shouwen.surveys.models import Question, QuestionKind, Questionnaire, Rating, ServiceKind
from shouwen.surveys.services import CASE_CATEGORIES, QuestionInput

COMMENT_SLOTS = 3


class QuestionnaireForm(forms.Form):
    """Title, the words to the owners, one rating question per service (blank: not asked), comment questions."""

    title = forms.CharField(label=_("标题"), max_length=100)
    intro = forms.CharField(label=_("致业主的话"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, questionnaire: Questionnaire | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing = list(questionnaire.questions.all()) if questionnaire is not None else []
        rated = {q.service: q.text for q in existing if q.kind == QuestionKind.RATING}
        written = [q.text for q in existing if q.kind == QuestionKind.COMMENT]
        for value, label in ServiceKind.choices:
            self.fields[f"rate_{value}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                initial=rated.get(value, "")
                if questionnaire
                else _("您对%(service)s是否满意？") % {"service": label},
            )
        for n in range(COMMENT_SLOTS):
            self.fields[f"comment_{n}"] = forms.CharField(
                label=_("意见建议题 %(n)s") % {"n": n + 1},
                required=False,
                max_length=200,
                initial=(written[n] if n < len(written) else "")
                if questionnaire
                else (_("您对物业服务还有哪些意见和建议？") if n == 0 else ""),
            )
        if questionnaire is not None:
            self.fields["title"].initial = questionnaire.title
            self.fields["intro"].initial = questionnaire.intro

    def questions(self) -> list[QuestionInput]:
        d = self.cleaned_data
        rows = [QuestionInput(QuestionKind.RATING, d[f"rate_{v}"], v) for v in ServiceKind.values]
        rows += [QuestionInput(QuestionKind.COMMENT, d[f"comment_{n}"]) for n in range(COMMENT_SLOTS)]
        return rows


class RoundForm(forms.Form):
    """Start a round: which questionnaire, which estates, the period, whether to text the link."""

    questionnaire = forms.ModelChoiceField(label=_("问卷"), queryset=Questionnaire.objects.none())
    estates = forms.ModelMultipleChoiceField(
        label=_("小区"), queryset=Estate.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("名称"), max_length=100)
    opens_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    send_sms = forms.BooleanField(label=_("短信发送填写链接"), required=False, initial=True)

    def __init__(self, *args: Any, questionnaires: Any, estates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = questionnaires  # type: ignore[attr-defined]
        self.fields["estates"].queryset = estates  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    """The questionnaire as a form: a five-level choice per rated service, a text box per comment."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            if q.kind == QuestionKind.RATING:
                self.fields[f"q{q.pk}"] = forms.ChoiceField(
                    label=f"{q.position}. {q.text}",
                    choices=Rating.choices,
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[f"q{q.pk}"] = forms.CharField(
                    label=f"{q.position}. {q.text}",
                    required=False,
                    max_length=LONG_TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


class PaperUnitForm(forms.Form):
    unit_text = forms.CharField(
        label=_("房屋"), max_length=40, help_text=_("楼栋-单元-房号，如 3-2-1502"), required=True
    )


class CommentCaseForm(forms.Form):
    category = forms.ChoiceField(
        label=_("事项类别"), choices=[(c.value, c.label) for c in CASE_CATEGORIES], initial="suggestion"
    )
