from django.urls import path

from shouwen.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.MonthlyReportView.as_view(), name="monthly"),
    path("reports/cases/", views.DrillDownView.as_view(), name="cases"),
    path("reports/export.xlsx", views.ExcelExportView.as_view(), name="excel"),
    path("reports/report.pdf", views.PdfExportView.as_view(), name="pdf"),
    path("reports/assessment/", views.AssessmentView.as_view(), name="assessment"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
]
