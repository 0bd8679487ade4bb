"""The survey's pages on the residents' portal, under /r/surveys/."""

from django.urls import path

from shouwen.surveys import portal

app_name = "survey_portal"

urlpatterns = [
    path("", portal.open_surveys, name="list"),
    path("<int:pk>/", portal.answer, name="answer"),
]
