"""The portal API under /api/portal/v1/: residents only, with their own sign-in."""

from django.urls import path

from shouwen.portal import api, api_auth

app_name = "portal_api"

urlpatterns = [
    path("auth/code/", api_auth.CodeView.as_view(), name="code"),
    path("auth/token/", api_auth.TokenView.as_view(), name="token"),
    path("auth/sign-out/", api_auth.SignOutView.as_view(), name="sign_out"),
    path("me/", api.MeView.as_view(), name="me"),
    path("matters/", api.ReportView.as_view(), name="cases"),
    path("matters/<int:pk>/", api.CaseDetailView.as_view(), name="case"),
    path("matters/<int:pk>/information/", api.InformationView.as_view(), name="information"),
    path("matters/<int:pk>/return-visit/", api.VisitAnswerView.as_view(), name="return_visit"),
    path("matters/<int:pk>/cancel-request/", api.CancelRequestView.as_view(), name="cancel_request"),
]
