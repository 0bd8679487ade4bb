"""Desk URLs of work orders under /workorders/."""

from django.urls import path

from shouwen.workorders import views

app_name = "workorders"

urlpatterns = [
    path("move-in/", views.MoveInDefectsView.as_view(), name="move_in"),
    path("new/<str:number>/", views.CreateFromCaseView.as_view(), name="create"),
    path("<str:number>/pdf/", views.WorkOrderPdfView.as_view(), name="pdf"),
    path("<str:number>/signature.png", views.SignatureFileView.as_view(), name="signature"),
    path("<str:number>/photos/<int:photo_id>/", views.PhotoFileView.as_view(), name="photo"),
]
