"""Objects for the URL walk's parameters on the automation pages: an automation's kind."""

from tests.panel.objects import Shop, object_maker


@object_maker("kind")
def _kind(shop: Shop) -> object:
    return "birthday"
