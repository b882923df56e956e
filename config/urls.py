from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from config.api import api
from stampcard.panel import views as panel_views


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", health),
    path("v/", include("stampcard.vouchers.urls")),
    path("r/", include("stampcard.receipts.urls")),
    path("i/", include("stampcard.inserts.urls")),
    path("scanner/", include("stampcard.scanner.urls")),
    path("", include("stampcard.public.urls")),
    path("wallet/google/", include("stampcard.wallet.google.urls")),
    path("wallet/apple/", include("stampcard.wallet.apple.urls")),
    path("integrations/poster/", include("stampcard.poster.urls")),
    path("", panel_views.home, name="home"),
    path("", include("stampcard.panel.urls")),
]
