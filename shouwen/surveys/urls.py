from django.urls import path

from shouwen.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("questionnaires/", views.QuestionnaireListView.as_view(), name="questionnaires"),
    path("questionnaires/new/", views.QuestionnaireEditView.as_view(), name="questionnaire_new"),
    path("questionnaires/<int:pk>/", views.QuestionnaireEditView.as_view(), name="questionnaire_edit"),
    path("rounds/new/", views.RoundCreateView.as_view(), name="round_new"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="detail"),
    path("rounds/<int:pk>/export/", views.RoundExportView.as_view(), name="export"),
    path("rounds/<int:pk>/paper/", views.PaperEntryView.as_view(), name="paper"),
    path("rounds/<int:pk>/comments/", views.CommentListView.as_view(), name="comments"),
    path("answers/<int:pk>/case/", views.CommentCaseView.as_view(), name="comment_case"),
]
