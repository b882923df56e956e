"""Building and signing a card's ``.pkpass``: a storeCard ``pass.json``, its images, ``manifest.json`` (SHA-1 of every
file) and ``signature`` (detached PKCS#7, DER, SHA-256, with the WWDR intermediate), zipped.

See shared/reference/wallet.md section 1 for the format facts this follows.
"""

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings
from django.utils.translation import trans_real

from stampcard.cards.links import web_card_url
from stampcard.cards.models import Card, EarningRule, Program, ProgramRules
from stampcard.customers.languages import customer_language
from stampcard.merchants.models import Location, Merchant
from stampcard.rewards.models import Reward
from stampcard.rewards.selectors import rewards_ready_by_card
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.selectors import vouchers_active_by_card
from stampcard.wallet import geo
from stampcard.wallet.apple import bundle, credentials, images
from stampcard.wallet.apple.models import ApplePass
from stampcard.wallet.apple.strings import strings_files as pass_strings_files
from stampcard.wallet.stamps import program_look, stored_bytes

MEDIA_TYPE = "application/vnd.apple.pkpass"


@dataclass(frozen=True)
class PassContent:
    """Everything one pass shows, loaded up front so building is pure."""

    apple_pass: ApplePass
    card: Card
    program: Program
    rules: ProgramRules
    merchant: Merchant
    rewards_ready: list[Reward]
    vouchers: list[Voucher]
    locations: list[Location]
    web_card_url: str
    # The card this one was merged into (duplicate customers merged): the pass sends its holder there.
    survivor: Card | None = None
    # The lock-screen locations: at most ten, nearest the card's last visit first (``wallet.geo``).
    nearby: list[Location] = field(default_factory=list)


def pass_content_load(*, apple_pass: ApplePass) -> PassContent:
    card = apple_pass.card
    survivor = card.merged_into
    return PassContent(
        apple_pass=apple_pass,
        card=card,
        program=card.program,
        rules=card.rules,
        merchant=apple_pass.merchant,
        rewards_ready=rewards_ready_by_card(cards=[card])[card.pk],
        vouchers=vouchers_active_by_card(cards=[card])[card.pk],
        locations=list(
            Location.objects.filter(merchant_id=card.merchant_id, is_active=True, show_on_passes=True).order_by(
                "created_at"
            )
        ),
        web_card_url=web_card_url(survivor or card),
        survivor=survivor,
        nearby=geo.pass_locations_by_card(cards=[card])[card.pk],
    )


def card_goal(rules: ProgramRules) -> int:
    """Stamps in one round of the card: the last milestone (the single goal when there are none)."""
    return int(rules.milestone_list()[-1]["at"])


def _field(key: str, label: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, **extra}


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}"


class _Catalog(Protocol):
    def gettext(self, message: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


def _catalog(language: str) -> _Catalog:
    """The translations of ``language``, whose gettext and ngettext are the ones ``django.utils.translation`` ends
    up calling, without its look-up of the active language (a context-local) on every call: those look-ups and the
    ``override`` around them were most of the time of a pass.json, built twice a pass. The texts are still written
    as ``_("...")`` calls, so makemessages finds them."""
    return trans_real.translation(language)


def _terms(content: PassContent, texts: _Catalog) -> str:
    _, ngettext = texts.gettext, texts.ngettext
    rules = content.rules
    if rules.earning_rule == EarningRule.PER_AMOUNT and rules.amount_per_stamp:
        earning = _("One stamp for every %(amount)s spent.") % {
            "amount": _money(rules.amount_per_stamp, content.merchant.currency)
        }
    else:
        n = rules.stamps_per_receipt
        earning = ngettext("%(n)d stamp per purchase.", "%(n)d stamps per purchase.", n) % {"n": n}
    lines = [earning]
    if rules.min_check_total:
        lines.append(
            _("Purchases from %(amount)s earn stamps.")
            % {"amount": _money(rules.min_check_total, content.merchant.currency)}
        )
    for milestone in rules.milestone_list():
        lines.append(
            ngettext("%(n)d stamp: %(title)s", "%(n)d stamps: %(title)s", milestone["at"])
            % {"n": milestone["at"], "title": milestone.get("title", "")}
        )
        if milestone.get("description"):
            lines.append(str(milestone["description"]))
    return "\n".join(lines)


def _next_reward(content: PassContent, texts: _Catalog) -> str:
    """The next milestone this card is heading to."""
    _ = texts.gettext
    stamps, milestones = content.card.stamps, content.rules.milestone_list()
    upcoming = [m for m in milestones if m["at"] > stamps] or milestones
    return _("%(title)s at %(n)d") % {"title": upcoming[0].get("title", ""), "n": upcoming[0]["at"]}


def pass_json(content: PassContent, *, language: str = "") -> dict[str, Any]:
    """The storeCard ``pass.json`` of a card, in ``language``: the customer's unless another is asked for (the other
    languages' ``pass.strings`` are made from it). Texts the merchant wrote stay as written."""
    card, program, merchant = content.card, content.program, content.merchant
    texts = _catalog(language or customer_language(card.customer))
    _ = texts.gettext
    goal = card_goal(content.rules)
    ready = [reward.title for reward in content.rewards_ready]
    header = [
        _field(
            "stamps",
            _("Stamps"),
            f"{min(card.stamps, goal)}/{goal}",
            changeMessage=_("Stamps: %@"),
            textAlignment="PKTextAlignmentRight",
        )
    ]
    secondary = [
        _field(
            "reward",
            _("Ready for you") if ready else _("Next reward"),
            ", ".join(ready) if ready else _next_reward(content, texts),
            changeMessage=_("%@"),
        )
    ]
    auxiliary = [_field("number", _("Card"), card.number)]
    if content.vouchers:
        auxiliary.insert(
            0,
            _field(
                "vouchers",
                _("Vouchers"),
                ", ".join(voucher.title for voucher in content.vouchers),
                changeMessage=_("Voucher: %@"),
            ),
        )
    back = [_field("terms", _("How it works"), _terms(content, texts))]
    if content.apple_pass.message:
        # A wallet message (``apple.messages``): "%@" puts the new text itself on the lock screen.
        back.insert(0, _field("message", _("Message"), content.apple_pass.message, changeMessage="%@"))
    for voucher in content.vouchers:
        text = _("Code %(code)s") % {"code": format_code(voucher.code)}
        if voucher.expires_at:
            local = voucher.expires_at.astimezone(merchant.tz)
            text += "\n" + _("Valid until %(date)s") % {"date": local.strftime("%Y-%m-%d %H:%M")}
        back.append(_field(f"voucher-{voucher.pk}", voucher.title, text))
    if content.locations:
        back.append(
            _field(
                "locations",
                _("Where to use it"),
                "\n".join(f"{loc.name}, {loc.address}" if loc.address else loc.name for loc in content.locations),
            )
        )
    back.append(
        _field(
            "web-card",
            _("Your card on the web"),
            content.web_card_url,
            attributedValue=f'<a href="{content.web_card_url}">{_("Open the card")}</a>',
        )
    )
    back.append(
        _field(
            "remove",
            _("Removing the card"),
            _(
                "To remove this card from Wallet, open it, tap the ... button and choose Remove Pass. "
                "Your stamps stay safe: the card can be added again from its web page."
            ),
        )
    )
    data: dict[str, Any] = {
        "formatVersion": 1,
        "passTypeIdentifier": content.apple_pass.pass_type_identifier,
        "serialNumber": content.apple_pass.serial_number,
        "teamIdentifier": credentials.conf()["TEAM_ID"],
        "organizationName": merchant.name,
        "description": _("%(program)s, loyalty card of %(merchant)s")
        % {"program": program.name, "merchant": merchant.name},
        "logoText": program.name,
        "backgroundColor": images.css_rgb(program.background_color),
        "foregroundColor": images.css_rgb(program.foreground_color),
        "labelColor": images.css_rgb(program.label_color),
        "webServiceURL": credentials.conf()["WEB_SERVICE_URL"],
        "authenticationToken": content.apple_pass.authentication_token,
        "sharingProhibited": True,
        "barcodes": [
            {
                "format": "PKBarcodeFormatQR",
                "message": card.qr_payload,
                "messageEncoding": "iso-8859-1",
                "altText": card.number,
            }
        ],
        "storeCard": {
            "headerFields": header,
            "secondaryFields": secondary,
            "auxiliaryFields": auxiliary,
            "backFields": back,
        },
    }
    if content.survivor is not None:
        _point_at_survivor(data, content.survivor, texts)
    if card.customer.erased_at is not None:
        # The customer's data was erased: Wallet greys the pass out and stops showing it.
        data["voided"] = True
    elif content.nearby:
        data["locations"] = relevant_locations(content.nearby, texts)
    return data


def relevant_locations(locations: list[Location], texts: _Catalog) -> list[dict[str, Any]]:
    """``locations`` of pass.json (latitude, longitude, relevantText), in the language of ``texts``.

    ``maxDistance`` is left out on purpose: Wallet takes the smaller of it and its own default radius for the pass
    style, so it can only shrink the area, and a store card's is already about a shop's doorstep.
    """
    _ = texts.gettext
    return [
        {
            "latitude": float(loc.latitude),  # type: ignore[arg-type]
            "longitude": float(loc.longitude),  # type: ignore[arg-type]
            "relevantText": loc.relevant_text or _("%(place)s is near: show your card") % {"place": loc.name},
        }
        for loc in locations
    ]


def _point_at_survivor(data: dict[str, Any], survivor: Card, texts: _Catalog) -> None:
    """A card merged into another (``Card.merged_into``): the pass stays in Wallet, says where the stamps went, and
    its barcode is the surviving card's, so scanning it at the counter stamps the right card."""
    _ = texts.gettext
    fields = data["storeCard"]
    notice = _(
        "This card was merged into card %(number)s. Your stamps, rewards and vouchers are on that card now; "
        "this pass shows its code, so you can keep using it."
    ) % {"number": survivor.number}
    fields["headerFields"] = [
        _field("stamps", _("Moved to card"), survivor.number, changeMessage=_("Your stamps moved to card %@"))
    ]
    fields["secondaryFields"] = [
        _field("reward", _("Card merged"), _("Use card %(number)s") % {"number": survivor.number})
    ]
    fields["auxiliaryFields"] = [_field("number", _("Card"), survivor.number)]
    fields["backFields"] = [_field("merged", _("Card merged"), notice), *fields["backFields"][-2:]]
    data["barcodes"] = [
        {
            "format": "PKBarcodeFormatQR",
            "message": survivor.qr_payload,
            "messageEncoding": "iso-8859-1",
            "altText": survivor.number,
        }
    ]


def _suffix(scale: int) -> str:
    return "" if scale == 1 else f"@{scale}x"


def pass_images(content: PassContent) -> dict[str, bytes]:
    program = content.program
    files: dict[str, bytes] = {}
    logo_source = stored_bytes(program.logo)
    look = program_look(program)
    for scale in images.SCALES:
        files[f"icon{_suffix(scale)}.png"] = images.icon_png(
            background=program.background_color, accent=program.label_color, scale=scale
        )
        files[f"strip{_suffix(scale)}.png"] = images.strip_png(
            background=program.background_color,
            foreground=program.foreground_color,
            accent=program.label_color,
            goal=card_goal(content.rules),
            stamps=content.card.stamps,
            scale=scale,
            marks=tuple(int(m["at"]) for m in content.rules.milestone_list()),
            look=look,
        )
        if logo_source is not None:
            files[f"logo{_suffix(scale)}.png"] = images.logo_png(
                source=logo_source, source_id=program.logo.name or "", scale=scale
            )
    return files


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """``manifest.json``: the SHA-1 hex digest of every file of the pass (Apple's format)."""
    manifest = {
        name: _image_digest(data) if name.endswith(".png") else _digest(data) for name, data in sorted(files.items())
    }
    return json.dumps(manifest, separators=(",", ":")).encode()


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - the manifest's format, not a security choice of ours


# The images are the same few objects from the image cache pass after pass: a bytes object keeps its hash once
# computed, so looking one up here costs next to nothing, while hashing a @3x strip again cost a good part of a pass.
_image_digest = functools.lru_cache(maxsize=256)(_digest)


def sign_manifest(manifest: bytes, signer: credentials.PassSigner) -> bytes:
    """A detached PKCS#7 signature over the exact manifest bytes, DER, with the WWDR certificate included.

    ``Binary`` keeps the bytes as they are (without it the newlines would be canonicalised before hashing and the
    signature would not verify); the builder adds the signing-time attribute Apple asks for.
    """
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())  # type: ignore[arg-type]
        .add_certificate(signer.wwdr)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )


def pass_files(content: PassContent) -> dict[str, bytes]:
    """Every file of the pass except manifest and signature."""
    default = pass_json(content)
    # Compact: with ``indent`` json falls back to its pure-Python encoder, and Wallet reads either form.
    files = {"pass.json": json.dumps(default, ensure_ascii=False, separators=(",", ":")).encode()}
    files.update(pass_strings(content, default))
    files.update(pass_images(content))
    return files


def pass_strings(content: PassContent, default: dict[str, Any]) -> dict[str, bytes]:
    """``<language>.lproj/pass.strings`` for every language of ``settings.LANGUAGES`` (``apple.strings``).

    ``pass.json`` speaks the customer's language (what a device with neither language, or an Android pass app,
    shows); each file maps those texts to its own language.
    """
    own = customer_language(content.card.customer)
    variants = {code: None if code == own else pass_json(content, language=code) for code, _name in settings.LANGUAGES}
    return pass_strings_files(default, variants)


def zip_pass(files: dict[str, bytes], manifest: bytes, signature: bytes) -> bytes:
    """The .pkpass archive (``apple.bundle``): the images and pass.strings repeat from build to build and come from
    the archive cache; pass.json, manifest and signature are new every time."""
    repeating = {name: data for name, data in files.items() if name.endswith((".png", ".strings"))}
    fresh = [(name, data) for name, data in files.items() if name not in repeating]
    return bundle.zip_bundle(repeating, [*fresh, ("manifest.json", manifest), ("signature", signature)])


def pkpass_build(*, apple_pass: ApplePass, signer: credentials.PassSigner | None = None) -> bytes:
    """The signed ``.pkpass`` of a card's pass, as it is now."""
    files = pass_files(pass_content_load(apple_pass=apple_pass))
    manifest = manifest_bytes(files)
    return zip_pass(files, manifest, sign_manifest(manifest, signer or credentials.pass_signer()))
