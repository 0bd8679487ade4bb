"""The quarterly service-quality assessment of each department (004 服务质量管理办法).

Four inputs, weighted by the administrator's :class:`AssessmentWeights`:
the monthly self-check score and the inspection score (entered, 0–100), the survey satisfaction
(entered; else the opinion survey's satisfaction with the department's service from forms answered in
the quarter; else the return-visit satisfaction of the department's cases from the system), and the
complaints against the department (from the system: 100 − complaints × points per complaint, at least 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, can_see_estate, staff_of
from shouwen.cases.models import CaseStatus, Category, Contact
from shouwen.core.history import acting_as
from shouwen.directory.models import Department, Staff
from shouwen.followups.models import ReturnVisit, Satisfaction, VisitStatus
from shouwen.reports.models import AssessmentWeights, DepartmentAssessment
from shouwen.reports.periods import Period
from shouwen.reports.services import percent

HUNDRED = Decimal(100)


@dataclass
class DepartmentScore:
    department: Department
    self_check: Decimal | None
    inspection: Decimal | None
    survey: Decimal | None
    survey_from_system: bool
    complaints: int
    complaint_score: Decimal
    score: Decimal | None
    missing: list[str]
    entry: DepartmentAssessment | None
    survey_from_questionnaire: bool = False


@dataclass
class QuarterResult:
    period: Period
    weights: AssessmentWeights | None
    rows: list[DepartmentScore]
    can_enter: bool


def _weights_for(user: AnyUser, estate_ids: list[int]) -> AssessmentWeights | None:
    staff = staff_of(user)
    company_id = staff.company_id if staff is not None else None
    if company_id is None and estate_ids:
        from shouwen.directory.models import Estate

        company_id = Estate.objects.filter(pk=estate_ids[0]).values_list("company_id", flat=True).first()
    if company_id is None:
        return None
    return AssessmentWeights.objects.filter(company_id=company_id).first()


def quarterly_scores(user: AnyUser, estate_ids: list[int], year: int, quarter: int) -> QuarterResult:
    """Every department of the estates with its four inputs and weighted score (four queries and the weights)."""
    period = Period.quarter(year, quarter)
    s, e = period.start_at, period.end_at
    departments = list(Department.objects.filter(estate_id__in=estate_ids).select_related("estate"))
    entries = {
        a.department_id: a
        for a in DepartmentAssessment.objects.filter(department__in=departments, year=year, quarter=quarter)
    }
    made = Q(status=VisitStatus.DONE, visited_at__gte=s, visited_at__lt=e)
    surveys = {
        row["case__department_id"]: row
        for row in ReturnVisit.objects.filter(made, case__department__in=departments)
        .order_by()
        .values("case__department_id")
        .annotate(
            answered=Count("id"),
            pleased=Count(
                "id", filter=Q(satisfaction__in=[Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED])
            ),
        )
    }
    complaints = dict(
        Contact.objects.filter(
            complained_department__in=departments,
            category=Category.COMPLAINT,
            received_at__gte=s,
            received_at__lt=e,
        )
        .exclude(case__status=CaseStatus.VOID)
        .order_by()
        .values("complained_department_id")
        .annotate(n=Count("id"))
        .values_list("complained_department_id", "n")
    )
    from shouwen.surveys.services import service_satisfaction

    questionnaire = service_satisfaction(estate_ids, s, e)
    weights = _weights_for(user, estate_ids)
    rows = []
    for dept in departments:
        entry = entries.get(dept.pk)
        self_check = entry.self_check_score if entry else None
        inspection = entry.inspection_score if entry else None
        survey = entry.survey_satisfaction if entry else None
        from_system = from_questionnaire = False
        figure = questionnaire.get((dept.estate_id, dept.kind))
        if survey is None and figure is not None:
            survey = figure.satisfaction
            from_questionnaire = survey is not None
        if survey is None and dept.pk in surveys:
            survey = percent(surveys[dept.pk]["pleased"], surveys[dept.pk]["answered"])
            from_system = survey is not None
        n = complaints.get(dept.pk, 0)
        per = weights.points_per_complaint if weights else Decimal(10)
        complaint_score = max(Decimal(0), HUNDRED - n * per)
        missing = [
            label
            for label, value in (
                (_("月度自查得分"), self_check),
                (_("检查评分"), inspection),
                (_("调查满意率"), survey),
            )
            if value is None
        ]
        score = None
        if weights is not None and not missing and weights.total:
            assert self_check is not None and inspection is not None and survey is not None
            total = (
                self_check * weights.self_check
                + inspection * weights.inspection
                + survey * weights.survey
                + complaint_score * weights.complaints
            )
            score = (total / weights.total).quantize(Decimal("0.1"), ROUND_HALF_UP)
        rows.append(
            DepartmentScore(
                dept,
                self_check,
                inspection,
                survey,
                from_system,
                n,
                complaint_score,
                score,
                missing,
                entry,
                survey_from_questionnaire=from_questionnaire,
            )
        )
    rows.sort(key=lambda r: (r.department.estate.code, r.department.kind))
    return QuarterResult(period=period, weights=weights, rows=rows, can_enter=can(user, Cap.ASSESSMENT_ENTER))


def _score(raw: str, label: str) -> Decimal | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("%(label)s 应为 0–100 的数字") % {"label": label}) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValidationError(_("%(label)s 应为 0–100 的数字") % {"label": label})
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


@transaction.atomic
def enter_scores(
    staff: Staff,
    *,
    department_id: int | None,
    year: int,
    quarter: int,
    self_check: str,
    inspection: str,
    survey: str,
    note: str = "",
) -> DepartmentAssessment:
    """Record (or correct) the entered scores of a department's quarter; who and when are kept."""
    if not can(staff.user, Cap.ASSESSMENT_ENTER):
        raise PermissionDenied(Cap.ASSESSMENT_ENTER)
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    if department is None or not can_see_estate(staff.user, department.estate_id):
        raise ValidationError(_("请选择您所服务小区的部门"))
    values: dict[str, Any] = {
        "self_check_score": _score(self_check, _("月度自查得分")),
        "inspection_score": _score(inspection, _("检查评分")),
        "survey_satisfaction": _score(survey, _("调查满意率")),
        "note": (note or "").strip()[:200],
        "entered_by": staff,
        "entered_at": timezone.now(),
    }
    with acting_as(staff.user):
        entry, _created = DepartmentAssessment.objects.update_or_create(
            department=department, year=year, quarter=quarter, defaults=values
        )
    return entry
