from django.urls import path

from shouwen.followups import views

app_name = "followups"

urlpatterns = [
    path("", views.ReturnVisitQueueView.as_view(), name="queue"),
    path("<int:pk>/", views.ReturnVisitDetailView.as_view(), name="detail"),
    path("<int:pk>/record/", views.RecordReturnVisitView.as_view(), name="record"),
    path("<int:pk>/no-answer/", views.NoAnswerView.as_view(), name="no_answer"),
]
