"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.journal import views

urlpatterns = [
    path("journal/", views.journal_list, name="journal"),
    path("journal/export.csv", views.journal_export, name="journal-export-csv"),
    path("journal/<int:event_id>/card/", views.journal_card_view, name="journal-card"),
]
