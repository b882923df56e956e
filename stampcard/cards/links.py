"""The public identities of cards and programs, and the URLs built on them.

``web_card_url(card)`` is ``{BASE_URL}/c/<token>``: the card's web page, which the wallet passes link to (Apple back
field, Google link module). The token is a bearer credential, kept as a digest and a sealed copy (``CardLink``): a
link is found by ``card_link_digest`` of its token. ``join_url(program)`` is the program's join page, printed in its
join QR. Tokens and slugs are made on first use and never change, so a link printed or sent once keeps working. The
pages themselves are the customer pages' (``stampcard.public``, URL namespace ``join``); only their names are used
here.
"""

import secrets

from django.conf import settings
from django.urls import reverse

from stampcard.cards.models import Card, CardLink, Program, ProgramLink
from stampcard.core import secretbox
from stampcard.core.codes import random_base32
from stampcard.core.uniques import insert_with_fresh_code

CARD_TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
PROGRAM_SLUG_LENGTH = 8  # Crockford base32, lower case: 40 bits; the join page is public anyway
_ATTEMPTS = 5


def card_token(card: Card) -> str:
    """The card's web token, made on first use."""

    def made() -> str | None:
        # At most one row (one-to-one), so no ``first()``: its ORDER BY id let the planner walk the primary key.
        links = list(CardLink.objects.filter(card=card).only("token_digest", "token_sealed")[:1])
        return links[0].token if links else None

    def insert() -> str:
        link = CardLink(card=card)
        link.token = token = secrets.token_urlsafe(CARD_TOKEN_BYTES)
        link.save(force_insert=True)
        return token

    # A collision is another request making this card's link first (or, never in practice, a repeated token).
    return made() or insert_with_fresh_code(insert, attempts=_ATTEMPTS, what="web token for the card", on_conflict=made)


def card_link_digest(token: str) -> str:
    """What ``CardLink.token_digest`` holds for ``token``: look a link up by this, never by the token."""
    return secretbox.digest(token)


def program_slug(program: Program) -> str:
    """The program's short public slug, made on first use."""

    def made() -> str | None:
        links = list(ProgramLink.objects.filter(program=program).only("slug")[:1])  # one-to-one: no ORDER BY
        return links[0].slug if links else None

    return made() or insert_with_fresh_code(
        lambda: ProgramLink.objects.create(program=program, slug=random_base32(PROGRAM_SLUG_LENGTH).lower()).slug,
        attempts=_ATTEMPTS,
        what="join slug for the program",
        on_conflict=made,
    )


def web_card_path(card: Card) -> str:
    return reverse("join:card", kwargs={"token": card_token(card)})


def web_card_url(card: Card) -> str:
    """The absolute URL of the card's web page: ``{BASE_URL}/c/<token>``."""
    return settings.BASE_URL + web_card_path(card)


def join_path(program: Program) -> str:
    return reverse("join:join", kwargs={"ref": program_slug(program)})


def join_url(program: Program) -> str:
    """The absolute URL of the program's join page, as printed in its join QR."""
    return settings.BASE_URL + join_path(program)
