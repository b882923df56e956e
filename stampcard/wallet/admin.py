"""The card's admin page with the wallets that hold the card. Cards registers the page; it sits below the wallets and
cannot ask them, so the wallet package registers it again with the readout."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.cards.admin import CardAdmin
from stampcard.cards.models import Card
from stampcard.wallet.selectors import card_wallets


class CardWithWalletsAdmin(CardAdmin):
    readonly_fields = ["wallets", *CardAdmin.readonly_fields]

    @admin.display(description=gettext_lazy("Wallets"))
    def wallets(self, card: Card) -> str:
        held = card_wallets(card=card)
        google = {"saved": _("saved"), "removed": _("removed")}.get(held["google"] or "", _("not saved"))
        return _("Apple Wallet: %(devices)d device(s); Google Wallet: %(google)s") % {
            "devices": held["apple_devices"],
            "google": google,
        }


admin.site.unregister(Card)
admin.site.register(Card, CardWithWalletsAdmin)
