"""The portal's WeChat page: binding a follower, under /r/wechat/."""

from django.urls import path

from shouwen.wechat import views_portal

app_name = "wechat_bind"

urlpatterns = [
    path("bind/<str:token>/", views_portal.bind, name="bind"),
]
