"""The technician's phone pages under /m/."""

from django.urls import path

from shouwen.workorders import views_mobile

app_name = "mobile"

urlpatterns = [
    path("", views_mobile.MobileHomeView.as_view(), name="home"),
    path("night/", views_mobile.NightCallView.as_view(), name="night"),
    path("jobs/<str:number>/", views_mobile.JobView.as_view(), name="job"),
    path("jobs/<str:number>/do/<str:code>/", views_mobile.JobActionView.as_view(), name="act"),
]
