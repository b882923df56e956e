from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppleWalletConfig(AppConfig):
    name = "stampcard.wallet.apple"
    label = "apple_wallet"
    verbose_name = _("Apple Wallet")
