"""The JSON we send Google for a program (LoyaltyClass) and a card (LoyaltyObject). Pure builders: no I/O."""

import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stampcard.cards.links import web_card_url
from stampcard.cards.models import Card, Program
from stampcard.customers.languages import customer_language, merchant_language
from stampcard.merchants.models import Location
from stampcard.rewards.models import Reward
from stampcard.vouchers.models import Voucher
from stampcard.wallet.google import images

CLASS_RESOURCE = "loyaltyClass"
OBJECT_RESOURCE = "loyaltyObject"


def class_id_for(program: Program) -> str:
    return f"{settings.GOOGLE_WALLET_ISSUER_ID}.program-{program.pk.hex}"


def new_object_id() -> str:
    # Random rather than the card's key: object ids travel in save links and must not reveal how many cards exist.
    return f"{settings.GOOGLE_WALLET_ISSUER_ID}.card-{secrets.token_hex(16)}"


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _localized(text: str) -> dict[str, Any]:
    return {"defaultValue": {"language": translation.get_language() or settings.LANGUAGE_CODE, "value": text}}


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# A plain text field of a class or object -> its LocalizedString sibling in Google's schema.
LOCALIZED_FIELDS = {
    "header": "localizedHeader",
    "body": "localizedBody",
    "label": "localizedLabel",
    "description": "localizedDescription",
    "accountIdLabel": "localizedAccountIdLabel",
    "accountNameLabel": "localizedAccountNameLabel",
}


def localize(payload: Any, variants: dict[str, Any], *, language: str) -> Any:
    """``payload`` (built in ``language``) with Google's localized strings added from ``variants`` (the same payload
    built in each language): a text that reads differently in some language gets its ``localized*`` sibling, the
    default in ``language`` and a translated value per other language; a LocalizedString gets its translated values.
    Texts that read the same in every language (the merchant's) stay plain. Google picks the device's language."""
    if isinstance(payload, list):
        return [
            localize(item, {code: _at(variant, index) for code, variant in variants.items()}, language=language)
            for index, item in enumerate(payload)
        ]
    if not isinstance(payload, dict):
        return payload
    result = {
        name: localize(value, {code: _at(variant, name) for code, variant in variants.items()}, language=language)
        for name, value in payload.items()
    }
    if isinstance(payload.get("defaultValue"), dict):
        others = {code: (_at(_at(v, "defaultValue"), "value")) for code, v in variants.items() if code != language}
        translated = _translated(payload["defaultValue"].get("value"), others)
        if translated:
            result["translatedValues"] = translated
        return result
    for plain, localized in LOCALIZED_FIELDS.items():
        text = payload.get(plain)
        if not isinstance(text, str):
            continue
        others = {code: _at(variant, plain) for code, variant in variants.items() if code != language}
        translated = _translated(text, others)
        if translated:
            result[localized] = {"defaultValue": {"language": language, "value": text}, "translatedValues": translated}
    return result


def _at(value: Any, key: Any) -> Any:
    if isinstance(key, int):
        return value[key] if isinstance(value, list) and key < len(value) else None
    return value.get(key) if isinstance(value, dict) else None


def _translated(text: Any, others: dict[str, Any]) -> list[dict[str, str]]:
    if not any(isinstance(other, str) and other != text for other in others.values()):
        return []
    return [{"language": code, "value": other} for code, other in others.items() if isinstance(other, str)]


def _image(uri: str, description: str) -> dict[str, Any]:
    return {"sourceUri": {"uri": uri}, "contentDescription": _localized(description)}


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def callback_url() -> str:
    return _absolute(reverse("google_wallet:callback"))


def logo_url(program: Program) -> str:
    return _absolute(
        reverse("google_wallet:logo", kwargs={"program_id": program.pk, "version": images.logo_version(program)})
    )


def hero_url(*, design_key: str, count: int) -> str:
    return _absolute(reverse("google_wallet:hero", kwargs={"design_hash": design_key, "count": count}))


def class_payload(*, program: Program) -> dict[str, Any]:
    """The program's LoyaltyClass, in the merchant's language, our labels translated to the others (one class serves
    customers of every language: Google shows each the translation of their device's language)."""
    language = merchant_language(program.merchant)
    own = _class_in(program, language=language)
    variants = {code: own if code == language else _class_in(program, language=code) for code in _languages()}
    return localize(own, variants, language=language)


def _class_in(program: Program, *, language: str) -> dict[str, Any]:
    with translation.override(language):
        return {
            "id": class_id_for(program),
            "issuerName": program.merchant.name,
            "programName": program.name,
            "programLogo": _image(logo_url(program), program.name),
            "hexBackgroundColor": program.background_color.lower(),
            # Drafts cannot back objects, and an approved class must be updated as UNDER_REVIEW (APPROVED is refused).
            "reviewStatus": settings.GOOGLE_WALLET_REVIEW_STATUS,
            "accountIdLabel": _("Card number"),
            "accountNameLabel": _("Name"),
            "callbackOptions": {"url": callback_url()},
        }


def balance_of(card: Card) -> str:
    """``stamps/goal``: short enough for the card face (Google recommends about 7 characters)."""
    goal = int(card.rules.milestone_list()[-1]["at"])
    return f"{card.stamps}/{goal}"


def _next_milestone(card: Card) -> dict[str, Any] | None:
    milestones = card.rules.milestone_list()
    for milestone in milestones:
        if card.stamps < int(milestone["at"]):
            return milestone
    return milestones[-1] if milestones else None


def object_payload(
    *,
    card: Card,
    object_id: str,
    class_id: str,
    rewards: Sequence[Reward],
    vouchers: Sequence[Voucher],
    locations: Sequence[Location] = (),
) -> dict[str, Any]:
    """The card's LoyaltyObject: balance, QR, the hero of this stamp count, rewards and vouchers, the web card link.

    In the customer's language, our texts translated to the others (``localize``); what the merchant wrote stays as
    written. PATCH replaces arrays whole, so the modules are always sent complete. ``card`` needs its program (with
    merchant), version and customer loaded.
    """
    spec = images.design_spec(program=card.program, rules=card.rules)
    design_key = images.hero_design_register(spec)
    language = customer_language(card.customer)

    def body(code: str) -> dict[str, Any]:
        return _object_in(
            card=card,
            object_id=object_id,
            class_id=class_id,
            rewards=rewards,
            vouchers=vouchers,
            hero=hero_url(design_key=design_key, count=min(card.stamps, spec["slots"])),
            slots=spec["slots"],
            language=code,
        )

    own = body(language)
    payload = localize(own, {code: own if code == language else body(code) for code in _languages()}, language=language)
    # A retired object (erased customer) has nothing to be near.
    payload["merchantLocations"] = merchant_locations(locations if card.customer.erased_at is None else ())
    return payload


def _object_in(
    *,
    card: Card,
    object_id: str,
    class_id: str,
    rewards: Sequence[Reward],
    vouchers: Sequence[Voucher],
    hero: str,
    slots: int,
    language: str,
) -> dict[str, Any]:
    """The LoyaltyObject in one language: our texts in ``language``, the merchant's as written."""
    program = card.program
    count = min(card.stamps, slots)
    with translation.override(language):
        modules: list[dict[str, Any]] = []
        if rewards:
            modules.append(
                {"id": "rewards", "header": _("Ready for you"), "body": "\n".join(reward.title for reward in rewards)}
            )
        if vouchers:
            lines = []
            for voucher in vouchers:
                if voucher.expires_at:
                    until = formats.date_format(voucher.expires_at.astimezone(program.merchant.tz), "SHORT_DATE_FORMAT")
                    lines.append(_("%(title)s (until %(date)s)") % {"title": voucher.title, "date": until})
                else:
                    lines.append(voucher.title)
            modules.append({"id": "vouchers", "header": _("Vouchers"), "body": "\n".join(lines)})
        upcoming = _next_milestone(card)
        if upcoming is not None:
            left = max(int(upcoming["at"]) - card.stamps, 0)
            body = ngettext("%(title)s: %(count)d more stamp", "%(title)s: %(count)d more stamps", left) % {
                "title": upcoming["title"],
                "count": left,
            }
            modules.append({"id": "next", "header": _("Next reward"), "body": body})
        payload = {
            "id": object_id,
            "classId": class_id,
            # An erased customer's object is retired: Google Wallet moves it to the expired passes.
            "state": "INACTIVE" if card.customer.erased_at is not None else "ACTIVE",
            "accountId": card.number,
            "accountName": card.customer.name,
            "barcode": {"type": "QR_CODE", "value": card.qr_payload, "alternateText": card.number},
            "loyaltyPoints": {"label": _("Stamps"), "balance": {"string": balance_of(card)}},
            "heroImage": _image(
                hero,
                ngettext("%(count)d stamp of %(goal)d", "%(count)d stamps of %(goal)d", count)
                % {"count": count, "goal": slots},
            ),
            "textModulesData": modules,
            "linksModuleData": {"uris": [{"id": "web_card", "uri": web_card_url(card), "description": _("Your card")}]},
        }
        if card.merged_into is not None:
            _point_at_survivor(payload, card.merged_into)
        return payload


def merchant_locations(locations: Sequence[Location]) -> list[dict[str, float]]:
    """The object's ``merchantLocations`` (``wallet.geo`` chose at most ten, nearest the card's last visit first).

    Google notifies near these points, within a radius Google sets, with its own text: a MerchantLocation has only
    latitude and longitude, so a location's lock-screen text is Apple's alone. The older ``locations`` (LatLongPoint)
    is deprecated and, in Google's words, "currently not supported to trigger geo notifications" (walletobjects v1
    discovery document, LoyaltyObject.locations / merchantLocations). Sent even when empty: PATCH keeps a field it is
    not sent, and a hidden location must leave the card.
    """
    return [{"latitude": float(loc.latitude), "longitude": float(loc.longitude)} for loc in locations]  # type: ignore[arg-type]


def _point_at_survivor(payload: dict[str, Any], survivor: Card) -> None:
    """A card merged into another (``Card.merged_into``): the object stays, says where the stamps went, and its
    barcode and link are the surviving card's."""
    payload["barcode"] = {"type": "QR_CODE", "value": survivor.qr_payload, "alternateText": survivor.number}
    payload["accountId"] = survivor.number
    payload["loyaltyPoints"] = {"label": _("Moved to card"), "balance": {"string": survivor.number}}
    payload["textModulesData"] = [
        {
            "id": "merged",
            "header": _("Card merged"),
            "body": _(
                "This card was merged into card %(number)s. Your stamps, rewards and vouchers are on that card now; "
                "this pass shows its code, so you can keep using it."
            )
            % {"number": survivor.number},
        }
    ]
    payload["linksModuleData"] = {
        "uris": [{"id": "web_card", "uri": web_card_url(survivor), "description": _("Your card")}]
    }
