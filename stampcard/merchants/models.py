"""Tenancy and access: merchants, their locations, staff logins, roles, API keys, plans and metered usage."""

import uuid
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel, TimestampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class BusinessType(models.TextChoices):
    CAFE = "cafe", _("Cafe")
    BAKERY = "bakery", _("Bakery")
    SALON = "salon", _("Salon or barbershop")
    RESTAURANT = "restaurant", _("Restaurant")
    OTHER = "other", _("Other")


class Merchant(TimestampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    business_type = models.CharField(max_length=16, choices=BusinessType.choices, default=BusinessType.OTHER)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. UA."))
    currency = models.CharField(max_length=3, default="UAH", help_text=_("ISO 4217 code, e.g. UAH or EUR."))
    timezone = models.CharField(max_length=64, default="Europe/Kyiv", validators=[validate_timezone])
    locale = models.CharField(max_length=10, default="uk")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


RELEVANT_TEXT_MAX = 90  # the lock screen shows about two short lines; longer text is cut off


class Location(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # What a wallet pass says on the lock screen near this place (empty: a default in the customer's language), and
    # whether the place is on passes at all (a kitchen or an office may be a POS spot that customers never visit).
    relevant_text = models.CharField(max_length=RELEVANT_TEXT_MAX, blank=True)
    show_on_passes = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class StaffUserManager(BaseUserManager["StaffUser"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "StaffUser":
        if not email:
            raise ValueError("A staff login needs an email")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "StaffUser":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "StaffUser":
        # Emails are stored lower-cased (create_user), so a login typed with capitals must look for that form.
        return self.get(email=self.normalize_email(username or "").lower())


class StaffUser(AbstractBaseUser, PermissionsMixin):
    """A person who logs into stampcard (merchant panel, scanner app). Customers are not users."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("Can log into the operator's Django admin."))
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The panel's language for this login; empty follows the browser.")
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = StaffUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CASHIER = "cashier", _("Cashier")


ROLE_RANK = {Role.CASHIER: 1, Role.MANAGER: 2, Role.OWNER: 3}


class Membership(TenantModel):
    """A staff login's role at a merchant. A plan's seats count active memberships."""

    user = models.ForeignKey(StaffUser, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    locations = models.ManyToManyField(
        Location, blank=True, related_name="+", help_text=_("Empty means every location of the merchant.")
    )
    is_active = models.BooleanField(default=True)
    alert_emails = models.BooleanField(
        default=False,
        help_text=_("Email this staff member about suspicious activity (managers and owners; their own choice)."),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="membership_one_per_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.merchant_id}"

    def has_role(self, minimum: Role) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[minimum]


class ApiKey(TenantModel):
    """A secret for POS and scanner calls. Only a hash of the secret is stored; the full key is shown once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_keys")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text=_("Visible part of the key, for recognising it."))
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(StaffUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class BillingInterval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class Plan(models.TextChoices):
    FREE = "free", _("Free")
    PAID = "paid", _("Paid, per location")


class Subscription(TimestampedModel):
    """What a merchant pays for. Free: a monthly cap on card operations and one staff seat.
    Paid: priced per location, billed monthly or yearly, no operation cap."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="subscription")
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.FREE)
    interval = models.CharField(max_length=8, choices=BillingInterval.choices, blank=True)
    locations_paid = models.PositiveIntegerField(default=0)
    current_period_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(plan="free", interval="", locations_paid=0)
                | Q(plan="paid", interval__in=["month", "year"], locations_paid__gte=1),
                name="subscription_plan_shape",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.interval or 'no billing'}, {self.locations_paid} locations)"

    def clean(self) -> None:
        """Bring a form's input into the plan's shape before the constraint sees it: a free plan has no billing
        (whatever the form still holds from the paid one), a paid plan names its interval and locations on the
        fields themselves rather than as the bare constraint's name. ``subscription_change`` does the same for
        code."""
        if self.plan == Plan.FREE:
            self.interval, self.locations_paid = "", 0
            return
        problems = {}
        if self.interval not in (BillingInterval.MONTH, BillingInterval.YEAR):
            problems["interval"] = _("A paid plan is billed monthly or yearly.")
        if not self.locations_paid or self.locations_paid < 1:
            problems["locations_paid"] = _("A paid plan covers at least one location.")
        if problems:
            raise ValidationError(problems)


class UsageCounter(models.Model):
    """Card operations of one merchant in one calendar month of the merchant's own time zone.

    A month's count is the sum of its slots. A capped plan counts in slot 0 only, so one conditional UPDATE can hold
    the cap; an uncapped plan spreads its writes over several slots so that concurrent checkouts of a busy merchant
    do not all queue on one row lock until their commits.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="usage_counters")
    period = models.DateField(help_text=_("First day of the month, in the merchant's time zone."))
    slot = models.PositiveSmallIntegerField(default=0)
    operations = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "period", "slot"], name="usage_one_row_per_month_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.period:%Y-%m}#{self.slot}: {self.operations}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """A location's hours on one weekday: open from ``opens`` to ``closes``, or closed all day. A day that closes
    after midnight says so (``overnight``), so a typo such as 18:00-08:00 is not taken for a night shift."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    closed = models.BooleanField(default=False)
    opens = models.TimeField(null=True, blank=True)
    closes = models.TimeField(null=True, blank=True)
    overnight = models.BooleanField(default=False, help_text=_("Closes after midnight, on the next day."))

    class Meta:
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["location", "weekday"], name="opening_hours_one_per_weekday"),
            models.CheckConstraint(
                condition=Q(closed=True, opens__isnull=True, closes__isnull=True, overnight=False)
                | Q(closed=False, opens__isnull=False, closes__isnull=False),
                name="opening_hours_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.weekday}: {'closed' if self.closed else f'{self.opens}-{self.closes}'}"


class Invitation(TenantModel):
    """An invitation to join a merchant's staff, sent by email. Only a hash of its token is stored; it expires,
    and one email has at most one pending invitation per merchant. Pending invitations hold a plan seat."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    locations = models.ManyToManyField(Location, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(StaffUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(StaffUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "email"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}) to {self.merchant_id}"


class PlanChange(TenantModel):
    """A change of plan: what it was, what it becomes, from when and who asked. ``applied_at`` is set when the
    subscription took it (at once for an upgrade, at the end of the paid period for a downgrade)."""

    class Source(models.TextChoices):
        PANEL = "panel", _("Merchant panel")
        OPERATOR = "operator", _("Operator")
        PAYMENT = "payment", _("Payment")

    from_plan = models.CharField(max_length=16, choices=Plan.choices)
    from_interval = models.CharField(max_length=8, choices=BillingInterval.choices, blank=True)
    from_locations = models.PositiveIntegerField(default=0)
    to_plan = models.CharField(max_length=16, choices=Plan.choices)
    to_interval = models.CharField(max_length=8, choices=BillingInterval.choices, blank=True)
    to_locations = models.PositiveIntegerField(default=0)
    effective_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PANEL)
    requested_by = models.ForeignKey(StaffUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "effective_at"], name="planchange_merchant_effective")]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.from_plan} -> {self.to_plan} at {self.effective_at:%Y-%m-%d}"
