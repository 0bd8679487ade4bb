"""The residents' side of notices under /r/notices/: the signed link of a text message (no sign-in)."""

from django.urls import path

from shouwen.notices import views

app_name = "notices_portal"

urlpatterns = [
    path("s/<str:token>/", views.LinkView.as_view(), name="link"),
    path("s/<str:token>/files/<int:attachment_id>/", views.LinkAttachmentView.as_view(), name="link_file"),
]
