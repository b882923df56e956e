"""Poster's side of the integration: OAuth connect/callback, the webhook receiver, the connection page."""

from django.urls import path

from stampcard.poster import views

app_name = "poster"

urlpatterns = [
    path("", views.connection, name="connection"),
    path("connect", views.connect, name="connect"),
    path("callback", views.callback, name="callback"),
    path("disconnect", views.disconnect, name="disconnect"),
    path("spots", views.spots_map, name="spots"),
    path("webhook", views.webhook, name="webhook"),
]
