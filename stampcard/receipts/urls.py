"""Pages of stampcard.receipts, mounted in ``config.urls``."""

from django.urls import path  # noqa: F401

app_name = "receipts"

urlpatterns: list = []
