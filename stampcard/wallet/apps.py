from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "stampcard.wallet"
    verbose_name = _("Wallet passes")

    def ready(self) -> None:
        # Imported here, once every model is loaded (the feed reaches the models of cards and of both wallets).
        from stampcard.cards import changes
        from stampcard.wallet import feed

        # Cards records each change of a card a wallet holds as a row and, after the commit, tells its follower which
        # cards changed: the feed hands those rows to the wallets at once. The rows are the record; the feed's
        # periodic sweep hands over the ones no follower call did (a process that died in between).
        changes.follower = feed.cards_committed
