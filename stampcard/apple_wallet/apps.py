from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppleWalletConfig(AppConfig):
    name = "stampcard.apple_wallet"
    label = "apple_wallet"
    verbose_name = _("Apple Wallet")

    def ready(self) -> None:
        from stampcard.apple_wallet import receivers
        from stampcard.wallet.changes import cards_changed

        cards_changed.connect(receivers.on_cards_changed, dispatch_uid="apple_wallet.on_cards_changed")
