"""The organisation part's pages at the site root (in the ``panel:`` namespace): the invitation link."""

from django.urls import URLPattern, path

from stampcard.panel.organisation import invite

urlpatterns: list[URLPattern] = [
    path("invite/<invitation_token>/", invite.invite_page, name="invite"),
]
