"""The customer pages' part of referrals: the personal link's code carried into the join, the device cookie the
farm check counts by, and the web card's referral block.

The code rides in the join page's query (``/j/<program>?ref=<code>``); the join form posts back to the same URL, so
it reaches the POST too. The device cookie is a random id, signed so a device cannot plant another's; a device
that drops it is still counted by its address (``referrals.abuse``).
"""

import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import mark_safe

from stampcard.cards.models import Card, Program
from stampcard.core.qr import qr_svg_inline
from stampcard.public import remember
from stampcard.public.pages import client_ip
from stampcard.referrals import codes, selectors, services
from stampcard.referrals.models import Referral, ReferralCode

DEVICE_COOKIE = "stampcard_device"
_DEVICE_SALT = "stampcard.public.device"
_DEVICE_MAX_AGE = 2 * 365 * 24 * 3600


def code_of(request: HttpRequest) -> str:
    return codes.normalise_code(request.GET.get("ref"))


def device_id(request: HttpRequest) -> str:
    return str(request.get_signed_cookie(DEVICE_COOKIE, default="", salt=_DEVICE_SALT, max_age=_DEVICE_MAX_AGE) or "")


def keep_device_id(response: HttpResponse, request: HttpRequest) -> None:
    """Give the device its referral cookie when it has none."""
    if device_id(request):
        return
    response.set_signed_cookie(
        DEVICE_COOKIE,
        secrets.token_urlsafe(16),
        salt=_DEVICE_SALT,
        max_age=_DEVICE_MAX_AGE,
        secure=request.is_secure() or settings.BASE_URL.startswith("https://"),
        httponly=True,
        samesite="Lax",
    )


def welcome(request: HttpRequest, *, program: Program) -> str:
    """The join page's line for a friend who came through a link of this program; '' otherwise."""
    code = code_of(request)
    if not code:
        return ""
    owner = ReferralCode.objects.filter(code=code, card__program=program).exists()
    program_settings = selectors.referral_settings_of(program=program)
    return selectors.welcome_text(program_settings) if owner and program_settings.is_on else ""


def record_join(request: HttpRequest, *, card: Card) -> Referral | None:
    """After a join that created a new customer: record the referral its link carried, if any."""
    code = code_of(request)
    if not code:
        return None
    return services.referral_join(
        friend_card=card,
        code=code,
        device_id=device_id(request),
        ip=client_ip(request),
        device_cards=remember.remembered_cards(request),
    )


def card_block(card: Card) -> dict[str, Any] | None:
    """The web card's "Invite a friend" block, or None when the program's referrals are off."""
    program_settings = selectors.referral_settings_of(program=card.program)
    if not program_settings.is_on:
        return None
    url = codes.referral_url(card)
    return {
        "url": url,
        "text": selectors.invitation_text(program_settings),
        "qr_svg": mark_safe(qr_svg_inline(url, scale=4)),  # noqa: S308 - segno's own markup
    }
