from django.urls import path

from shouwen.surveys import views

app_name = "survey_public"

urlpatterns = [
    path("<str:token>/", views.answer_by_link, name="answer"),
]
