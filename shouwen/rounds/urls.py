from django.urls import path

from shouwen.rounds import views

app_name = "rounds"

urlpatterns = [
    path("review/", views.MorningReviewView.as_view(), name="review"),
    path("review/done/", views.MorningReviewDoneView.as_view(), name="review_done"),
    path("patrol/", views.PatrolListView.as_view(), name="patrol_list"),
    path("patrol/new/", views.PatrolNewView.as_view(), name="patrol_new"),
    path("patrol/<int:pk>/", views.PatrolDetailView.as_view(), name="patrol_detail"),
    path("patrol/<int:pk>/read/", views.PatrolReadView.as_view(), name="patrol_read"),
    path("patrol/<int:pk>/items/<int:item_id>/case/", views.FindingCaseView.as_view(), name="finding_case"),
    path("patrol/<int:pk>/photos/<int:photo_id>/", views.PatrolPhotoView.as_view(), name="patrol_photo"),
]
