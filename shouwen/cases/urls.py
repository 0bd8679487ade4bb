from django.urls import path

from shouwen.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseQueueView.as_view(), name="queue"),
    path("bulk-reassign/", views.BulkReassignView.as_view(), name="bulk_reassign"),
    path("saved-views/", views.SavedViewSaveView.as_view(), name="save_view"),
    path("saved-views/<int:pk>/forget/", views.SavedViewForgetView.as_view(), name="forget_view"),
    path("intake/", views.IntakeView.as_view(), name="intake"),
    path("intake/lookup/", views.CallerLookupView.as_view(), name="caller_lookup"),
    path("intake/checklist/", views.ChecklistView.as_view(), name="checklist"),
    path("<str:number>/", views.CaseDetailView.as_view(), name="detail"),
    path("<str:number>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path("<str:number>/notice/", views.NoticePrintView.as_view(), name="notice"),
    path("<str:number>/do/<str:code>/", views.CaseActionView.as_view(), name="act"),
]
