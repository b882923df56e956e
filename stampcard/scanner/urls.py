"""Pages of stampcard.scanner, mounted in ``config.urls``."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from stampcard.scanner import views
from stampcard.scanner.api import api

app_name = "scanner"

urlpatterns: list = [
    path("", views.app, name="app"),
    path("api/", api.urls),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    path("icon-<int:size>.png", views.icon, name="icon"),
    # Only the project's own djangojs catalog (LOCALE_PATHS), not the admin's or other apps' JS strings.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["stampcard.scanner"]), name="jsi18n"),
]
