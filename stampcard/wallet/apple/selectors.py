"""Reads for Apple Wallet. A pass is found by its serial (web service, behind the ApplePass token) or by its public
token (the customer's own link); both are credentials enough, so no merchant is needed."""

import datetime as dt

from django.db.models import Count, DateTimeField, QuerySet
from django.db.models.functions import Coalesce

from stampcard.cards.models import Card
from stampcard.core import clock, secretbox
from stampcard.core.errors import NotFound
from stampcard.wallet.apple import credentials
from stampcard.wallet.apple.models import ApplePass, AppleRegistration


def _passes() -> QuerySet[ApplePass]:
    return ApplePass.objects.select_related("card", "card__program", "card__program_version", "merchant")


def apple_pass_authorized(*, pass_type_identifier: str, serial_number: str, authorization: str) -> ApplePass | None:
    """The pass when ``authorization`` is ``ApplePass <its token>``; None for an unknown pass or a wrong token, which
    the web service answers alike (401), so serials cannot be probed."""
    scheme, _, token = (authorization or "").partition(" ")
    found = _passes().filter(pass_type_identifier=pass_type_identifier, serial_number=serial_number).first()
    # Compared even for an unknown serial, so the answer takes as long either way.
    expected = found.authentication_token_digest if found is not None else "-" * secretbox.DIGEST_LENGTH
    ok = secretbox.digests_match(token.strip(), expected) and scheme in {"ApplePass", "WalletPass"}
    return found if ok and found is not None else None


def apple_pass_get_by_public_token(*, token: str) -> ApplePass:
    token = (token or "").strip()
    found = _passes().filter(public_token_digest=secretbox.digest(token)).first() if 32 <= len(token) <= 64 else None
    if found is None:
        raise NotFound()
    return found


def devices_registered(*, card: Card) -> int:
    """How many devices are registered for updates of the card's pass."""
    return AppleRegistration.objects.filter(apple_pass__card_id=card.pk).count()


def devices_registered_by_card(*, cards: list[Card]) -> dict[int, int]:
    """``devices_registered`` of several cards in one query: card id -> devices (0 for a card without any)."""
    counted = dict(
        AppleRegistration.objects.filter(apple_pass__card_id__in=[card.pk for card in cards])
        .values_list("apple_pass__card_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {card.pk: counted.get(card.pk, 0) for card in cards}


def pass_updated_at(apple_pass: ApplePass) -> dt.datetime:
    """When what the pass shows last changed: the card's ``changed_at`` (or the pass's creation)."""
    return apple_pass.card.changed_at or apple_pass.created_at


# --- update tags -------------------------------------------------------------------------------------------------

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def tag_from_datetime(moment: dt.datetime) -> str:
    """``lastUpdated``: microseconds since the epoch, as a string (Apple skips the download for a number)."""
    delta = moment - _EPOCH
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def datetime_from_tag(tag: str) -> dt.datetime | None:
    try:
        micros = int(tag)
    except (TypeError, ValueError):
        return None
    if micros < 0:
        return None
    return _EPOCH + dt.timedelta(microseconds=micros)


def serials_updated_since(
    *, device_library_identifier: str, pass_type_identifier: str, since: str | None
) -> tuple[list[str], str] | None:
    """Serials of this device's passes changed after the ``since`` tag, and the tag to send back; None if none.

    The tag returned never goes past ``now - UPDATE_TAG_SKEW_SECONDS``: a change stamped earlier than another but
    committed after it (two cards, two transactions) is still reported to a device that asked in between; a pass
    reported twice costs the device one 304.
    """
    rows = (
        ApplePass.objects.filter(
            pass_type_identifier=pass_type_identifier,
            registrations__device_library_identifier=device_library_identifier,
        )
        .annotate(updated=Coalesce("card__changed_at", "created_at", output_field=DateTimeField()))
        .distinct()
    )
    after = datetime_from_tag(since) if since else None
    if after is not None:
        rows = rows.filter(updated__gt=after)
    found = list(rows.values_list("serial_number", "updated"))
    if not found:
        return None
    latest = max(updated for _, updated in found)
    horizon = clock.now() - dt.timedelta(seconds=credentials.conf()["UPDATE_TAG_SKEW_SECONDS"])
    tag_moment = min(latest, max(horizon, after or horizon))
    return sorted(serial for serial, _ in found), tag_from_datetime(tag_moment)
