from django.urls import path

from shouwen.sla import views

app_name = "sla"

urlpatterns = [
    path("escalations/", views.EscalationListView.as_view(), name="escalations"),
    path(
        "escalations/<int:pk>/acknowledge/",
        views.EscalationActionView.as_view(verb="acknowledge"),
        name="escalation_acknowledge",
    ),
    path(
        "escalations/<int:pk>/handle/",
        views.EscalationActionView.as_view(verb="handle"),
        name="escalation_handle",
    ),
]
