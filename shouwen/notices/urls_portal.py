"""The residents' side of notices under /r/notices/: the board, a notice, and the text message's signed link."""

from django.urls import path

from shouwen.notices import views, views_portal

app_name = "notices_portal"

urlpatterns = [
    path("", views_portal.board, name="board"),
    path("<int:pk>/", views_portal.notice_page, name="notice"),
    path("<int:pk>/files/<int:attachment_id>/", views_portal.notice_file, name="file"),
    path("sms/", views_portal.sms_setting, name="sms"),
    path("s/<str:token>/", views.LinkView.as_view(), name="link"),
    path("s/<str:token>/files/<int:attachment_id>/", views.LinkAttachmentView.as_view(), name="link_file"),
]
