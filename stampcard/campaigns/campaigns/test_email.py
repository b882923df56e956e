"""The test email of a campaign: what a customer would get, in the messages' frame, to a staff address.

It has no card or customer behind it, so the unsubscribe link points nowhere useful and says so; the subject starts
with "[Test]" so that nobody forwards it as the real thing.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from stampcard.campaigns.campaigns.models import Campaign
from stampcard.campaigns.messages import email as messages_email
from stampcard.campaigns.messages import language as messages_language
from stampcard.cards.models import Program


def test_email_build(*, campaign: Campaign, address: str, language: str = "") -> EmailMultiAlternatives:
    merchant = campaign.merchant
    lang, part = messages_language.part_for(campaign.parts, language=language or "", merchant=merchant)
    program = Program.objects.filter(merchant=merchant).order_by("-is_default", "created_at").first()
    with translation.override(lang):
        subject = _("[Test] %(subject)s") % {"subject": part["subject"]}
        context = {
            "merchant": merchant,
            "program": program,
            "unsubscribe_url": settings.BASE_URL,
            "is_marketing": True,
            "logo_url": "",
            "colours": {
                "background": program.background_color if program else "#1f2937",
                "foreground": program.foreground_color if program else "#ffffff",
                "label": program.label_color if program else "#fbbf24",
            },
            "language": lang,
        }
        body_text = render_to_string(messages_email.TEXT_TEMPLATE, {**context, "body": part["text"]})
        body_html = render_to_string(
            messages_email.HTML_TEMPLATE,
            {**context, "subject": subject, "body_html": linebreaks(part["text"], autoescape=True)},
        )
    sender = formataddr((merchant.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"))
    email = EmailMultiAlternatives(subject=subject, body=body_text, from_email=sender, to=[address])
    email.attach_alternative(body_html, "text/html")
    return email
