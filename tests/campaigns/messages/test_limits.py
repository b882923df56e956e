"""A message is checked before it is saved: each problem has its own stable code and names its field."""

import pytest

from stampcard.campaigns.messages import limits, services
from stampcard.campaigns.messages.errors import MessageInvalid, MessageNotDraft
from stampcard.merchants.actors import Actor
from tests.campaigns.messages.conftest import PARTS, holder, message_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def refusal(merchant, **kwargs) -> MessageInvalid:
    kwargs.setdefault("channels", ["email"])
    with pytest.raises(MessageInvalid) as refused:
        services.message_create(actor=Actor.system(merchant), **kwargs)
    return refused.value


@pytest.mark.parametrize(
    ("part", "code", "field"),
    [
        (
            {"subject": "x" * (limits.EMAIL_SUBJECT_MAX + 1), "text": "Hi"},
            "message_subject_too_long",
            "parts.en.subject",
        ),
        ({"subject": "Hi\nBcc: all@example.com", "text": "Hi"}, "message_subject_invalid", "parts.en.subject"),
        ({"subject": "  ", "text": "Hi"}, "message_subject_required", "parts.en.subject"),
        ({"subject": "Hi", "text": ""}, "message_text_required", "parts.en.text"),
        ({"subject": "Hi", "text": "x" * (limits.EMAIL_TEXT_MAX + 1)}, "message_text_too_long", "parts.en.text"),
        (
            {"subject": "Hi", "text": "Hi", "html": "x" * (limits.EMAIL_HTML_MAX + 1)},
            "message_html_too_long",
            "parts.en.html",
        ),
    ],
)
def test_an_email_out_of_bounds_is_refused_with_its_code(merchant, part, code, field):
    error = refusal(merchant, parts={"en": part})

    assert error.code == code
    assert error.status == 422
    assert error.details["fields"][0]["field"] == field


def test_a_subject_at_the_limit_is_accepted(merchant):
    subject = "x" * limits.EMAIL_SUBJECT_MAX
    message = services.message_create(
        actor=Actor.system(merchant), channels=["email"], parts={"en": {"subject": subject, "text": "Hi"}}
    )
    assert message.parts["en"]["subject"] == subject


def test_unknown_languages_channels_and_templates_are_refused(merchant):
    assert refusal(merchant, parts={"de": PARTS["en"]}).code == "message_language_unknown"
    assert refusal(merchant, parts={}).code == "message_parts_required"
    assert refusal(merchant, channels=["fax"], parts=PARTS).code == "message_channel_unknown"
    assert refusal(merchant, channels=[], parts=PARTS).code == "message_channel_unknown"
    assert refusal(merchant, template_key="no_such_template").code == "message_template_unknown"
    assert refusal(merchant, template_key="frame", parts=PARTS).code == "message_parts_or_template"


def test_a_message_is_started_once(program):
    message = message_to([holder(program, email="olena@example.com")], merchant=program.merchant)

    with pytest.raises(MessageNotDraft):
        services.message_send_start(message=message)
