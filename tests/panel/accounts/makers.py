"""URL parameters of the accounts pages for the URL walk: links mailed to staff (public pages, any value will do)."""

from tests.panel.objects import object_maker


@object_maker("token")
def _token(shop):
    return "not-a-real-token"


@object_maker("uidb64")
def _uid(shop):
    return "MQ"
