"""One email of a delivery: the text and HTML parts in the recipient's language, in the merchant's branding (the name,
and the colours and logo of the card's program), with the one-click unsubscribe headers (RFC 2369, RFC 8058).

The HTML a merchant's staff wrote (a part's ``html``) is never put in the email as written: it could carry scripts,
tracking pixels, forms or links dressed as the platform's. It goes through the nh3 sanitiser, which keeps text
formatting and plain links only (``staff_html``). Our own templates (``template_key``) are trusted and rendered as
they are.

``Message-ID`` is made from the delivery, so the same delivery sent again (a worker killed between the server's
"250 OK" and our record of it) carries the same id, and mail systems that drop duplicates drop it.

A campaign sends the same words to thousands: ``EmailTemplate`` renders a message's email once per (language,
program, voucher shape) and serialises it once with the stdlib's email package, with marks where each recipient's own
values go (the address, the Message-ID, the date, the unsubscribe link, the code, link and expiry of the recipient's
voucher); ``fill`` puts them in. The marks are ASCII tokens in 8bit/7bit parts and unfoldable headers, replaced by
ASCII values, so the bytes are what the email package would have written for that recipient; an email where that
cannot hold (a long line, a quoted-printable part, an address that needs encoding, a value that is not plain ASCII)
is built whole by the email package instead. Messages from our templates (``template_key``) may address the
customer by name and are always built whole (``email_build``).
"""

import re
import secrets
from collections.abc import Callable
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import smtp
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import sanitize_address
from django.template.loader import TemplateDoesNotExist, get_template, render_to_string
from django.utils import translation
from django.utils.html import escape, linebreaks

from stampcard.campaigns.messages import language, limits, unsubscribe, vouchers
from stampcard.campaigns.messages.models import Message, MessageDelivery

HTML_TEMPLATE = "messages/email/frame.html"
TEXT_TEMPLATE = "messages/email/frame.txt"


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


def _sender(merchant_name: str) -> tuple[str, str]:
    """The From header (the merchant's name on the platform's address) and the domain for Message-IDs."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return formataddr((merchant_name, address)), address.rpartition("@")[2] or "localhost"


# What staff may format an email with: text structure and links, nothing that runs, loads or submits anything
# (no images either: a remote image is a tracking pixel).
STAFF_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "u", "a", "ul", "ol", "li", "h2", "h3", "blockquote"})


def staff_html(html: str) -> str:
    """Staff-written HTML made safe to send, by nh3 (the maintained ammonia sanitiser): ``STAFF_TAGS`` kept, links
    only to http(s) and mailto, everything else dropped, a script's or a style's text with it."""
    return nh3.clean(
        html,
        tags=set(STAFF_TAGS),
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
    ).strip()


def _parts(message: Message, delivery: MessageDelivery, lang: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML body (without the frame) in ``lang``."""
    if message.template_key:
        base = f"{limits.TEMPLATE_DIR}/{message.template_key}"
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context).strip()
        try:
            html = get_template(f"{base}.html").render(context).strip()
        except TemplateDoesNotExist:
            html = ""
        return subject, text, html
    _written_in, part = language.part_for(message.parts, language=lang, merchant=delivery.merchant)
    html = part.get("html", "")
    return part["subject"], part["text"], staff_html(html) if html else ""


def _frame(
    message: Message,
    delivery: MessageDelivery,
    lang: str,
    *,
    text_link: str,
    html_link: str,
    voucher: vouchers.EmailVoucher | None = None,
) -> tuple[str, str, str]:
    """Subject, text and HTML of the whole email in ``lang`` (the merchant's name, the program's branding, the
    voucher below the message, the unsubscribe line with ``text_link`` in the text and ``html_link`` in the HTML)."""
    merchant, program, customer = delivery.merchant, delivery.card.program, delivery.customer
    with translation.override(lang):
        context = {
            "merchant": merchant,
            "program": program,
            "customer": customer,
            "card": delivery.card,
            "unsubscribe_url": text_link,
            "is_marketing": message.is_marketing,
            "logo_url": _absolute(program.logo.url) if program.logo else "",
            "colours": {
                "background": program.background_color,
                "foreground": program.foreground_color,
                "label": program.label_color,
            },
            "language": lang,
            "voucher": voucher,
        }
        subject, text, html = _parts(message, delivery, lang, context)
        body_text = render_to_string(TEXT_TEMPLATE, {**context, "body": text})
        body_html = render_to_string(
            HTML_TEMPLATE,
            {
                **context,
                "unsubscribe_url": html_link,
                "subject": subject,
                "body_html": html or linebreaks(text, autoescape=True),
            },
        )
    return subject, body_text, body_html


def _assemble(
    message: Message, *, subject: str, text: str, html: str, sender: str, to: str, headers: dict[str, str], cls: type
) -> Any:
    email = cls(subject=subject, body=text, from_email=sender, to=[to], headers=headers)
    email.attach_alternative(html, "text/html")
    return email


def _headers(message: Message, *, lang: str, message_id: str, link: str, date: str | None = None) -> dict[str, str]:
    headers = {"Message-ID": message_id, "Content-Language": lang}
    if date is not None:
        headers["Date"] = date
    if message.is_marketing:
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _message_id(message: Message, delivery: MessageDelivery, domain: str) -> str:
    return f"<m{message.pk.hex}.d{delivery.pk}@{domain}>"


def email_build(*, message: Message, delivery: MessageDelivery, lang: str) -> EmailMultiAlternatives:
    """The email of ``delivery`` (its card, program, customer and merchant loaded) to ``delivery.address``, rendered
    and built for it alone."""
    from_header, domain = _sender(delivery.merchant.name)
    link = unsubscribe.unsubscribe_url(delivery)
    voucher = vouchers.usable_voucher(delivery)
    shown = vouchers.EmailVouchers(lang=lang, tz=delivery.merchant.tz).of(voucher) if voucher else None
    subject, text, html = _frame(message, delivery, lang, text_link=link, html_link=link, voucher=shown)
    headers = _headers(message, lang=lang, message_id=_message_id(message, delivery, domain), link=link)
    return _assemble(
        message,
        subject=subject,
        text=text,
        html=html,
        sender=from_header,
        to=delivery.address,
        headers=headers,
        cls=EmailMultiAlternatives,
    )


# The marks of a recipient's own values in an ``EmailTemplate``: ASCII without spaces (so the stdlib never folds or
# encodes them), and random per process (so no text a merchant writes can contain one).
_MARK = secrets.token_hex(8)
TEXT_LINK = f"https://unsubscribe.invalid/t{_MARK}"
HTML_LINK = f"https://unsubscribe.invalid/h{_MARK}"
TO = f"to{_MARK}@recipient.invalid"
MESSAGE_ID = f"<id{_MARK}@message.invalid>"
DATE = f"date{_MARK}"
# A voucher's own values (``vouchers``): the same mark in the text and the HTML, filled only with values that HTML
# escaping leaves as they are.
VOUCHER_CODE = f"code{_MARK}"
VOUCHER_LINK = f"https://voucher.invalid/v{_MARK}"
VOUCHER_UNTIL = f"until{_MARK}"
VOUCHER_MARKS = (VOUCHER_CODE, VOUCHER_LINK, VOUCHER_UNTIL)
# A line with a mark stays this short, so a recipient's values (a link under ``LONGEST_LINK``) keep it far below
# the 998 bytes of RFC 5322 that would have made Django encode the part quoted-printable.
LONGEST_MARKED_LINE = 600
LONGEST_LINK = 300


def _plain(value: str) -> bool:
    """A recipient's value that goes into the rendered bytes as it is: short ASCII that HTML escaping leaves alone."""
    return len(value) <= LONGEST_LINK and value.isascii() and value.isprintable() and escape(value) == value


# How Django's messages (``SafeMIMEMultipart``, policy compat32) have their headers folded by ``as_bytes``.
_FOLDING = compat32.clone(linesep="\r\n")
_ENCODINGS = re.compile(rb"^Content-Transfer-Encoding: *(\S+)", re.MULTILINE | re.IGNORECASE)
# An address of ASCII atoms (RFC 5322 dot-atom) at a domain of ASCII labels: one that ``sanitize_address`` returns as
# it is, so ``fill`` need not parse it (the parse cost more than the rest of filling the email).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
)


def envelope_address(address: str) -> str:
    """``sanitize_address(address, "utf-8")`` (ValueError for an address Django would refuse), without its parse for
    a plain one."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, "utf-8")


def header_line(name: str, value: str) -> bytes:
    """The header as ``_FOLDING.fold_binary`` writes it, without the email package for a short line of plain ASCII
    (which it writes as it is)."""
    line = f"{name}: {value}"
    plain = value.isascii() and value.isprintable() and "  " not in value and value == value.strip()
    if plain and len(line) <= (_FOLDING.max_line_length or 78):
        return f"{line}\r\n".encode()
    return _FOLDING.fold_binary(name, value)


class _Serialized:
    """What ``PreparedEmail.message()`` returns: the bytes already made for the SMTP backend (``as_bytes`` with CRLF,
    as Django's backend asks); any other use gets the email package's message, built on demand."""

    def __init__(self, raw: bytes, full: Callable[[], Any]) -> None:
        self.raw, self._build, self._full = raw, full, None

    def _message(self) -> Any:
        if self._full is None:
            self._full = self._build()
        return self._full

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if linesep == "\r\n" and not unixfrom:
            return self.raw
        return self._message().as_bytes(unixfrom=unixfrom, linesep=linesep)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._message(), name)


class PreparedEmail(EmailMultiAlternatives):
    """An email filled from an ``EmailTemplate``: the same fields as ``email_build``'s, and its bytes when the
    template could make them."""

    raw: bytes | None = None
    envelope: tuple[str, str] = ("", "")  # MAIL FROM and RCPT TO, as Django's backend would write them

    def send_over(self, connection: BaseEmailBackend) -> None:
        """Send over ``connection``: the bytes straight to its SMTP session when it is Django's SMTP backend (the
        addresses were checked as the backend would: ``sanitize_address``), else through the backend."""
        session = getattr(connection, "connection", None) if isinstance(connection, smtp.EmailBackend) else None
        if self.raw is None or session is None:
            connection.send_messages([self])
            return
        session.sendmail(self.envelope[0], [self.envelope[1]], self.raw)

    def message(self, **kwargs: Any) -> Any:
        if self.raw is None or kwargs:
            return super().message(**kwargs)
        return _Serialized(self.raw, super().message)


class EmailTemplate:
    """A message's email in one language and one program's branding, rendered and serialised once for all the
    recipients of a sending round (``fill``). Only for messages with written ``parts`` (the same for everyone).
    Made for the voucher shape of ``delivery`` (``vouchers.voucher_shape``: none, or a title with or without an
    expiry): it fills recipients whose voucher has that shape."""

    def __init__(self, *, message: Message, delivery: MessageDelivery, lang: str) -> None:
        if message.template_key:
            raise ValueError("an email from a template is written for each recipient: use email_build")
        self.message, self.lang = message, lang
        self.sender, self.domain = _sender(delivery.merchant.name)
        self.envelope_sender = sanitize_address(self.sender, "utf-8")
        self.unsubscribe_url = unsubscribe.unsubscribe_urls()
        self.vouchers = vouchers.EmailVouchers(lang=lang, tz=delivery.merchant.tz)
        shape = vouchers.voucher_shape(vouchers.usable_voucher(delivery))
        marked = None
        if shape is not None:
            title, expires = shape
            marked = vouchers.EmailVoucher(
                title=title, code=VOUCHER_CODE, url=VOUCHER_LINK, valid_until=VOUCHER_UNTIL if expires else ""
            )
        self.subject, self.text, self.html = _frame(
            message, delivery, lang, text_link=TEXT_LINK, html_link=HTML_LINK, voucher=marked
        )
        marked = _assemble(
            message,
            subject=self.subject,
            text=self.text,
            html=self.html,
            sender=self.sender,
            to=TO,
            headers=_headers(message, lang=lang, message_id=MESSAGE_ID, link=TEXT_LINK, date=DATE),
            cls=EmailMultiAlternatives,
        )
        raw = marked.message().as_bytes(linesep="\r\n")
        # The recipient's own headers, each as the email package wrote it with its mark (``fill`` has the package
        # fold the recipient's value in its place: a long link or address goes on a continuation line, as it would).
        self.header_lines = {
            name: f"{name}: {mark}\r\n".encode()
            for name, mark in (
                ("To", TO),
                ("Message-ID", MESSAGE_ID),
                ("Date", DATE),
                ("List-Unsubscribe", f"<{TEXT_LINK}>"),
            )
            if name != "List-Unsubscribe" or message.is_marketing
        }
        self.raw: bytes | None = raw if self._fillable(raw) else None

    def _fillable(self, raw: bytes) -> bool:
        """Whether putting a recipient's values in place of the marks gives the bytes the email package would."""
        head, _blank, body = raw.partition(b"\r\n\r\n")
        if any(head.count(line) != 1 for line in self.header_lines.values()):
            return False
        for line in self.header_lines.values():
            head = head.replace(line, b"")
        if _MARK.encode() in head:
            return False  # a mark where it was not put: folded, or encoded
        if body.count(TEXT_LINK.encode()) != self.text.count(TEXT_LINK):
            return False
        if body.count(HTML_LINK.encode()) != self.html.count(HTML_LINK) or _MARK.encode() in self.subject.encode():
            return False
        if any(body.count(each.encode()) != self.text.count(each) + self.html.count(each) for each in VOUCHER_MARKS):
            return False
        if any(value.lower() not in (b"7bit", b"8bit") for value in _ENCODINGS.findall(raw)):
            return False  # a part encoded (quoted-printable, base64): the marks are not written as they are
        mark = _MARK.encode()
        return all(len(line) <= LONGEST_MARKED_LINE for line in body.split(b"\r\n") if mark in line)

    def fill(self, delivery: MessageDelivery) -> PreparedEmail:
        """The email to ``delivery.address``: its unsubscribe link, Message-ID, date and voucher in the rendered
        email. The template must be of the delivery's voucher shape (``vouchers.voucher_shape``)."""
        link = self.unsubscribe_url(delivery)
        message_id, date = (
            _message_id(self.message, delivery, self.domain),
            formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
        )
        html_link = escape(link)
        text, html = self.text.replace(TEXT_LINK, link), self.html.replace(HTML_LINK, html_link)
        voucher = vouchers.usable_voucher(delivery)
        own: dict[str, str] = {}
        if voucher is not None:
            shown = self.vouchers.of(voucher)
            own = {VOUCHER_CODE: shown.code, VOUCHER_LINK: shown.url, VOUCHER_UNTIL: shown.valid_until}
            for mark, value in own.items():
                text, html = text.replace(mark, value), html.replace(mark, escape(value))
        email = _assemble(
            self.message,
            subject=self.subject,
            text=text,
            html=html,
            sender=self.sender,
            to=delivery.address,
            headers=_headers(self.message, lang=self.lang, message_id=message_id, link=link, date=date),
            cls=PreparedEmail,
        )
        if self.raw is None or not all(_plain(value) for value in (link, *own.values())):
            return email
        try:
            to = envelope_address(delivery.address)
        except ValueError:
            return email  # the backend's own check says so, and the delivery fails as a bad address
        if to != delivery.address or not to.isascii():
            return email  # an address the email package encodes (IDNA, a quoted local part): built whole
        values = {"To": to, "Message-ID": message_id, "Date": date, "List-Unsubscribe": f"<{link}>"}
        raw = self.raw
        for name, line in self.header_lines.items():
            raw = raw.replace(line, header_line(name, values[name]), 1)
        email.envelope = (self.envelope_sender, to)
        raw = raw.replace(TEXT_LINK.encode(), link.encode()).replace(HTML_LINK.encode(), html_link.encode())
        for mark, value in own.items():
            raw = raw.replace(mark.encode(), value.encode())
        email.raw = raw
        return email
