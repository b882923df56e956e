"""The wallet channel: a message shown on the card's pass, Apple (a pass update whose ``changeMessage`` puts the text
on the lock screen, ``wallet.apple.messages``) and/or Google (``addMessage``, notifying within Google's three per 24
hours, silently beyond, ``wallet.google.messages``), in the recipient's language.

Who gets one. Adding the card to Apple Wallet or Google Wallet is asking to hear from it there: that is what a pass
is for, and its holder can mute it or remove it in the wallet app at any time. So a wallet message goes to every
holder of an installed pass, marketing or not, without the email consent that the customer may never have been asked
for (they may have left no email at all). Except when the customer *withdrew* their marketing consent (the
unsubscribe link of one of our emails, ``EmailUnsubscribe``, and no new consent since): someone who said "no more
marketing" meant it everywhere, so a marketing wallet message skips them (``unsubscribed``); service messages (not
``is_marketing``) still go. An erased customer gets nothing.

Outcomes, with the stable codes of ``wallet.messages``: ``sent`` (at least one pass notified), ``sent`` with reason
``sent_silently`` (on the pass without a notification: Google's quota was spent), skipped with
``wallet_pass_missing`` (neither wallet holds the card) or ``wallet_pass_not_installed`` (an Apple pass no phone
holds any more), failed with ``wallet_message_too_long`` / ``wallet_message_empty`` (a template that rendered so),
``wallet_not_configured`` or ``wallet_refused``; ``wallet_unavailable`` is retried with the email channel's backoff.

Once per (message, card). The message key handed to both wallets is the message's id: Apple stores it per pass and
Google per object (a retried key writes no older text back on Apple, adds nothing again on Google). What each wallet
answered is recorded on the delivery (``wallets``) the moment it answers, so a retry after one wallet failed sends only
to the other, and a resumed round never pushes again to a pass that got the message. The one window left is a worker
killed between Apple's answer and that record: the resumed round pushes once more, the phone fetches the same pass,
and as the field's value has not changed it shows no second notification.
"""

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from stampcard.campaigns.messages import language, limits, unsubscribe
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery
from stampcard.wallet import messages as codes
from stampcard.wallet.apple import messages as apple_messages
from stampcard.wallet.apple.models import ApplePass
from stampcard.wallet.clients import WalletClients
from stampcard.wallet.google import messages as google_messages
from stampcard.wallet.google.models import GoogleObject
from stampcard.wallet.messages import WalletMessageResult

APPLE, GOOGLE = "apple", "google"
DONE = (codes.SENT, codes.SENT_SILENTLY)
# Not failures of ours or theirs: this card cannot be reached in a wallet, as a customer without an email cannot by
# email. The delivery is skipped with that reason.
UNREACHABLE = (codes.PASS_MISSING, codes.PASS_NOT_INSTALLED)


@dataclass(frozen=True)
class WalletOutcome:
    """What the wallets made of one delivery. ``skip`` for a card no wallet holds; ``retry`` while a wallet may still
    take it later; ``partly_sent`` when some wallet has it (so running out of retries still counts it as sent)."""

    ok: bool
    reason: str = ""
    skip: bool = False
    retry: bool = False
    partly_sent: bool = False
    error: str = ""


def skip_reason(*, message: Message, delivery: MessageDelivery) -> str:
    """Why ``delivery`` (a wallet one) must not be sent, or "" to send it (see the module's docstring)."""
    customer = delivery.customer
    if customer.erased_at is not None:
        return "erased"
    withdrew = not customer.marketing_email_consent and unsubscribe.customer_unsubscribed(customer_id=customer.pk)
    if message.is_marketing and withdrew:
        return "unsubscribed"
    return ""


def message_key(message: Message) -> str:
    """The key both wallets remember a message by (per pass / per object, so per card)."""
    return f"message:{message.pk}"


def wallet_text(*, message: Message, delivery: MessageDelivery, lang: str) -> str:
    """The text for this recipient: their language's part (``limits.wallet_text_of``), or the ``_wallet.txt``
    template of the message's key rendered for them."""
    if message.template_key:
        with translation.override(lang):
            context = {
                "merchant": delivery.merchant,
                "program": delivery.card.program,
                "customer": delivery.customer,
                "card": delivery.card,
                "language": lang,
            }
            rendered = render_to_string(f"{limits.TEMPLATE_DIR}/{message.template_key}_wallet.txt", context)
        return " ".join(rendered.split())
    _written_in, part = language.part_for(message.parts, language=lang, merchant=delivery.merchant)
    return limits.wallet_text_of(part)


def wallets_of(card_id: int) -> list[str]:
    """The wallets holding the card: an Apple pass made for it, a Google object saved (inserted at Google)."""
    held = []
    if ApplePass.objects.filter(card_id=card_id).exists():
        held.append(APPLE)
    if GoogleObject.objects.filter(card_id=card_id, synced_at__isnull=False).exists():
        held.append(GOOGLE)
    return held


def _send_one(
    wallet: str, delivery: MessageDelivery, text: str, key: str, clients: WalletClients
) -> WalletMessageResult:
    if wallet == APPLE:
        return apple_messages.apple_message_send(delivery.card, text, message_key=key, client_factory=clients.apns)
    return google_messages.google_message_send(delivery.card, text, message_key=key, client=clients.google())


def _progress_save(delivery: MessageDelivery, answers: dict[str, str]) -> None:
    """Record what the wallets answered so far, only while this round still holds the delivery."""
    MessageDelivery.objects.filter(
        pk=delivery.pk, claim_token=delivery.claim_token, state=DeliveryState.PENDING
    ).update(wallets=answers)
    delivery.wallets = answers


def wallet_deliver(*, message: Message, delivery: MessageDelivery, text: str, clients: WalletClients) -> WalletOutcome:
    """Send ``text`` to each wallet holding the card that has not taken it yet, over the round's ``clients`` (one
    connection to APNs and one to Google for all the round's cards). Never raises for a wallet's problem: each answer
    becomes the outcome (see the module's docstring)."""
    problem = codes.text_problem(text, max_chars=limits.WALLET_TEXT_MAX)
    if problem is not None:
        return WalletOutcome(ok=False, reason=problem)
    held = wallets_of(delivery.card_id)
    if not held:
        return WalletOutcome(ok=False, skip=True, reason=codes.PASS_MISSING)
    answers: dict[str, Any] = dict(delivery.wallets or {})
    key = message_key(message)
    for wallet in held:
        if answers.get(wallet) in DONE:
            continue
        result = _send_one(wallet, delivery, text, key, clients)
        answers[wallet] = result.code if not result.retryable else codes.UNAVAILABLE
        _progress_save(delivery, answers)
    return _outcome({wallet: answers[wallet] for wallet in held})


def _outcome(answers: dict[str, str]) -> WalletOutcome:
    done = [code for code in answers.values() if code in DONE]
    retry = any(code == codes.UNAVAILABLE for code in answers.values())
    detail = ", ".join(f"{wallet}: {code}" for wallet, code in sorted(answers.items()))
    if retry:
        return WalletOutcome(ok=False, reason=codes.UNAVAILABLE, retry=True, partly_sent=bool(done), error=detail)
    if done:
        silent = all(code == codes.SENT_SILENTLY for code in done)
        return WalletOutcome(ok=True, reason=codes.SENT_SILENTLY if silent else "", error="")
    if all(code in UNREACHABLE for code in answers.values()):
        unreachable = codes.PASS_NOT_INSTALLED if codes.PASS_NOT_INSTALLED in answers.values() else codes.PASS_MISSING
        return WalletOutcome(ok=False, skip=True, reason=unreachable, error=detail)
    failed = next(code for code in answers.values() if code not in UNREACHABLE)
    return WalletOutcome(ok=False, reason=failed, error=detail)
