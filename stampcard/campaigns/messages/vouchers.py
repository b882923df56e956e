"""The voucher an email carries (a campaign's voucher for each recipient, ``MessageDelivery.voucher``): what the
customer needs to use it, as the web card and the voucher page show it — its title, its code as the cashier types
it, when it stops being valid (the merchant's time zone, the recipient's language) and the link to its page
(``/v/<token>``, with the QR and barcode for the cashier).

An email shows a voucher only while it can still be used: one redeemed, cancelled or expired before its email went
out is left out (the rest of the email still goes).

For an email rendered once and filled per recipient (``email.EmailTemplate``) the parts that are the same for a
round's vouchers (the title, whether there is an expiry) are rendered with the email, and the code, the link and the
expiry date are filled per recipient (``EmailVoucher.values``).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from stampcard.campaigns.messages.models import MessageDelivery
from stampcard.core import clock
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.presenters import valid_until_text, voucher_page_url
from stampcard.vouchers.states import OPEN_STATES, effective_state


@dataclass(frozen=True)
class EmailVoucher:
    """A voucher as an email shows it; ``valid_until`` empty when it never expires."""

    title: str
    code: str
    url: str
    valid_until: str


def voucher_shape(voucher: Voucher | None) -> tuple[str, bool] | None:
    """What the emails of a round rendered once have in common with ``voucher``: its title and whether it expires."""
    return None if voucher is None else (voucher.title, voucher.expires_at is not None)


def usable_voucher(delivery: MessageDelivery) -> Voucher | None:
    """The delivery's voucher if the customer can still use it (issued or active, not past its expiry)."""
    voucher = delivery.voucher if delivery.voucher_id is not None else None
    if voucher is None:
        return None
    state = effective_state(
        state=voucher.state, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=clock.now()
    )
    return voucher if state in OPEN_STATES else None


class EmailVouchers:
    """Vouchers as the emails of one language and one merchant's time zone show them (``of``), for many recipients:
    each expiry written once (a campaign's vouchers expire at a handful of moments, mostly the end of the same day)."""

    def __init__(self, *, lang: str, tz: ZoneInfo) -> None:
        self.lang, self.tz = lang, tz
        self.expiries: dict[datetime | None, str] = {}

    def of(self, voucher: Voucher) -> EmailVoucher:
        if voucher.expires_at not in self.expiries:
            with translation.override(self.lang):
                self.expiries[voucher.expires_at] = valid_until_text(voucher, self.tz)
        return EmailVoucher(
            title=voucher.title,
            code=format_code(voucher.code),
            url=voucher_page_url(voucher),
            valid_until=self.expiries[voucher.expires_at],
        )
