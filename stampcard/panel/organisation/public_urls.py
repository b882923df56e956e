"""The organisation part's pages at the site root (in the ``panel:`` namespace): the invitation link, and the two
Poster addresses Poster knows (the OAuth redirect URI registered at Poster, the old connection page)."""

from django.urls import URLPattern, path

from stampcard.panel.organisation import integrations, invite

urlpatterns: list[URLPattern] = [
    path("invite/<invitation_token>/", invite.invite_page, name="invite"),
    path("integrations/poster/", integrations.poster_old_page, name="integration-poster-old-page"),
    path("integrations/poster/callback", integrations.poster_callback, name="integration-poster-callback"),
]
