"""Pages of stampcard.scanner, mounted in ``config.urls``."""

from django.urls import path  # noqa: F401

app_name = "scanner"

urlpatterns: list = []
