"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import URLPattern, path

from stampcard.panel.organisation import keys, locations

urlpatterns: list[URLPattern] = [
    path("keys/", keys.keys_page, name="keys"),
    path("keys/new/", keys.key_new_page, name="key-new"),
    path("keys/<key_id>/revoke/", keys.key_revoke, name="key-revoke"),
    path("keys/devices/<device_id>/unpair/", keys.key_device_unpair, name="key-device-unpair"),
    path("locations/", locations.locations_page, name="locations"),
    path("locations/new/", locations.location_new_page, name="location-new"),
    path("locations/<location_id>/", locations.location_edit_page, name="location-edit"),
    path("locations/<location_id>/active/", locations.location_active_switch, name="location-active"),
]
