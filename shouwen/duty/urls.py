from django.urls import path

from shouwen.duty import views

app_name = "duty"

urlpatterns = [
    path("", views.RosterView.as_view(), name="roster"),
    path("roster/<int:pk>/remove/", views.RemoveRosterEntryView.as_view(), name="roster_remove"),
    path("handover/", views.SheetListView.as_view(), name="sheets"),
    path("handover/<int:pk>/", views.SheetView.as_view(), name="sheet"),
    path("night/", views.NightLogView.as_view(), name="night"),
    path("night/<int:pk>/", views.NightEntryView.as_view(), name="night_entry"),
]
