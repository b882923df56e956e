"""Helpers of the accounts tests: a filled-in sign-up form and the link out of the latest email."""

import re

import pytest
from django.core import mail

STRONG_PASSWORD = "amber-kettle-41-violet"


@pytest.fixture
def signup_data() -> dict[str, str]:
    return {
        "business_name": "Kava Tut",
        "business_type": "bakery",
        "country": "UA",
        "currency": "UAH",
        "time_zone": "Europe/Kyiv",
        "language": "uk",
        "full_name": "Olena Kovalenko",
        "email": "Olena@Example.com",
        "password": STRONG_PASSWORD,
    }


def link_in(message: mail.EmailMessage) -> str:
    """The path of the one link in a plain-text email."""
    urls = re.findall(r"https?://[^\s]+", str(message.body))
    assert len(urls) == 1, message.body
    return re.sub(r"^https?://[^/]+", "", urls[0])
