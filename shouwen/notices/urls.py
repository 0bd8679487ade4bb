from django.urls import path

from shouwen.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.NoticeListView.as_view(), name="list"),
    path("new/", views.NoticeCreateView.as_view(), name="create"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("<int:pk>/", views.NoticeDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.NoticeEditView.as_view(), name="edit"),
    path("<int:pk>/publish/", views.NoticePublishView.as_view(), name="publish"),
    path("<int:pk>/withdraw/", views.NoticeWithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/attachments/", views.NoticeAttachView.as_view(), name="attach"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.NoticeAttachmentFileView.as_view(),
        name="attachment",
    ),
    path("<int:pk>/print/", views.NoticePrintView.as_view(), name="print"),
    path("<int:pk>/households/", views.NoticeHouseholdsView.as_view(), name="households"),
    path("residents/<int:pk>/sms/", views.SmsOptOutView.as_view(), name="sms_opt_out"),
]
