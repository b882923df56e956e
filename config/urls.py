from django.contrib import admin
from django.urls import include, path

from config.api import api
from stampcard.core import health, metrics
from stampcard.panel import views as panel_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Operations: liveness, readiness (database, task backlog), Prometheus metrics (token; docs/operations.md).
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", metrics.metrics_view),
    path("v/", include("stampcard.vouchers.urls")),
    path("r/", include("stampcard.receipts.urls")),
    path("i/", include("stampcard.inserts.urls")),
    path("m/", include("stampcard.campaigns.messages.urls")),
    path("scanner/", include("stampcard.scanner.urls")),
    path("", include("stampcard.public.urls")),
    path("wallet/google/", include("stampcard.wallet.google.urls")),
    path("wallet/apple/", include("stampcard.wallet.apple.urls")),
    path("integrations/poster/", include("stampcard.poster.urls")),
    path("", panel_views.home, name="home"),
    path("", include("stampcard.panel.urls")),
]
