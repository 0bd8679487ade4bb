"""The survey in the portal API, under /api/portal/v1/surveys/ (residents only)."""

from django.urls import path

from shouwen.surveys import portal

app_name = "survey_portal_api"

urlpatterns = [
    path("", portal.SurveysView.as_view(), name="list"),
    path("<int:pk>/", portal.SurveyAnswerView.as_view(), name="answer"),
]
