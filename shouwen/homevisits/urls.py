from django.urls import path

from shouwen.homevisits import views

app_name = "homevisits"

urlpatterns = [
    path("", views.TodayPlanView.as_view(), name="today"),
    path("record/", views.RecordVisitView.as_view(), name="record"),
    path("<int:pk>/", views.VisitDetailView.as_view(), name="detail"),
    path("<int:pk>/case/", views.VisitCaseView.as_view(), name="case"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("areas/new/", views.AreaEditView.as_view(), name="area_new"),
    path("areas/<int:pk>/", views.AreaEditView.as_view(), name="area_edit"),
]
