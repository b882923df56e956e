"""Links to a card's wallet-independent pages. The customer pages (``stampcard.join``) own the web card's token."""

from stampcard.cards.models import Card


def web_card_url(card: Card) -> str:
    """The card's web page (works without any wallet): ``{BASE_URL}/c/<token>``, stable and unguessable."""
    from stampcard.join.links import web_card_url as join_web_card_url  # the public pages build on the wallets

    return join_web_card_url(card)
