"""Survey pages: rounds, questionnaires, results and their Excel file, paper forms, comments, the signed link."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from shouwen.access.permissions import CapabilityRequiredMixin, can
from shouwen.access.roles import Cap
from shouwen.access.scope import scope_queryset, visible_estate_ids
from shouwen.core.action_views import acting_staff
from shouwen.core.forms import attach_errors
from shouwen.directory.models import Estate
from shouwen.surveys import services
from shouwen.surveys.forms import AnswerForm, CommentCaseForm, PaperUnitForm, QuestionnaireForm, RoundForm
from shouwen.surveys.models import (
    Answer,
    Household,
    Questionnaire,
    Rating,
    ResponseChannel,
    ServiceKind,
    SurveyRound,
)


def _rounds(request: HttpRequest) -> Any:
    return scope_queryset(SurveyRound.objects.select_related("estate", "questionnaire"), request.user)


class RoundListView(CapabilityRequiredMixin, TemplateView):
    """The rounds of the estates served, with each one's response rate."""

    required_cap = Cap.SURVEY_ENTER
    template_name = "surveys/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        rounds = _rounds(self.request).annotate(
            n_households=Count("households", distinct=True), n_responses=Count("responses", distinct=True)
        )
        rounds = list(rounds)
        figures = services.satisfaction_by_round([r.pk for r in rounds])
        kinds = ServiceKind.choices
        rows = [
            {
                "round": r,
                "rate": services.percent(r.n_responses, r.n_households),
                "services": [figures.get(r.pk, {}).get(value) for value, _label in kinds],
            }
            for r in rounds
        ]
        ctx.update({"rows": rows, "today": timezone.localdate(), "kinds": kinds})
        return ctx


class QuestionnaireListView(CapabilityRequiredMixin, TemplateView):
    required_cap = Cap.SURVEY_MANAGE
    template_name = "surveys/questionnaires.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        staff = acting_staff(self.request)
        ctx["questionnaires"] = services.latest_questionnaires(staff.company_id).prefetch_related("questions")
        return ctx


class QuestionnaireEditView(CapabilityRequiredMixin, TemplateView):
    """Write a questionnaire; changing one a round has used saves the next version."""

    required_cap = Cap.SURVEY_MANAGE
    template_name = "surveys/questionnaire_form.html"
    model = Questionnaire

    def questionnaire(self) -> Questionnaire | None:
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(Questionnaire, pk=pk, company_id=acting_staff(self.request).company_id)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        q = self.questionnaire()
        return self.render_to_response(self.get_context_data(form=QuestionnaireForm(questionnaire=q), item=q))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        q = self.questionnaire()
        form = QuestionnaireForm(request.POST, questionnaire=q)
        if form.is_valid():
            try:
                saved = services.save_questionnaire(
                    acting_staff(request),
                    title=form.cleaned_data["title"],
                    intro=form.cleaned_data["intro"],
                    questions=form.questions(),
                    questionnaire=q,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("问卷已保存（第 %(v)s 版）。") % {"v": saved.version})
                return HttpResponseRedirect(reverse("surveys:questionnaires"))
        return self.render_to_response(self.get_context_data(form=form, item=q))


class RoundCreateView(CapabilityRequiredMixin, TemplateView):
    """Start a round for one or more estates: the households are fixed and the links queued."""

    required_cap = Cap.SURVEY_MANAGE
    template_name = "surveys/round_form.html"

    def form(self, data: Any = None) -> RoundForm:
        staff = acting_staff(self.request)
        return RoundForm(
            data,
            questionnaires=services.latest_questionnaires(staff.company_id),
            estates=Estate.objects.filter(pk__in=visible_estate_ids(self.request.user)).order_by("code"),
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                rounds = services.start_rounds(acting_staff(request), **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("已发起 %(n)s 个小区的征询。") % {"n": len(rounds)})
                return HttpResponseRedirect(reverse("surveys:list"))
        return self.render_to_response(self.get_context_data(form=form))


class RoundMixin(CapabilityRequiredMixin):
    model = SurveyRound

    def survey(self) -> SurveyRound:
        return get_object_or_404(_rounds(self.request), pk=self.kwargs["pk"])  # type: ignore[attr-defined]


class RoundDetailView(RoundMixin, TemplateView):
    """Response rate, each service's distribution and satisfaction, the comments' count."""

    required_cap = Cap.SURVEY_RESULTS
    template_name = "surveys/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        result = services.round_results(self.survey())
        ctx.update({"result": result, "survey": result.round, "ratings": Rating.choices})
        return ctx


class RoundExportView(RoundMixin, View):
    """The round's results as an Excel file (texts written formula-safe)."""

    required_cap = Cap.SURVEY_RESULTS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from shouwen.surveys.exports import results_workbook

        survey = self.survey()
        out = BytesIO()
        results_workbook(services.round_results(survey), services.comments([survey.pk])).save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="survey-{survey.estate.code}-{survey.pk}.xlsx"'
        )
        return response


class PaperEntryView(RoundMixin, TemplateView):
    """Type in a paper form: find the household by its unit, then its answers (marked as paper)."""

    required_cap = Cap.SURVEY_ENTER
    template_name = "surveys/paper.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        survey = self.survey()
        questions = list(survey.questionnaire.questions.all())
        return self.render_to_response(
            self.get_context_data(
                survey=survey, unit_form=PaperUnitForm(), form=AnswerForm(questions=questions)
            )
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        survey = self.survey()
        questions = list(survey.questionnaire.questions.all())
        unit_form = PaperUnitForm(request.POST)
        form = AnswerForm(request.POST, questions=questions)
        if unit_form.is_valid() and form.is_valid():
            from shouwen.homevisits.services import find_unit

            unit = find_unit([survey.estate_id], unit_form.cleaned_data["unit_text"])
            try:
                household = services.household_for_unit(survey, unit)
                services.submit_response(
                    household, form.answers(), channel=ResponseChannel.PAPER, staff=acting_staff(request)
                )
            except ValidationError as exc:
                attach_errors(unit_form, exc, {"unit": "unit_text"})
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("%(unit)s 的纸质表已录入。") % {"unit": household.unit.label})
                return HttpResponseRedirect(reverse("surveys:paper", args=[survey.pk]))
        return self.render_to_response(self.get_context_data(survey=survey, unit_form=unit_form, form=form))


class CommentListView(RoundMixin, TemplateView):
    """The written comments of a round; one that asks for action becomes a case with one click."""

    required_cap = Cap.SURVEY_ENTER
    template_name = "surveys/comments.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        survey = self.survey()
        ctx.update(
            {
                "survey": survey,
                "comments": services.comments([survey.pk])[:500],
                "form": CommentCaseForm(),
                "can_register": can(self.request.user, Cap.CASE_REGISTER),
            }
        )
        return ctx


class CommentCaseView(CapabilityRequiredMixin, View):
    """Register a comment as a case (once) and go back to the comments."""

    required_cap = Cap.SURVEY_ENTER
    http_method_names = ["post"]
    model = Answer

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = get_object_or_404(
            scope_queryset(
                Answer.objects.select_related("response__round", "question", "case"), request.user
            ),
            pk=kwargs["pk"],
        )
        form = CommentCaseForm(request.POST)
        back = reverse("surveys:comments", args=[answer.response.round_id])
        if not form.is_valid():
            messages.error(request, _("请选择事项类别。"))
            return HttpResponseRedirect(back)
        try:
            case = services.comment_to_case(acting_staff(request), answer, form.cleaned_data["category"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("您无权登记事项。"))
        else:
            messages.success(request, _("已登记为事项 %(n)s。") % {"n": case.number})
        return HttpResponseRedirect(back)


# ── The page of the signed link (no sign-in: the signature is the credential) ──────────────────


def answer_form_response(
    request: HttpRequest,
    household: Household,
    channel: str,
    resident: Any = None,
    template: str = "surveys/answer.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the household's form, or record it on POST (shared by the link and the portal)."""
    survey = household.round
    questions = list(survey.questionnaire.questions.all())
    answered = getattr(household, "response", None) if hasattr(household, "response") else None
    form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
    status = 200
    if request.method == "POST" and answered is None and form.is_valid():
        try:
            answered = services.submit_response(household, form.answers(), channel=channel, resident=resident)
        except ValidationError as exc:
            attach_errors(form, exc)
            status = 400
        else:
            return render(
                request,
                template,
                {"household": household, "survey": survey, "done": answered, **(extra or {})},
            )
    elif request.method == "POST" and answered is None:
        status = 400
    return render(
        request,
        template,
        {"household": household, "survey": survey, "form": form, "answered": answered, **(extra or {})},
        status=status,
    )


@csrf_protect
def answer_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The phone page a text-message link opens: the form, once per household, until the round closes."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    try:
        household = services.household_from_token(token)
    except services.LinkInvalid:
        return render(request, "surveys/answer.html", {"invalid": True}, status=404)
    except services.LinkExpired:
        return render(request, "surveys/answer.html", {"expired": True}, status=410)
    return answer_form_response(request, household, ResponseChannel.SMS_LINK)
