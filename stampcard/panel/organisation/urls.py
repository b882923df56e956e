"""Mounted under /panel/ in the panel's namespace (``panel:``) by ``stampcard.panel.urls``."""

from django.urls import URLPattern, path

from stampcard.panel.organisation import keys

urlpatterns: list[URLPattern] = [
    path("keys/", keys.keys_page, name="keys"),
    path("keys/new/", keys.key_new_page, name="key-new"),
    path("keys/<key_id>/revoke/", keys.key_revoke, name="key-revoke"),
    path("keys/devices/<device_id>/unpair/", keys.key_device_unpair, name="key-device-unpair"),
]
