"""One email of a delivery: the text and HTML parts in the recipient's language, in the merchant's branding (the name,
and the colours and logo of the card's program), with the one-click unsubscribe headers (RFC 2369, RFC 8058).

The HTML a merchant's staff wrote (a part's ``html``) is never put in the email as written: it could carry scripts,
tracking pixels, forms or links dressed as the platform's. It goes through the nh3 sanitiser, which keeps text
formatting and plain links only (``staff_html``). Our own templates (``template_key``) are trusted and rendered as
they are.

``Message-ID`` is made from the delivery, so the same delivery sent again (a worker killed between the server's
"250 OK" and our record of it) carries the same id, and mail systems that drop duplicates drop it.
"""

from email.utils import formataddr, parseaddr

import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import TemplateDoesNotExist, get_template, render_to_string
from django.utils import translation
from django.utils.html import linebreaks

from stampcard.campaigns.messages import language, limits, unsubscribe
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


def email_build(*, message: Message, delivery: MessageDelivery, lang: str) -> EmailMultiAlternatives:
    """The email of ``delivery`` (its card, program, customer and merchant loaded) to ``delivery.address``."""
    merchant, program, customer = delivery.merchant, delivery.card.program, delivery.customer
    from_header, domain = _sender(merchant.name)
    unsubscribe_link = unsubscribe.unsubscribe_url(delivery)
    with translation.override(lang):
        context = {
            "merchant": merchant,
            "program": program,
            "customer": customer,
            "card": delivery.card,
            "unsubscribe_url": unsubscribe_link,
            "is_marketing": message.is_marketing,
            "logo_url": _absolute(program.logo.url) if program.logo else "",
            "colours": {
                "background": program.background_color,
                "foreground": program.foreground_color,
                "label": program.label_color,
            },
            "language": lang,
        }
        subject, text, html = _parts(message, delivery, lang, context)
        body_text = render_to_string(TEXT_TEMPLATE, {**context, "body": text})
        body_html = render_to_string(
            HTML_TEMPLATE, {**context, "subject": subject, "body_html": html or linebreaks(text, autoescape=True)}
        )
    headers = {"Message-ID": f"<m{message.pk.hex}.d{delivery.pk}@{domain}>", "Content-Language": lang}
    if message.is_marketing:
        headers["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=from_header,
        to=[delivery.address],
        headers=headers,
    )
    email.attach_alternative(body_html, "text/html")
    return email
