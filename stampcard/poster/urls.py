"""Poster's side of the integration: the webhook receiver.

The connection page (``/integrations/poster/``) and Poster's OAuth callback (``/integrations/poster/callback``, the
redirect URI registered at Poster) keep their addresses but belong to the panel: ``stampcard.panel.organisation``.
"""

from django.urls import path

from stampcard.poster import views

app_name = "poster"

urlpatterns = [
    path("webhook", views.webhook, name="webhook"),
]
