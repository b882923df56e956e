"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.campaigns import views

urlpatterns = [
    path("campaigns/", views.campaigns_page, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path("campaigns/audience-size/", views.campaign_audience_size, name="campaign-audience-size"),
    path("campaigns/<uuid:campaign_id>/", views.campaign_page, name="campaign"),
    path("campaigns/<uuid:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<uuid:campaign_id>/progress/", views.campaign_progress, name="campaign-progress"),
    path("campaigns/<uuid:campaign_id>/send/", views.campaign_send, name="campaign-send"),
    path("campaigns/<uuid:campaign_id>/cancel/", views.campaign_cancel, name="campaign-cancel"),
    path("campaigns/<uuid:campaign_id>/test-send/", views.campaign_test_send, name="campaign-test-send"),
]
