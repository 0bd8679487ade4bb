"""URL map: pages per app, the API under /api/v1/, admin, health check."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from shouwen.core.metrics import metrics
from shouwen.core.views import healthz, readyz

urlpatterns = [
    path("", include("shouwen.core.urls")),
    path("accounts/", include("shouwen.accounts.urls")),
    path("directory/", include("shouwen.directory.urls")),
    path("access/", include("shouwen.access.urls")),
    path("cases/", include("shouwen.cases.urls")),
    path("notifications/", include("shouwen.notifications.urls")),
    path("followups/", include("shouwen.followups.urls")),
    path("rounds/", include("shouwen.rounds.urls")),
    path("visits/", include("shouwen.homevisits.urls")),
    path("surveys/", include("shouwen.surveys.urls")),
    path("s/", include("shouwen.surveys.urls_public")),
    path("sla/", include("shouwen.sla.urls")),
    path("duty/", include("shouwen.duty.urls")),
    path("notices/", include("shouwen.notices.urls")),
    path("r/notices/", include("shouwen.notices.urls_portal")),
    path("workorders/", include("shouwen.workorders.urls")),
    path("m/", include("shouwen.workorders.urls_mobile")),
    path("wechat/", include("shouwen.wechat.urls")),
    path("", include("shouwen.reports.urls")),
    path("r/wechat/", include("shouwen.wechat.urls_portal")),
    path("r/surveys/", include("shouwen.surveys.urls_portal")),
    path("r/", include("shouwen.portal.urls")),
    path("resident-portal/", include("shouwen.portal.urls_staff")),
    path("api/v1/", include("shouwen.api.urls")),
    path("api/portal/v1/notices/", include("shouwen.notices.api_portal_urls")),
    path("api/portal/v1/surveys/", include("shouwen.surveys.urls_portal_api")),
    path("api/portal/v1/", include("shouwen.portal.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, the API docs).
    path("favicon.ico", RedirectView.as_view(url=static("shouwen/favicon.svg"), permanent=True)),
]

# A URL under /api/ that matches no route still answers JSON, like every other API error.
handler404 = "shouwen.core.views.not_found"
