"""Message tests send through Django's SMTP backend to a real SMTP server on loopback."""

import logging

import pytest

from stampcard.campaigns.messages import services
from stampcard.campaigns.messages.models import Message
from stampcard.merchants.actors import Actor
from tests.campaigns.messages.smtp import SmtpServer
from tests.factories import CardFactory, CustomerFactory

PARTS = {
    "en": {"subject": "Autumn menu", "text": "Pumpkin latte is back.\nCome by!", "html": ""},
    "uk": {"subject": "Осіннє меню", "text": "Гарбузове лате повернулося.\nЗаходьте!", "html": ""},
}


@pytest.fixture
def smtp_server(settings):
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "stampcard <noreply@stampcard.test>"
    yield server
    server.stop()


@pytest.fixture
def no_queue(settings):
    """Sending rounds run when the test says (the queued task goes nowhere)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def holder(program, *, email: str = "", consent: bool = True, **extra):
    """A card of ``program`` whose customer has ``email`` (and marketing consent when ``consent``)."""
    customer = CustomerFactory(
        merchant=program.merchant, email=email, marketing_email_consent=bool(email) and consent, **extra
    )
    return CardFactory(program=program, customer=customer)


def message_to(cards, *, merchant, parts=None, **kwargs) -> Message:
    """A message with ``cards`` as its recipients, started (its first round not run yet: ``no_queue``)."""
    message = services.message_create(
        actor=Actor.system(merchant),
        channels=["email"],
        parts=PARTS if parts is None else parts,
        source="campaign",
        **kwargs,
    )
    services.message_recipients_add(message=message, cards=cards)
    return services.message_send_start(message=message)
