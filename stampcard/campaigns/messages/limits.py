"""What a message may hold, per channel, checked before it is saved (the forms of campaigns and automations call
``message_parts_check`` too, so a merchant hears about a long subject while writing it, not after sending).

Email: a subject over about 150 characters is cut off by every mail app (and folded over several header lines);
no line breaks in it (they would start new headers). Bodies have generous limits that only keep a pasted document
or an image inlined as data out of a mass mailing.

Wallet: the part's ``wallet`` text (or its ``text`` when no separate wallet text is written) goes on the pass. The
limit is Apple's (``wallet.apple.messages.MAX_CHARS``, what the lock screen shows whole), the tighter of the two
wallets: when the message is written nobody knows which wallet each card is in, and a text the form accepted must
never be refused at sending time.
"""

from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.messages.errors import MessageInvalid
from stampcard.campaigns.messages.models import MessageChannel
from stampcard.wallet import messages as wallet_messages
from stampcard.wallet.apple import messages as apple_messages

EMAIL_SUBJECT_MAX = 150
EMAIL_TEXT_MAX = 20_000
EMAIL_HTML_MAX = 100_000
WALLET_TEXT_MAX = apple_messages.MAX_CHARS
TEMPLATE_DIR = "messages/email"


def wallet_text_of(part: dict[str, str]) -> str:
    """What a wallet message says: the part's own wallet text, else its text."""
    return (part.get("wallet") or part.get("text") or "").strip()


def _languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def channels_check(channels: list[str]) -> list[str]:
    known = [channel.value for channel in MessageChannel]
    unknown = [channel for channel in channels if channel not in known]
    if unknown or not channels:
        raise MessageInvalid(
            _("Choose how to send the message."), code="message_channel_unknown", field="channels", unknown=unknown
        )
    return [channel for channel in known if channel in set(channels)]


def template_check(key: str, *, channels: list[str] | None = None) -> None:
    """A template key names existing templates: for email a subject and a text body (the HTML one is optional), for
    wallet messages ``<key>_wallet.txt``."""
    chosen = channels if channels is not None else [MessageChannel.EMAIL.value]
    try:
        if MessageChannel.EMAIL in chosen:
            get_template(f"{TEMPLATE_DIR}/{key}_subject.txt")
            get_template(f"{TEMPLATE_DIR}/{key}.txt")
        if MessageChannel.WALLET in chosen:
            get_template(f"{TEMPLATE_DIR}/{key}_wallet.txt")
    except TemplateDoesNotExist:
        raise MessageInvalid(
            _("There is no message template with this name."), code="message_template_unknown", field="template_key"
        ) from None


def message_parts_check(parts: dict[str, Any], *, channels: list[str]) -> dict[str, dict[str, str]]:
    """The parts cleaned (stripped, every key present), or MessageInvalid with a code per problem:
    ``message_language_unknown``, ``message_parts_required``, ``message_subject_required``,
    ``message_subject_too_long``, ``message_subject_invalid`` (a line break), ``message_text_required``,
    ``message_text_too_long``, ``message_html_too_long``; for wallet messages ``wallet_message_too_long`` (on the
    field ``parts.<language>.wallet``)."""
    if not parts:
        raise MessageInvalid(
            _("Write the message in at least one language."), code="message_parts_required", field="parts"
        )
    clean: dict[str, dict[str, str]] = {}
    for language, part in parts.items():
        if language not in _languages():
            raise MessageInvalid(
                _("Messages can be written in English or Ukrainian."),
                code="message_language_unknown",
                field=f"parts.{language}",
            )
        subject = str(part.get("subject") or "").strip()
        text = str(part.get("text") or "").strip()
        html = str(part.get("html") or "").strip()
        where = f"parts.{language}"
        if MessageChannel.EMAIL in channels:
            if not subject:
                raise MessageInvalid(_("Write a subject."), code="message_subject_required", field=f"{where}.subject")
            if "\n" in subject or "\r" in subject:
                raise MessageInvalid(
                    _("A subject is one line."), code="message_subject_invalid", field=f"{where}.subject"
                )
            if len(subject) > EMAIL_SUBJECT_MAX:
                raise MessageInvalid(
                    _("A subject can be at most %(limit)d characters long (this one has %(length)d).")
                    % {"limit": EMAIL_SUBJECT_MAX, "length": len(subject)},
                    code="message_subject_too_long",
                    field=f"{where}.subject",
                    limit=EMAIL_SUBJECT_MAX,
                    length=len(subject),
                )
            if len(html) > EMAIL_HTML_MAX:
                raise MessageInvalid(
                    _("The formatted text can be at most %(limit)d characters long.") % {"limit": EMAIL_HTML_MAX},
                    code="message_html_too_long",
                    field=f"{where}.html",
                    limit=EMAIL_HTML_MAX,
                    length=len(html),
                )
        wallet_only = MessageChannel.EMAIL not in channels and bool(str(part.get("wallet") or "").strip())
        if not text and not wallet_only:
            raise MessageInvalid(
                _("Write the text of the message."), code="message_text_required", field=f"{where}.text"
            )
        if len(text) > EMAIL_TEXT_MAX:
            raise MessageInvalid(
                _("The text can be at most %(limit)d characters long (this one has %(length)d).")
                % {"limit": EMAIL_TEXT_MAX, "length": len(text)},
                code="message_text_too_long",
                field=f"{where}.text",
                limit=EMAIL_TEXT_MAX,
                length=len(text),
            )
        wallet = str(part.get("wallet") or "").strip()
        if MessageChannel.WALLET in channels:
            _wallet_text_check(wallet or text, field=f"{where}.wallet" if wallet else f"{where}.text")
        clean[language] = {"subject": subject, "text": text, "html": html, "wallet": wallet}
    return clean


def _wallet_text_check(text: str, *, field: str) -> None:
    if wallet_messages.text_problem(text, max_chars=WALLET_TEXT_MAX) == wallet_messages.MESSAGE_TOO_LONG:
        raise MessageInvalid(
            _(
                "A wallet message can be at most %(limit)d characters long (this one has %(length)d): write a "
                "shorter wallet text."
            )
            % {"limit": WALLET_TEXT_MAX, "length": len(text)},
            code=wallet_messages.MESSAGE_TOO_LONG,
            field=field,
            limit=WALLET_TEXT_MAX,
            length=len(text),
        )
