"""What the two wallets' messages share: the result a sender records, and the check of a text against a channel's
length limit (the same check the campaign form runs, so a text the form accepted is never refused at send time)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from stampcard.core.errors import ValidationFailed

# Stable codes of a send's outcome: clients and the campaign results branch on them.
SENT = "sent"
SENT_SILENTLY = "sent_silently"  # Google: added as TEXT, the object's notification quota was spent
MESSAGE_EMPTY = "wallet_message_empty"
MESSAGE_TOO_LONG = "wallet_message_too_long"
PASS_MISSING = "wallet_pass_missing"  # the card has no pass (Apple) or object (Google)
PASS_NOT_INSTALLED = "wallet_pass_not_installed"  # Apple: no device registered for the pass's updates
NOT_CONFIGURED = "wallet_not_configured"
UNAVAILABLE = "wallet_unavailable"  # APNs or Google did not answer or asked us to come back: retry later
REFUSED = "wallet_refused"  # APNs or Google refused the call itself: retrying will not help


@dataclass(frozen=True)
class WalletMessageResult:
    """What one send did. ``code`` is one of the constants above; ``notified`` is whether the holder's phone was
    asked to show a notification (Apple: a push went out; Google: TEXT_AND_NOTIFY)."""

    sent: bool
    code: str
    notified: bool = False
    retryable: bool = False
    replayed: bool = False  # the same message key was sent before: nothing was sent again

    @property
    def status(self) -> str:
        return "sent" if self.sent else "failed"

    @classmethod
    def failed(cls, code: str, *, retryable: bool = False) -> "WalletMessageResult":
        return cls(sent=False, code=code, retryable=retryable)


def text_problem(text: str, *, max_chars: int) -> str | None:
    """The code of what is wrong with ``text`` for a channel allowing ``max_chars``, or None."""
    cleaned = (text or "").strip()
    if not cleaned:
        return MESSAGE_EMPTY
    if len(cleaned) > max_chars:
        return MESSAGE_TOO_LONG
    return None


def text_validate(text: str, *, max_chars: int, field: str = "text") -> str:
    """The text, stripped; or ValidationFailed with a stable code (for forms and the API)."""
    problem = text_problem(text, max_chars=max_chars)
    if problem == MESSAGE_EMPTY:
        raise ValidationFailed(_("Write the message."), code=MESSAGE_EMPTY, field=field)
    if problem == MESSAGE_TOO_LONG:
        message = ngettext_lazy(
            "A wallet message can be at most %(limit)d character long.",
            "A wallet message can be at most %(limit)d characters long.",
            "limit",
        ) % {"limit": max_chars}
        raise ValidationFailed(message, code=MESSAGE_TOO_LONG, field=field, limit=max_chars)
    return text.strip()
