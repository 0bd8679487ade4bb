"""The server URL of each official account: /wechat/in/<AppID>/."""

from django.urls import path

from shouwen.wechat import views

app_name = "wechat"

urlpatterns = [
    path("in/<str:app_id>/", views.server, name="server"),
]
