"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.automations import views

urlpatterns = [
    path("automations/", views.automations_page, name="automations"),
    path("automations/<uuid:program_id>/", views.automations_program_page, name="automations-program"),
    path("automations/<uuid:program_id>/<slug:kind>/", views.automation_page, name="automation"),
    path("automations/<uuid:program_id>/<slug:kind>/switch/", views.automation_switch, name="automation-switch"),
]
