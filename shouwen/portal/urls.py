"""The residents' portal pages under /r/."""

from django.urls import path

from shouwen.portal import views, views_auth

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views_auth.sign_in, name="sign_in"),
    path("sign-in/code/", views_auth.verify, name="verify"),
    path("sign-in/choose/", views_auth.choose, name="choose"),
    path("sign-out/", views_auth.sign_out, name="sign_out"),
    path("l/<str:token>/", views_auth.link, name="link"),
    path("report/", views.report, name="report"),
    path("matters/<int:pk>/", views.case_page, name="case"),
    path("matters/<int:pk>/add/", views.add_information, name="add"),
    path("matters/<int:pk>/visit/", views.answer_visit, name="visit"),
    path("matters/<int:pk>/cancel/", views.request_cancel, name="cancel"),
]
