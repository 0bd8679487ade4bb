"""The portal API of notices, under /api/portal/v1/notices/ (residents only)."""

from django.urls import path

from shouwen.notices import api_portal

app_name = "portal_notices_api"

urlpatterns = [
    path("", api_portal.NoticeListView.as_view(), name="list"),
    path("<int:pk>/", api_portal.NoticeDetailView.as_view(), name="detail"),
    path("sms/", api_portal.SmsSettingView.as_view(), name="sms"),
]
