"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import URLPattern, path

from stampcard.panel.organisation import inserts, integrations, keys, locations, plan, printouts, staff, webhooks

urlpatterns: list[URLPattern] = [
    path("keys/", keys.keys_page, name="keys"),
    path("keys/new/", keys.key_new_page, name="key-new"),
    path("keys/<key_id>/revoke/", keys.key_revoke, name="key-revoke"),
    path("keys/devices/<device_id>/unpair/", keys.key_device_unpair, name="key-device-unpair"),
    path("locations/", locations.locations_page, name="locations"),
    path("locations/new/", locations.location_new_page, name="location-new"),
    path("locations/<location_id>/", locations.location_edit_page, name="location-edit"),
    path("locations/<location_id>/active/", locations.location_active_switch, name="location-active"),
    path("staff/", staff.staff_page, name="staff"),
    path("staff/invite/", staff.staff_invite_page, name="staff-invite"),
    path("staff/<membership_id>/", staff.staff_edit_page, name="staff-edit"),
    path("staff/<membership_id>/deactivate/", staff.staff_deactivate, name="staff-deactivate"),
    path("staff/invitations/<invitation_id>/withdraw/", staff.staff_invitation_cancel, name="staff-invitation-cancel"),
    path("plan/", plan.plan_page, name="plan"),
    path("printouts/", printouts.printouts_page, name="printouts"),
    path("integrations/", integrations.integrations_page, name="integrations"),
    path("integrations/poster/connect/", integrations.poster_connect, name="integration-poster-connect"),
    path("integrations/poster/spots/", integrations.poster_spots_save, name="integration-poster-spots"),
    path(
        "integrations/poster/<poster_account_id>/refresh/",
        integrations.poster_spots_refresh,
        name="integration-poster-refresh",
    ),
    path(
        "integrations/poster/<poster_account_id>/disconnect/",
        integrations.poster_disconnect,
        name="integration-poster-disconnect",
    ),
    path("integrations/webhooks/", webhooks.webhooks_page, name="integration-webhooks"),
    path("integrations/webhooks/new/", webhooks.webhook_new_page, name="integration-webhook-new"),
    path(
        "integrations/webhooks/deliveries/<delivery_id>/replay/",
        webhooks.webhook_delivery_replay,
        name="integration-webhook-replay",
    ),
    path("integrations/webhooks/<endpoint_id>/", webhooks.webhook_page, name="integration-webhook"),
    path(
        "integrations/webhooks/<endpoint_id>/roll-secret/",
        webhooks.webhook_secret_roll,
        name="integration-webhook-roll",
    ),
    path("integrations/webhooks/<endpoint_id>/test/", webhooks.webhook_test_send, name="integration-webhook-test"),
    path("integrations/webhooks/<endpoint_id>/delete/", webhooks.webhook_delete, name="integration-webhook-delete"),
    path("printouts/inserts/", inserts.inserts_page, name="printout-inserts"),
    path("printouts/inserts/new/", inserts.insert_batch_new, name="printout-insert-new"),
    path("printouts/inserts/<uuid:insert_batch_id>/", inserts.insert_batch_page, name="printout-insert-batch"),
    path(
        "printouts/inserts/<uuid:insert_batch_id>/inserts.pdf",
        inserts.insert_batch_pdf,
        name="printout-insert-batch-pdf",
    ),
]
