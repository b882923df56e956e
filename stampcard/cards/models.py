"""Programs, cards, the append-only stamp ledger and the POS checks that feed it; the public identities of programs
and cards (join slug, web token); the record of card changes the wallets must follow."""

import uuid
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from stampcard.core import secretbox
from stampcard.core.models import TenantModel, TimestampedModel
from stampcard.merchants.actors import Channel

_hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f2937."))


class EarningRule(models.TextChoices):
    PER_RECEIPT = "per_receipt", _("Stamps per receipt")
    PER_AMOUNT = "per_amount", _("One stamp per amount spent")


class StampingMode(models.TextChoices):
    CASHIER = "cashier", _("The cashier identifies the customer")
    RECEIPT_QR = "receipt_qr", _("The customer scans a QR on the receipt")


class StampIcon(models.TextChoices):
    """The built-in stamp pictures the wallets draw (``stampcard.wallet.stamps``)."""

    TICK = "tick", _("Tick")
    COFFEE = "coffee", _("Coffee cup")
    CROISSANT = "croissant", _("Croissant")
    SCISSORS = "scissors", _("Scissors")
    STAR = "star", _("Star")
    HEART = "heart", _("Heart")
    PAW = "paw", _("Paw")


class RewardKind(models.TextChoices):
    AWARD = "award", _("Award (a gift handed over at the counter)")
    VOUCHER = "voucher", _("Voucher (a one-time code in the card)")
    LOTTERY = "lottery", _("Lottery (a draw for a prize)")


class ProgramRules(models.Model):
    """What a card's stamps are worth and what they turn into: the part of a program that is versioned.

    ``milestones`` lists the goals on one card in order, e.g. 3 -> small gift, 6 -> medium, 9 -> final; the card
    resets after the last. Empty means one goal: ``goal`` with the ``reward_*`` fields. See ``cards.milestones``.
    """

    goal = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    earning_rule = models.CharField(max_length=16, choices=EarningRule.choices, default=EarningRule.PER_RECEIPT)
    stamps_per_receipt = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    amount_per_stamp = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Minor units per stamp for the per-amount rule, e.g. 10000 = 100.00.")
    )
    min_check_total = models.PositiveBigIntegerField(default=0, help_text=_("Checks below this earn nothing."))
    max_stamps_per_check = models.PositiveSmallIntegerField(null=True, blank=True)

    reward_kind = models.CharField(max_length=16, choices=RewardKind.choices, default=RewardKind.AWARD)
    reward_title = models.CharField(max_length=100)
    reward_description = models.TextField(blank=True)
    milestones = models.JSONField(
        default=list, blank=True, help_text=_("Several goals on one card; empty for a single goal.")
    )

    RULE_FIELDS = (
        "goal",
        "earning_rule",
        "stamps_per_receipt",
        "amount_per_stamp",
        "min_check_total",
        "max_stamps_per_check",
        "reward_kind",
        "reward_title",
        "reward_description",
        "milestones",
    )

    class Meta:
        abstract = True

    def milestone_list(self) -> list[dict[str, Any]]:
        """The goals of one cycle in order; the last one resets the card."""
        if self.milestones:
            return list(self.milestones)
        return [
            {
                "at": self.goal,
                "kind": self.reward_kind,
                "title": self.reward_title,
                "description": self.reward_description,
            }
        ]

    def rules_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.RULE_FIELDS}


class Program(ProgramRules, TenantModel):
    """The stamp card a merchant designs: how stamps are earned and what they turn into.

    Changing the rules of a running program makes a new ``ProgramVersion``; cards keep the version they joined with
    until the merchant regenerates them (``cards.versions``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, help_text=_("Used when an enrolment names no program."))
    version = models.PositiveIntegerField(default=1)
    stamping_mode = models.CharField(max_length=16, choices=StampingMode.choices, default=StampingMode.CASHIER)

    background_color = models.CharField(max_length=7, default="#1f2937", validators=[_hex_colour])
    foreground_color = models.CharField(max_length=7, default="#ffffff", validators=[_hex_colour])
    label_color = models.CharField(max_length=7, default="#fbbf24", validators=[_hex_colour])
    logo = models.ImageField(upload_to="logos/", blank=True)
    stamp_icon = models.CharField(
        max_length=16,
        choices=StampIcon.choices,
        default=StampIcon.TICK,
        help_text=_("The picture of a stamp on the card; an uploaded picture replaces it."),
    )
    stamp_image = models.ImageField(
        upload_to="stamps/", blank=True, help_text=_("Your own picture of a collected stamp (PNG, square).")
    )
    stamp_empty_image = models.ImageField(
        upload_to="stamps/", blank=True, help_text=_("Your own picture of a stamp still to collect (PNG, square).")
    )
    strip_image = models.ImageField(
        upload_to="strips/",
        blank=True,
        help_text=_("A picture behind the stamps (Apple's strip, Google's hero), e.g. your counter or product."),
    )

    # Receipt claims (stampcard.receipts): how long the QR printed on a receipt can be scanned.
    receipt_claim_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    # Self-service channels (kiosk, autopilot): what stops a guest from stamping their own card too often
    # (stampcard.scanner.abuse). Not versioned: they guard the channel, not what a stamp is worth.
    selfservice_stamps_per_visit = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Stamps a self-service scan gives when there is no check amount."),
    )
    selfservice_visit_window_minutes = models.PositiveIntegerField(
        default=180,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("At most one self-service stamp per card per location within this window; 0 turns it off."),
    )
    selfservice_daily_cap = models.PositiveSmallIntegerField(
        default=3, help_text=_("Self-service stamps per card per day (merchant's time zone); 0 means no cap.")
    )
    selfservice_device_scans_per_minute = models.PositiveSmallIntegerField(
        default=20, help_text=_("Scans one paired device may make per minute; 0 means no limit.")
    )
    selfservice_voucher_cooldown_minutes = models.PositiveIntegerField(
        default=30,
        help_text=_(
            "After a voucher is redeemed, the card waits this long before the next self-service "
            "stamp or redemption; 0 turns it off."
        ),
    )
    alert_refusals_per_day = models.PositiveSmallIntegerField(
        default=5, help_text=_("Refused self-service scans of one card in a day that raise an alert; 0 turns it off.")
    )
    alert_stamps_per_day = models.PositiveSmallIntegerField(
        default=6, help_text=_("Stamps on one card in a day, from any channel, that raise an alert; 0 turns it off.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(earning_rule="per_amount") | Q(amount_per_stamp__gt=0),
                name="program_per_amount_needs_amount",
            ),
            models.CheckConstraint(condition=Q(goal__gte=1), name="program_goal_positive"),
            models.UniqueConstraint(fields=["merchant"], condition=Q(is_default=True), name="program_one_default"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramVersion(ProgramRules, TenantModel):
    """The rules of a program as they were from one change to the next, with who changed what."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    changes = models.JSONField(
        default=dict, blank=True, help_text=_("Field -> [before, after] against the last version.")
    )
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["program", "number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="program_version_unique")]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.number}"


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
    def rules(self) -> ProgramRules:
        """The rules this card's stamps follow: its version's, or the program's for a card without one."""
        version: ProgramVersion | None = self.program_version
        return version if version is not None else self.program


class ProgramLink(TimestampedModel):
    """A program's short public slug, for its join page and QR (``cards.links.join_url``).

    A shorter URL is a smaller QR, which matters on a 5x5 cm label; the program's UUID works too. Made on first use,
    never changed, so a printed QR keeps working. The table keeps the name it had under the customer pages' app.
    """

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="join_link")
    slug = models.CharField(max_length=16, unique=True)

    class Meta:
        db_table = "join_programlink"

    def __str__(self) -> str:
        return self.slug


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


class CheckState(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    REVERSED = "reversed", _("Reversed")


class ReversalKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    VOID = "void", _("Void")


class Check(TenantModel):
    """A POS receipt we have stamped. One row per (merchant, POS, external id): a receipt never stamps twice."""

    pos = models.CharField(max_length=32, default="api")
    external_id = models.CharField(max_length=64)
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="checks")
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total = models.BigIntegerField(help_text=_("Minor units."))
    currency = models.CharField(max_length=3)
    closed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=CheckState.choices, default=CheckState.COMMITTED)
    stamps_issued = models.PositiveIntegerField(default=0)
    stamps_reversed = models.PositiveIntegerField(default=0)
    reversal_kind = models.CharField(max_length=8, choices=ReversalKind.choices, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "pos", "external_id"], name="check_unique_per_pos"),
            models.CheckConstraint(condition=Q(total__gte=0), name="check_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.pos}:{self.external_id}"


class EventKind(models.TextChoices):
    STAMP = "stamp", _("Stamps earned")
    REVERSAL = "reversal", _("Stamps reversed")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    REWARD_ISSUED = "reward_issued", _("Reward issued")
    REWARD_WITHDRAWN = "reward_withdrawn", _("Reward withdrawn")
    REWARD_HANDED_OVER = "reward_handed_over", _("Reward handed over")
    VOUCHER_ISSUED = "voucher_issued", _("Voucher issued")
    VOUCHER_REDEEMED = "voucher_redeemed", _("Voucher redeemed")
    VOUCHER_CANCELLED = "voucher_cancelled", _("Voucher cancelled")
    VOUCHER_EXPIRED = "voucher_expired", _("Voucher expired")
    LOTTERY_DRAW = "lottery_draw", _("Lottery draw")
    PROGRAM_VERSION_CHANGED = "program_version_changed", _("Moved to the program's new rules")
    MERGED_IN = "merged_in", _("Duplicate card merged in")
    MERGED_OUT = "merged_out", _("Merged into another card")
    IMPORTED = "imported", _("Imported from another system")
    CARD_ISSUED = "card_issued", _("Card issued")
    PASS_INSTALLED = "pass_installed", _("Added to a wallet")
    PASS_REMOVED = "pass_removed", _("Removed from a wallet")
    MESSAGE_SENT = "message_sent", _("Message sent")
    REFERRAL_BONUS = "referral_bonus", _("Referral bonus")
    STAMPS_EXPIRED = "stamps_expired", _("Stamps expired")


# Lines that record what happened to a card without moving it (delta 0; ``cards.ledger.ledger_note``).
INFORMATIONAL_KINDS = frozenset(
    {EventKind.CARD_ISSUED, EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED, EventKind.MESSAGE_SENT}
)


class CardEvent(TenantModel):
    """One line of the append-only ledger. The card's stamps equal the sum of ``delta`` over its events."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    delta = models.IntegerField(default=0)
    stamps_after = models.PositiveIntegerField()
    check_ref = models.ForeignKey(
        Check, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_column="check_id"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    actor = models.ForeignKey("merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["card", "id"], name="cardevent_card_history"),
            # The journal (``cards.journal``): newest first, whole or narrowed to one kind, location, staff login or
            # channel; a period starts from the day's first instant.
            models.Index(fields=["merchant", "-id"], name="cardevent_journal"),
            models.Index(fields=["merchant", "kind", "-id"], name="cardevent_journal_kind"),
            models.Index(fields=["merchant", "location", "-id"], name="cardevent_journal_location"),
            models.Index(fields=["merchant", "actor", "-id"], name="cardevent_journal_actor"),
            models.Index(fields=["merchant", "channel", "-id"], name="cardevent_journal_channel"),
            models.Index(fields=["merchant", "created_at"], name="cardevent_journal_period"),
            # The customer directory's "stamped at this location" filter probes each listed card's stamps by
            # location from the index alone (``cards.directory``).
            models.Index(fields=["card", "location"], condition=Q(kind="stamp"), name="cardevent_card_stamped_at"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("the card ledger is append-only; record a new event instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("the card ledger is append-only")


class ImportState(models.TextChoices):
    DRAFT = "draft", _("Waiting for the column mapping")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportJob(TenantModel):
    """One CSV file of customers with balances from another system, imported in batches by the worker.

    The file lives in ``content`` (the decoded text, capped by ``IMPORT_MAX_BYTES``), not under MEDIA: any worker on
    any machine resumes the job from the database alone, and the file goes with the job's row (it is emptied when the
    job finishes, so customers' personal data does not linger in an upload). ``rows_done`` moves once per committed
    batch, in that batch's transaction: a worker killed mid-batch leaves it at the last batch that really landed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The language of the ledger lines the job writes.")
    )
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    content = models.TextField(blank=True)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True, help_text=_("Our field -> the file's column index."))
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0, help_text=_("Rows imported before (the same file again)."))
    rejected = models.JSONField(default=list, blank=True, help_text=_("[{row, reasons}] of rows not imported."))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text=_("Last batch committed."))
    runs = models.PositiveSmallIntegerField(default=0, help_text=_("Times a worker took the job up."))
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="importjob_stalled")]

    def __str__(self) -> str:
        return f"import {self.file_name} ({self.state})"

    @property
    def percent(self) -> int:
        return 100 if not self.rows_total else min(100, self.rows_done * 100 // self.rows_total)


class ImportedRow(TenantModel):
    """That a customer of another system was imported into one program: the unique (program, key) makes an import
    idempotent. Re-running a file (or two workers on one batch) meets the index and leaves the balance alone."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, help_text=_("SHA-256 of the row's identity (card number, email, phone)."))
    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, related_name="imported_rows")
    row_number = models.PositiveIntegerField()
    card = models.ForeignKey(Card, on_delete=models.CASCADE, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "key"], name="imported_row_unique")]

    def __str__(self) -> str:
        return f"row {self.row_number} of {self.job_id}"
