"""An automation that gives a voucher: the email it sends, as the SMTP server receives it, carries that voucher's code,
link and expiry, like a campaign's."""

from datetime import date

import pytest

from stampcard.campaigns.automations.models import AutomationFiring, AutomationKind
from stampcard.campaigns.messages import sender
from stampcard.core import clock
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.presenters import voucher_urls
from tests.campaigns.automations.conftest import kyiv, run_at, switch_on
from tests.campaigns.messages.conftest import smtp_server  # noqa: F401 - fixture
from tests.factories import CardFactory, CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def test_the_birthday_email_carries_the_voucher_the_automation_gave(program, smtp_server):  # noqa: F811
    # given: a customer whose birthday is in three days, and the birthday automation with a voucher for 14 days
    customer = CustomerFactory(
        merchant=program.merchant,
        email="olena@example.com",
        marketing_email_consent=True,
        language="uk",
        birthday=date(1991, 4, 3),
        birthday_set_at=kyiv(2026, 1, 1),
    )
    CardFactory(program=program, customer=customer)
    switch_on(program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=3, voucher_title="Тістечко", voucher_days=14)

    # when: it fires at 10:00 in Kyiv and its message goes out
    run_at(kyiv(2027, 3, 31, 10, 0))
    firing = AutomationFiring.objects.select_related("voucher").get()
    with clock.frozen_at(kyiv(2027, 3, 31, 10, 1)):
        sender.message_send(message_id=firing.message_id)

    # then: the email carries the voucher: its code, its page and its last day, in Ukrainian
    assert firing.voucher is not None
    (received,) = smtp_server.to("olena@example.com")
    for part in (received.part("text/plain"), received.part("text/html")):
        assert format_code(firing.voucher.code) in part
        assert voucher_urls(firing.voucher)["page"] in part
        assert "Діє до 14.04.2027 10:00." in part
