"""URL map of the REST API under /api/v1/: directory, contacts and cases, notifications, return visits, me/, the schema and its docs pages."""

from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from shouwen.access.permissions import IsStaffMember
from shouwen.api.views import (
    cases,
    directory,
    duty,
    followups,
    homevisits,
    notices,
    notifications,
    reports,
    rounds,
    surveys,
    wechat,
    workorders,
)
from shouwen.api.views.escalations import EscalationViewSet
from shouwen.api.views.mailbox import MailMessageViewSet
from shouwen.api.views.me import MeView
from shouwen.api.views.summaries import MonthlySummaryViewSet
from shouwen.core.csp import CSP, csp_override

app_name = "api"

router = DefaultRouter()
router.register("estates", directory.EstateViewSet, basename="estate")
router.register("buildings", directory.BuildingViewSet, basename="building")
router.register("units", directory.UnitViewSet, basename="unit")
router.register("public-areas", directory.PublicAreaViewSet, basename="public-area")
router.register("residents", directory.ResidentViewSet, basename="resident")
router.register("occupancies", directory.OccupancyViewSet, basename="occupancy")
router.register("departments", directory.DepartmentViewSet, basename="department")
router.register("staff", directory.StaffViewSet, basename="staff")
router.register("contacts", cases.ContactViewSet, basename="contact")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("return-visits", followups.ReturnVisitViewSet, basename="return-visit")
router.register("visit-areas", homevisits.VisitAreaViewSet, basename="visit-area")
router.register("home-visits", homevisits.HomeVisitViewSet, basename="home-visit")
router.register("monthly-summaries", MonthlySummaryViewSet, basename="monthly-summary")
router.register("work-orders", workorders.WorkOrderViewSet, basename="work-order")
router.register("materials", workorders.MaterialViewSet, basename="material")
router.register("patrol-checkpoints", rounds.CheckpointViewSet, basename="patrol-checkpoint")
router.register("patrol-reports", rounds.PatrolReportViewSet, basename="patrol-report")
router.register("duty/roster", duty.RosterEntryViewSet, basename="roster-entry")
router.register("duty/handover-sheets", duty.HandoverSheetViewSet, basename="handover-sheet")
router.register("duty/night-log", duty.NightLogEntryViewSet, basename="night-log-entry")
router.register("mail-messages", MailMessageViewSet, basename="mail-message")
router.register("wechat/accounts", wechat.WechatAccountViewSet, basename="wechat-account")
router.register("wechat/followers", wechat.FollowerViewSet, basename="wechat-follower")
# Before "notices": the detail route notices/<pk>/ would otherwise catch "board-renewals".
router.register("notices/board-renewals", notices.BoardRenewalViewSet, basename="board-renewal")
router.register("notices", notices.NoticeViewSet, basename="notice")
router.register("surveys/questionnaires", surveys.QuestionnaireViewSet, basename="survey-questionnaire")
router.register("surveys/rounds", surveys.SurveyRoundViewSet, basename="survey-round")
router.register("surveys/answers", surveys.SurveyAnswerViewSet, basename="survey-answer")

# drf-spectacular serves the schema and docs to anyone by default; here only staff may read them.
_staff_only = {"permission_classes": [IsStaffMember]}

# Redoc styles itself by injecting <style> elements (styled-components) and searches in a worker it
# builds from a blob: URL. Only its page gets these two allowances; scripts stay 'self' only.
REDOC_CSP = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, CSP.BLOB],
}

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("reports/monthly/", reports.MonthlyReportAPIView.as_view(), name="report-monthly"),
    path("reports/rates/", reports.RatesAPIView.as_view(), name="report-rates"),
    path("reports/recurring/", reports.RecurringAPIView.as_view(), name="report-recurring"),
    path("reports/dashboard/", reports.DashboardAPIView.as_view(), name="report-dashboard"),
    path("reports/assessment/", reports.AssessmentAPIView.as_view(), name="report-assessment"),
    path("morning-review/", rounds.MorningReviewAPIView.as_view(), name="morning-review"),
    path("notices/sms-opt-out/", notices.SmsOptOutAPIView.as_view(), name="notice-sms-opt-out"),
    path("schema/", SpectacularAPIView.as_view(**_staff_only), name="schema"),
    path(
        "docs/",
        # The split view loads its start-up script from ?script instead of inlining it, so Swagger UI
        # runs under the site's policy unchanged.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html", **_staff_only
        ),
        name="docs",
    ),
    path(
        "redoc/",
        # Our template drops the Google Fonts links of the stock one: site networks may have no internet.
        csp_override(REDOC_CSP)(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html", **_staff_only)
        ),
        name="redoc",
    ),
    path("", include(router.urls)),
]
