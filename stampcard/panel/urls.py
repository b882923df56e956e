"""The panel's URLs, mounted at the site root by ``config.urls``: ``/login/``, ``/signup/``… and ``/panel/…``."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from stampcard.panel import views
from stampcard.panel.access import panel_public

app_name = "panel"

urlpatterns = [
    path("", include("stampcard.panel.accounts.urls")),
    path("", include("stampcard.panel.organisation.public_urls")),
    path("panel/", views.dashboard_page, name="dashboard"),
    path("panel/alerts/<uuid:alert_id>/dismiss/", views.alert_dismiss, name="alert-dismiss"),
    path("panel/alerts/dismiss/", views.alerts_dismiss_all, name="alerts-dismiss"),
    path("panel/choose/", views.choose_page, name="choose"),
    path("panel/language/", views.language_switch, name="language"),
    path(
        "panel/jsi18n/",
        panel_public(JavaScriptCatalog.as_view(packages=["stampcard.panel"])),
        name="jsi18n",
    ),
    path("panel/", include("stampcard.panel.designer.urls")),
    path("panel/", include("stampcard.panel.rewards.urls")),
    path("panel/", include("stampcard.panel.organisation.urls")),
    path("panel/", include("stampcard.panel.journal.urls")),
    path("panel/", include("stampcard.panel.customers.urls")),
    path("panel/", include("stampcard.panel.alerts.urls")),
    path("panel/", include("stampcard.panel.analytics.urls")),
    path("panel/", include("stampcard.panel.campaigns.urls")),
    path("panel/", include("stampcard.panel.automations.urls")),
]
