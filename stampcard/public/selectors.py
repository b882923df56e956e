"""Reads for the customer pages. The public pages reach a program by its slug or id and a card by its web token:
those are the credentials, so no merchant is needed."""

import uuid

from stampcard.cards.links import card_link_digest
from stampcard.cards.models import Card, CardLink, Program, ProgramLink
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Membership, StaffUser


def program_get_public(*, ref: str) -> Program:
    """An active program by its public slug or its id. Raises NotFound."""
    ref = (ref or "").strip()
    qs = Program.objects.filter(is_active=True).select_related("merchant")
    program: Program | None = None
    if len(ref) == 36:
        try:
            program = qs.filter(pk=uuid.UUID(ref)).first()
        except ValueError:
            program = None
    elif 4 <= len(ref) <= 16:
        link = ProgramLink.objects.filter(slug=ref.lower()).only("program_id").first()
        program = qs.filter(pk=link.program_id).first() if link else None
    if program is None:
        raise NotFound(code="program_not_found")
    return program


def card_get_by_token(*, token: str) -> Card:
    """The card behind a web-card link. Raises NotFound."""
    token = (token or "").strip()
    link = (
        CardLink.objects.filter(token_digest=card_link_digest(token))
        .select_related("card__program__merchant", "card__program_version", "card__customer")
        .first()
        if 16 <= len(token) <= 48
        else None
    )
    if link is None:
        raise NotFound(code="card_not_found")
    return _survivor_of(link.card)


def _survivor_of(card: Card) -> Card:
    """The card itself, or the card it was merged into (duplicate customers merged): an old link, remembered on a
    phone or saved in a wallet pass, opens the card that holds the stamps now."""
    if card.merged_into_id is None:
        return card
    return Card.objects.select_related("program__merchant", "program_version", "customer").get(pk=card.merged_into_id)


def cards_by_tokens(*, tokens: list[str]) -> list[Card]:
    """Cards behind several web tokens, in the order of ``tokens``; unknown tokens are skipped."""
    digests = [card_link_digest(token) for token in tokens]
    links = CardLink.objects.filter(token_digest__in=digests).select_related("card__program__merchant")
    by_digest = {link.token_digest: _survivor_of(link.card) for link in links}
    found = [by_digest[digest] for digest in digests if digest in by_digest]
    return list({card.pk: card for card in found}.values())  # a merged card and its survivor are one card


def staff_can_manage_program(*, user: StaffUser, program: Program) -> bool:
    """Any active staff login of the program's merchant (cashiers print labels for the counter too)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(merchant_id=program.merchant_id, user=user, is_active=True).exists()
