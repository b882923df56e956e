"""Cards: a customer's card in one program, the bearer token of its web page, and the record of its changes that
the wallets follow."""

from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models.programs import Program, ProgramRules, ProgramVersion
from stampcard.core import secretbox
from stampcard.core.models import TenantModel, TimestampedModel


class Card(TenantModel):
    """A customer's card in one program. ``stamps`` is a cache of the ledger, moved in the same transaction."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cards")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="cards")
    number = models.CharField(max_length=6, help_text=_("Six digits, for staff lookup; not a credential."))
    qr_payload = models.CharField(max_length=40, unique=True)
    stamps = models.PositiveIntegerField(default=0)
    lifetime_stamps = models.PositiveIntegerField(default=0)
    rewards_earned = models.PositiveIntegerField(default=0)
    last_stamp_at = models.DateTimeField(null=True, blank=True)
    program_version = models.ForeignKey(
        ProgramVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards",
        help_text=_("The rules this card follows; the program's current ones when empty."),
    )
    changed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Last change of what the card shows; wallet passes follow it.")
    )
    in_wallet = models.BooleanField(
        default=False, help_text=_("A wallet holds this card (or was offered it): its changes are announced to them.")
    )
    cycle = models.PositiveIntegerField(default=0, help_text=_("Times the card went round all its milestones."))
    milestones_reached = models.PositiveSmallIntegerField(
        default=0, help_text=_("Milestones of the current round already rewarded.")
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text=_("Closed by a merge of duplicate customers: its stamps and lookups go to this card."),
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    referral_pending = models.BooleanField(
        default=False,
        help_text=_("A referral waits for this card's first paid visit: only then does a checkout look for it."),
    )

    # Whether the card may hold something open (a ready reward, a usable voucher), so that the many card answers of
    # cards holding nothing skip the read of their holdings (``checkouts.holdings``). Every ledger line that can put
    # something open on the card counts up ``holdings_added`` in the statement that writes it (``cards.ledger``);
    # only that read sets ``holdings_seen_empty`` to it, when it found nothing, and only if no line was counted
    # since the card was read. Two counters rather than a flag: a flag a concurrent write had just set again would
    # look the same as the one the read saw, and be cleared over a holding it never saw.
    holdings_added = models.PositiveIntegerField(
        default=0,
        help_text=_("Rewards readied, vouchers put in and cards merged into this card, counted; never goes down."),
    )
    holdings_seen_empty = models.PositiveIntegerField(
        default=0,
        help_text=_("What holdings added was when the card was last seen holding nothing open."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number"], name="card_number_unique_per_merchant"),
            models.UniqueConstraint(fields=["program", "customer"], name="card_one_per_program"),
        ]
        indexes = [
            # The customer directory's order and keyset (``cards.directory``): last visit newest first, id ties.
            models.Index(
                F("merchant"),
                Coalesce("last_stamp_at", "created_at").desc(),
                F("id").desc(),
                name="card_directory_order",
            ),
            models.Index(
                F("merchant"),
                F("program"),
                Coalesce("last_stamp_at", "created_at").desc(),
                F("id").desc(),
                name="card_directory_program",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def holds_nothing_open(self) -> bool:
        """Nothing was put on the card since it was last seen holding no ready reward and no usable voucher."""
        return self.holdings_added == self.holdings_seen_empty

    @property
    def rules(self) -> ProgramRules:
        """The rules this card's stamps follow: its version's, or the program's for a card without one."""
        version: ProgramVersion | None = self.program_version
        return version if version is not None else self.program


CARD_LINK_TOKEN_PURPOSE = "card-web-token"


class CardLink(TimestampedModel):
    """The bearer token of a card's web page (``cards.links.web_card_url``), which the wallet passes link to.

    Unguessable, stable, and distinct from the card's QR payload (which a cashier's scanner reads and a receipt may
    print) and from its six-digit number (a staff lookup key, never a credential). The table keeps the name it had
    under the customer pages' app.

    The token is not stored in clear (``core.secretbox``): its SHA-256 finds the card of a link, a sealed copy
    puts the same link into passes, pages and emails again; ``token`` reads and sets both like a field.
    """

    card = models.OneToOneField(Card, on_delete=models.CASCADE, related_name="web_link")
    token_digest = models.CharField(
        max_length=secretbox.DIGEST_LENGTH, unique=True, help_text=_("SHA-256 of the web page's token.")
    )
    token_sealed = models.CharField(max_length=secretbox.SEALED_MAX_LENGTH, editable=False)

    class Meta:
        db_table = "join_cardlink"

    def __str__(self) -> str:
        return f"card {self.card_id}"

    token = secretbox.sealed_token(purpose=CARD_LINK_TOKEN_PURPOSE, prefix="token", doc="The web page's token.")


class CardChange(models.Model):
    """A change of what a card shows, recorded in the transaction that made it, for the wallets that hold the card.

    The outbox of the wallet change feed: only cards with ``in_wallet`` get rows (``cards.changes``). The feed
    (``stampcard.wallet.feed``) hands them to the wallets right after commit, or by its periodic sweep when no
    process did (one died between commit and hand-over), and deletes them once handed over. ``claimed_until`` is
    the lease of the worker handing a row over; when it lapses, the sweep takes the row again.
    """

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="+")
    recorded_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"card {self.card_id} changed at {self.recorded_at:%Y-%m-%d %H:%M:%S}"


class CardCount(models.Model):
    """How many open cards (not closed by a merge) a program has: the sum of its rows (``cards.counts``).

    Moved in the transaction that issues or closes a card, so a dashboard reads a merchant's card total from a few
    rows instead of counting its cards (157 ms at a million). A program has up to ``cards.counts.SLOTS`` rows and a
    card moves the row of its own slot (its id modulo the slots): concurrent enrolments mostly update different rows
    and do not queue on one counter's lock for the rest of their transactions.
    """

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    slot = models.PositiveSmallIntegerField()
    cards = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "slot"], name="card_count_one_row_per_slot")]
        indexes = [models.Index(fields=["merchant"], name="card_count_merchant")]

    def __str__(self) -> str:
        return f"{self.program_id} slot {self.slot}: {self.cards}"
