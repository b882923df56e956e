"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import path

from stampcard.panel.alerts import views

urlpatterns = [
    path("alerts/", views.abuse_alerts_page, name="abuse-alerts"),
    path("alerts/<uuid:abuse_alert_id>/review/", views.abuse_alert_review, name="abuse-alert-review"),
    path("alerts/referrals/<uuid:referral_id>/review/", views.referral_flag_review, name="referral-flag-review"),
    path("alerts/referrals/<uuid:referral_id>/reward/", views.referral_reward_give, name="referral-reward-give"),
]
