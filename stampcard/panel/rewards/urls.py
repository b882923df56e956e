"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
