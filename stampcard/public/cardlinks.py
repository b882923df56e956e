"""Email a customer the links to their web cards (the panel's "Resend the card link").

The link is the card's bearer credential (``cards.links.web_card_url``), so it goes only to the email saved with the
customer, in the customer's language (``customers.languages.customer_language``).
"""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from stampcard.cards import ledger, links
from stampcard.cards.models import Card, EventKind
from stampcard.core.errors import LimitReached, ValidationFailed
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take
from stampcard.customers.languages import customer_language
from stampcard.merchants.actors import Actor

# At most this many card-link emails per customer per hour: a button pressed again and again must not flood an inbox.
SEND_LIMIT = (3, 3600)


def card_links_send(*, cards: list[Card], actor: Actor | None = None) -> str:
    """Email every card of ``cards`` (one customer's) with its web link to the customer's email; return the address.

    Raises ValidationFailed ``customer_has_no_email`` when the customer has no email saved (or was erased), and
    LimitReached ``card_link_rate_limited`` (``details["retry_after"]`` in seconds) past ``SEND_LIMIT``. Once sent,
    each card's journal records the message (who sent it: ``actor``, the system when None).
    """
    customer = cards[0].customer
    email = customer.email
    if not email:
        raise ValidationFailed(
            _("This customer has no email saved: add one first."), code="customer_has_no_email", field="email"
        )
    try:
        throttle_take(limits=[Limit(f"card-link:{customer.pk}", *SEND_LIMIT)])
    except ThrottleExceeded as exceeded:
        minutes = max(1, -(-exceeded.retry_after // 60))
        raise LimitReached(
            _("The card link was sent %(count)d times this hour already. Try again in %(minutes)d minutes.")
            % {"count": SEND_LIMIT[0], "minutes": minutes},
            code="card_link_rate_limited",
            retry_after=exceeded.retry_after,
        ) from None
    merchant = customer.merchant
    with translation.override(customer_language(customer)):
        context = {
            "merchant_name": merchant.name,
            "cards": [{"program": card.program.name, "url": links.web_card_url(card)} for card in cards],
        }
        subject = " ".join(render_to_string("join/email/card_link_subject.txt", context).split())
        body = render_to_string("join/email/card_link_body.txt", context)
    send_mail(subject, body, None, [email])
    actor = actor or Actor.system(merchant)
    for card in cards:
        ledger.ledger_note(card=card, kind=EventKind.MESSAGE_SENT, actor=actor, message="card_link", by="email")
    return email
