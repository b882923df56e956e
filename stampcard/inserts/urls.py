"""Pages of stampcard.inserts, mounted in ``config.urls``."""

from django.urls import path  # noqa: F401

app_name = "inserts"

urlpatterns: list = []
