from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoogleWalletConfig(AppConfig):
    name = "stampcard.wallet.google"
    label = "google_wallet"
    verbose_name = _("Google Wallet")
