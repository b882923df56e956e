"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.analytics import views

urlpatterns = [
    path("analytics/", views.analytics_page, name="analytics"),
    path("analytics/roi/", views.analytics_roi_save, name="analytics-roi"),
    path("analytics/csv/", views.analytics_csv, name="analytics-csv"),
]
