"""Who is acting: recorded on every ledger row (actor, channel, location)."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.merchants.models import ApiKey, Location, Membership, Merchant, Role, StaffUser


class Channel(models.TextChoices):
    API = "api", _("POS API")
    POSTER = "poster", _("Poster")
    SCANNER = "scanner", _("Scanner app")
    KIOSK = "kiosk", _("Self-service kiosk")
    RECEIPT = "receipt", _("Receipt QR")
    INSERT = "insert", _("Delivery insert")
    PANEL = "panel", _("Merchant panel")
    PUBLIC = "public", _("Customer page")
    SYSTEM = "system", _("System")


@dataclass(frozen=True)
class Actor:
    merchant: Merchant
    channel: Channel
    user: StaffUser | None = None
    membership: Membership | None = None
    api_key: ApiKey | None = None
    location: Location | None = None

    @property
    def role(self) -> Role | None:
        return Role(self.membership.role) if self.membership else None

    @classmethod
    def system(cls, merchant: Merchant) -> "Actor":
        return cls(merchant=merchant, channel=Channel.SYSTEM)
