"""The panel's menu. An entry shows when its page exists (its URL name resolves) and the viewer's role reaches it."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stampcard.merchants.models import ROLE_RANK, Role


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    icon: str
    minimum: Role
    # Other URL names whose pages belong under this entry (it shows as current there too).
    prefix: str = ""


MENU: tuple[NavEntry, ...] = (
    NavEntry("panel:dashboard", _("Dashboard"), "layout-dashboard", Role.CASHIER),
    NavEntry("panel:counter", _("Counter"), "scan-line", Role.CASHIER, prefix="panel:counter"),
    NavEntry("panel:customers", _("Customers"), "users-round", Role.MANAGER, prefix="panel:customer"),
    NavEntry("panel:programs", _("Card design"), "palette", Role.MANAGER, prefix="panel:program"),
    NavEntry("panel:rewards", _("Rewards"), "gift", Role.MANAGER, prefix="panel:reward"),
    NavEntry("panel:journal", _("Journal"), "scroll-text", Role.MANAGER, prefix="panel:journal"),
    NavEntry("panel:abuse-alerts", _("Alerts"), "bell", Role.MANAGER, prefix="panel:abuse-alert"),
    NavEntry("panel:campaigns", _("Campaigns"), "send", Role.MANAGER, prefix="panel:campaign"),
    NavEntry("panel:automations", _("Automations"), "sparkles", Role.MANAGER, prefix="panel:automation"),
    NavEntry("panel:analytics", _("Analytics"), "chart-column", Role.MANAGER, prefix="panel:analytics"),
    NavEntry("panel:printouts", _("QR & print"), "qr-code", Role.MANAGER, prefix="panel:printout"),
    NavEntry("panel:locations", _("Locations"), "map-pin", Role.MANAGER, prefix="panel:location"),
    NavEntry("panel:staff", _("Staff"), "users", Role.OWNER, prefix="panel:staff"),
    NavEntry("panel:keys", _("API keys & devices"), "key-round", Role.MANAGER, prefix="panel:key"),
    NavEntry("panel:integrations", _("Integrations"), "plug", Role.MANAGER, prefix="panel:integration"),
    NavEntry("panel:plan", _("Plan & usage"), "credit-card", Role.OWNER, prefix="panel:plan"),
    NavEntry("panel:business", _("Business settings"), "store", Role.OWNER, prefix="panel:business"),
)


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str | Promise
    icon: str
    current: bool


def menu_for(*, role: Role, current_url_name: str) -> list[MenuItem]:
    items = []
    for entry in MENU:
        if ROLE_RANK[role] < ROLE_RANK[entry.minimum]:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # a page not built yet
            continue
        prefix = entry.prefix or entry.url_name
        current = current_url_name == entry.url_name or current_url_name.startswith(prefix)
        items.append(MenuItem(url=url, label=entry.label, icon=entry.icon, current=current))
    return items
