"""The demo merchant that ``make run`` creates: a cafe with two locations, a program, staff, a key and customers.

Seeding is idempotent: a second run finds the merchant and reuses the credentials saved in ``var/demo.json``
(the API key secret is stored only there, since the database keeps just its hash).
"""

import json
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from stampcard.cards import links as cards_links
from stampcard.cards import services as cards_services
from stampcard.cards.models import Card, EarningRule, Program
from stampcard.core.errors import ApplicationError
from stampcard.demo import history
from stampcard.demo import poster as poster_demo
from stampcard.inserts import demo as inserts_demo
from stampcard.lottery import services as lottery_services
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import ApiKey, BillingInterval, Location, Membership, Merchant, Plan, Role, StaffUser
from stampcard.receipts import demo as receipts_demo
from stampcard.scanner import demo as scanner_demo

DEMO_MERCHANT_NAME = "Demo Coffee"
OWNER_EMAIL = "owner@demo.stampcard.local"
CASHIER_EMAIL = "cashier@demo.stampcard.local"
# The operator of this server (the Django admin). Merchant staff never get the admin, the demo owner included.
OPERATOR_EMAIL = "operator@demo.stampcard.local"
DEMO_CUSTOMERS = [
    ("Olena Kovalenko", "olena@example.com", "+380501234567"),
    ("Taras Shevchuk", "taras@example.com", ""),
    ("Ірина Бондаренко", "", "+380671112233"),
    ("José Álvarez", "jose@example.com", ""),
]


def demo_file() -> Path:
    return Path(settings.VAR_DIR) / "demo.json"


def seed_demo(*, base_url: str) -> dict[str, Any]:
    saved = _read_saved()
    merchant = Merchant.objects.filter(name=DEMO_MERCHANT_NAME).first()
    if merchant is None:
        saved = _create(base_url=base_url)
    elif not _saved_matches(saved, merchant):
        saved = _refresh_credentials(merchant=merchant)
    saved["base_url"] = base_url
    saved.update(_urls(base_url))
    merchant = merchant or Merchant.objects.get(name=DEMO_MERCHANT_NAME)
    saved.update(_customer_urls(merchant=merchant, base_url=base_url))
    saved["features"] = _feature_demos(merchant=merchant, base_url=base_url)
    demo_file().write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")
    demo_file().chmod(0o600)
    return saved


def _read_saved() -> dict[str, Any]:
    try:
        return dict(json.loads(demo_file().read_text()))
    except (OSError, ValueError):
        return {}


def _saved_matches(saved: dict[str, Any], merchant: Merchant) -> bool:
    try:
        actor = merchants_services.api_key_authenticate(raw_key=saved.get("api_key", ""))
    except ApplicationError:
        return False
    owner = StaffUser.objects.filter(email=saved.get("owner_email", "")).first()
    cashier = StaffUser.objects.filter(email=saved.get("cashier_email", "")).first()
    return (
        cashier is not None
        and cashier.check_password(saved.get("cashier_password", ""))
        and saved.get("merchant_id") == str(merchant.pk)
        and actor.merchant.pk == merchant.pk
        and owner is not None
        and owner.check_password(saved.get("owner_password", ""))
        and not owner.is_superuser
        and StaffUser.objects.filter(email=OPERATOR_EMAIL, is_superuser=True).exists()
        and "operator_password" in saved
    )


@transaction.atomic
def _create(*, base_url: str) -> dict[str, Any]:
    password = secrets.token_urlsafe(12)
    owner = StaffUser.objects.filter(email=OWNER_EMAIL).first() or merchants_services.staff_user_create(
        email=OWNER_EMAIL, password=password, full_name="Demo Owner"
    )
    owner.set_password(password)
    owner.save(update_fields=["password"])
    merchant = merchants_services.merchant_create(
        name=DEMO_MERCHANT_NAME, owner=owner, currency="UAH", timezone="Europe/Kyiv", locale="uk"
    )
    merchants_services.subscription_change(
        merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=2
    )
    center = merchants_services.location_create(
        merchant=merchant, name="Demo Coffee — Podil", address="Sahaidachnoho St 1, Kyiv"
    )
    # Named after the Poster stand-in's spots ("Podil", "Khreshchatyk"): the Poster seed maps each spot to its namesake.
    second = merchants_services.location_create(
        merchant=merchant, name="Demo Coffee — Khreshchatyk", address="Khreshchatyk St 22, Kyiv"
    )
    # Placed, so the demo's wallet passes come up near them (one with its own lock screen text, one with the default).
    Location.objects.filter(pk=center.pk).update(
        latitude=Decimal("50.460200"),
        longitude=Decimal("30.522600"),
        relevant_text="Your coffee is around the corner: show your card",
    )
    Location.objects.filter(pk=second.pk).update(latitude=Decimal("50.447600"), longitude=Decimal("30.522200"))
    program = Program.objects.create(
        merchant=merchant,
        name="Coffee card",
        is_default=True,
        goal=8,
        earning_rule=EarningRule.PER_RECEIPT,
        reward_title="Free coffee of your choice",
        reward_description="Any coffee drink, any size.",
    )
    cashier = StaffUser.objects.filter(email=CASHIER_EMAIL).first() or merchants_services.staff_user_create(
        email=CASHIER_EMAIL, password=secrets.token_urlsafe(12), full_name="Demo Cashier"
    )
    merchants_services.membership_create(merchant=merchant, user=cashier, role=Role.CASHIER)
    actor = Actor(merchant=merchant, channel=Channel.SYSTEM, user=owner, location=center)
    cards = [
        cards_services.card_enrol(actor=actor, name=name, email=email, phone=phone)
        for name, email, phone in DEMO_CUSTOMERS
    ]
    breakfast = _breakfast_club(merchant=merchant, actor=actor)
    cards_services.card_create(customer=cards[0].customer, program=breakfast, actor=actor)
    history.history_seed(merchant=merchant)  # eight weeks of visits, so the dashboard and analytics show figures
    saved = _refresh_credentials(merchant=merchant, owner_password=password)
    saved["program_id"] = str(program.pk)
    return saved


def _breakfast_club(*, merchant: Merchant, actor: Actor) -> Program:
    """A second program that shows every reward kind: a voucher at 3, a lottery at 6, an award at 9."""
    wheel = lottery_services.lottery_create(
        actor=actor,
        name="Wheel of fortune",
        variants=[
            {"kind": "award", "name": "Free croissant", "greeting": "A croissant on us!", "probability": "10"},
            {"kind": "voucher", "name": "20% off", "greeting": "20% off your next order.", "probability": "20",
             "voucher": {"title": "20% off", "validity": {"days": 14}, "benefit": {"kind": "percent", "value": 20}}},
            {"kind": "extra_try", "name": "Spin again", "greeting": "One more spin!", "probability": "10"},
            {"kind": "nothing", "name": "Not this time", "greeting": "Better luck next visit.", "probability": "60"},
        ],
    )  # fmt: skip
    return Program.objects.create(
        merchant=merchant,
        name="Breakfast club",
        goal=9,
        earning_rule=EarningRule.PER_RECEIPT,
        reward_title="Breakfast for two",
        milestones=[
            {
                "at": 3,
                "kind": "voucher",
                "title": "10% off",
                "description": "",
                "voucher": {"validity": {"days": 30}, "benefit": {"kind": "percent", "value": 10}},
            },
            {"at": 6, "kind": "lottery", "title": "Spin the wheel", "description": "", "lottery_id": str(wheel.pk)},
            {"at": 9, "kind": "award", "title": "Breakfast for two", "description": "Two breakfasts of the day."},
        ],
    )


@transaction.atomic
def _refresh_credentials(*, merchant: Merchant, owner_password: str | None = None) -> dict[str, Any]:
    """Issue a fresh API key (and owner password) when the saved ones are lost or no longer valid."""
    owner_membership = Membership.objects.select_related("user").get(merchant=merchant, role=Role.OWNER)
    owner = owner_membership.user
    if owner_password is None:
        owner_password = secrets.token_urlsafe(12)
        owner.set_password(owner_password)
    # A demo seeded before the panel existed made its owner the operator; the owner works in the panel now.
    owner.is_staff = owner.is_superuser = False
    owner.save(update_fields=["password", "is_staff", "is_superuser"])
    operator_password = secrets.token_urlsafe(12)
    operator = StaffUser.objects.filter(email=OPERATOR_EMAIL).first() or StaffUser.objects.create_superuser(
        OPERATOR_EMAIL, operator_password, full_name="Demo Operator"
    )
    operator.set_password(operator_password)
    operator.save(update_fields=["password"])
    for stale in ApiKey.objects.filter(merchant=merchant, name="Demo POS", revoked_at__isnull=True):
        merchants_services.api_key_revoke(api_key=stale)
    location = Location.objects.filter(merchant=merchant).order_by("created_at").first()
    cashier_membership = Membership.objects.filter(merchant=merchant, role=Role.CASHIER).select_related("user").first()
    cashier_membership = cashier_membership or owner_membership
    # The cashier signs in to the scanner app; only the demo knows this password (saved to var/demo.json).
    cashier_password = owner_password if cashier_membership == owner_membership else secrets.token_urlsafe(12)
    cashier_membership.user.set_password(cashier_password)
    cashier_membership.user.save(update_fields=["password"])
    _key, raw = merchants_services.api_key_create(
        membership=cashier_membership, name="Demo POS", location=location, created_by=owner
    )
    program = Program.objects.filter(merchant=merchant, is_default=True).first()
    card = Card.objects.filter(merchant=merchant).order_by("created_at").first()
    return {
        "merchant_id": str(merchant.pk),
        "program_id": str(program.pk) if program else None,
        "location_id": str(location.pk) if location else None,
        "owner_email": owner.email,
        "owner_password": owner_password,
        "operator_email": OPERATOR_EMAIL,
        "operator_password": operator_password,
        "api_key": raw,
        "api_key_role": cashier_membership.role,
        "cashier_email": cashier_membership.user.email,
        "cashier_password": cashier_password,
        "sample_card_number": card.number if card else None,
    }


def _feature_demos(*, merchant: Merchant, base_url: str) -> dict[str, str]:
    """What each feature app seeds for the demo (idempotently), as label -> URL or hint lines to print."""
    program = Program.objects.get(merchant=merchant, is_default=True)
    location = Location.objects.filter(merchant=merchant).order_by("created_at").first()
    if location is None:
        raise RuntimeError("the demo merchant has no location")
    owner = Membership.objects.select_related("user").get(merchant=merchant, role=Role.OWNER)
    actor = Actor(merchant=merchant, channel=Channel.PANEL, user=owner.user, membership=owner)
    features: dict[str, str] = {}
    for seed in (scanner_demo.seed_demo, receipts_demo.seed_demo, inserts_demo.seed_demo, poster_demo.seed_demo):
        features.update(
            seed(merchant=merchant, program=program, location=location, owner_actor=actor, base_url=base_url)
        )
    return features


def _customer_urls(*, merchant: Merchant, base_url: str) -> dict[str, str]:
    """The pages a customer sees: the default program's join page and the sample card's web card."""
    program = Program.objects.filter(merchant=merchant, is_default=True).first()
    card = Card.objects.filter(merchant=merchant).order_by("created_at").first()
    return {
        "join_url": base_url + cards_links.join_path(program) if program else "",
        "sample_card_url": base_url + cards_links.web_card_path(card) if card else "",
    }


def _urls(base_url: str) -> dict[str, str]:
    return {
        "api_docs_url": f"{base_url}/api/v1/docs",
        "openapi_url": f"{base_url}/api/v1/openapi.json",
        "panel_url": f"{base_url}/panel/",
        "admin_url": f"{base_url}/admin/",
    }
