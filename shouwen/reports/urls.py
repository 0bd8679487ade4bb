from django.urls import path

from shouwen.reports import views, views_summaries

app_name = "reports"

urlpatterns = [
    path("reports/", views.MonthlyReportView.as_view(), name="monthly"),
    path("reports/cases/", views.DrillDownView.as_view(), name="cases"),
    path("reports/export.xlsx", views.ExcelExportView.as_view(), name="excel"),
    path("reports/report.pdf", views.PdfExportView.as_view(), name="pdf"),
    path("reports/assessment/", views.AssessmentView.as_view(), name="assessment"),
    path("reports/summaries/", views_summaries.SummaryListView.as_view(), name="summaries"),
    path("reports/summaries/<int:pk>/", views_summaries.SummaryDetailView.as_view(), name="summary"),
    path(
        "reports/summaries/<int:pk>/print/", views_summaries.SummaryPrintView.as_view(), name="summary_print"
    ),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
]
