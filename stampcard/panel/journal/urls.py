"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.journal import views

urlpatterns = [
    path("journal/", views.journal_list, name="journal"),
]
