from django.urls import path

from shouwen.access import views

app_name = "access"

urlpatterns = [
    path("log/", views.AccessLogListView.as_view(), name="access_log"),
]
