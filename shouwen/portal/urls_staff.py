"""The desk's pages about the residents' portal."""

from django.urls import path

from shouwen.portal import views_staff

app_name = "portal_staff"

urlpatterns = [
    path("cancel-requests/", views_staff.CancelRequestsView.as_view(), name="requests"),
]
