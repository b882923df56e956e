from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoogleWalletConfig(AppConfig):
    name = "stampcard.google_wallet"
    label = "google_wallet"
    verbose_name = _("Google Wallet")

    def ready(self) -> None:
        from stampcard.google_wallet import receivers
        from stampcard.wallet.changes import cards_changed

        cards_changed.connect(receivers.on_cards_changed, dispatch_uid="google_wallet.on_cards_changed")
