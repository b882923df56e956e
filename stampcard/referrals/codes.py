"""A card's personal referral code and the link built on it (``/j/<program>?ref=<code>``)."""

from urllib.parse import urlencode

from stampcard.cards import links
from stampcard.cards.models import Card
from stampcard.core.codes import CROCKFORD32, random_base32
from stampcard.core.uniques import insert_with_fresh_code
from stampcard.referrals.models import ReferralCode

CODE_LENGTH = 12  # 60 bits: a shared link is public, so the code must not be guessable from another one
_ATTEMPTS = 5


def referral_code(card: Card) -> str:
    """The card's referral code, made on first use (concurrent first uses agree on one)."""

    def made() -> str | None:
        return ReferralCode.objects.filter(card=card).values_list("code", flat=True).first()

    return made() or insert_with_fresh_code(
        lambda: ReferralCode.objects.create(card=card, code=random_base32(CODE_LENGTH)).code,
        attempts=_ATTEMPTS,
        what="referral code for the card",
        on_conflict=made,
    )


def normalise_code(raw: str | None) -> str:
    """A code as typed or carried in a link: case and spacing ignored; '' when it cannot be a code."""
    code = "".join((raw or "").split()).upper()
    if len(code) != CODE_LENGTH or any(ch not in CROCKFORD32 for ch in code):
        return ""
    return code


def referral_url(card: Card) -> str:
    """The absolute personal link of ``card``: the program's join page carrying the card's code."""
    return links.join_url(card.program) + "?" + urlencode({"ref": referral_code(card)})
