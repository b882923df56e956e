"""A customer's data rights: the export holds every personal field, the erasure leaves none of them in any of the
customer's rows, keeps the ledger's sums, is recorded, idempotent, and for owners and managers of that merchant only."""

import datetime
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stampcard.cards.links import card_token
from stampcard.cards.models import Card, CardEvent, CardLink
from stampcard.checkouts import services as checkouts_services
from stampcard.core.errors import NotFound
from stampcard.core.testing import run_concurrently
from stampcard.customers import privacy
from stampcard.customers.models import Customer, CustomerErasure
from stampcard.customers.privacy import customer_data_export, customer_erase
from stampcard.merchants.errors import RoleForbidden
from stampcard.merchants.models import Role
from stampcard.vouchers.issuing import voucher_issue_to_card
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import make_staff
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory
from tests.lottery.helpers import make_lottery, spin, variant

PROFILES = [
    {"name": "Olena Kovalenko", "email": "olena@example.com", "phone": "+380501234567", "birthday": "1991-05-04"},
    {"name": "Ярослава Ґонта-Їжак", "email": "yarka.g@mail.example", "phone": "+48601222333", "birthday": "2000-02-29"},
    {"name": "Jean (J.) O'Neil+", "email": "j.o+loyal@example.org", "phone": "+14155550100", "birthday": None},
    {"name": "Bo Li", "email": "", "phone": "+380671112233", "birthday": "1980-12-31"},
]


def a_customer_with_history(manager, profile) -> Customer:
    """A customer whose name, email and phone are also quoted in free text: an adjustment's reason, a voucher's text."""
    birthday = datetime.date.fromisoformat(profile["birthday"]) if profile["birthday"] else None
    customer = CustomerFactory(
        merchant=manager.merchant,
        name=profile["name"],
        email=profile["email"],
        phone=profile["phone"],
        birthday=birthday,
        marketing_email_consent=bool(profile["email"]),
    )
    program = ProgramFactory(merchant=manager.merchant)
    card = CardFactory(program=program, customer=customer)
    card_token(card)
    actor = manager.actor()
    for _ in range(9):  # past the goal: a reward is reached
        checkouts_services.checkout_commit(actor=actor, card_ref=card.number, check=a_check())
    checkouts_services.card_adjust(
        actor=actor, card_ref=card.number, delta=2, reason=f"Sorry {profile['name']}, called {profile['phone']}"
    )
    voucher_issue_to_card(
        actor=actor, card=card, title="Birthday cake", description=f"For {profile['name']} <{profile['email']}>"
    )
    spin(actor, card, make_lottery(actor, [variant("nothing", 1_000_000)]))
    return customer


def dump(data) -> str:
    return json.dumps(data, ensure_ascii=False).lower()


def rows_text(customer: Customer) -> str:
    """Every stored value of every row of the customer (the export's walk, without leaving secrets out)."""
    texts = []
    for _label, rows in privacy._related_rows(customer):
        for row in rows:
            texts.extend(str(field.value_from_object(row)) for field in row._meta.concrete_fields)
    texts.extend(str(field.value_from_object(customer)) for field in customer._meta.concrete_fields)
    return "\n".join(texts).lower()


@pytest.mark.parametrize("profile", PROFILES, ids=[p["name"] for p in PROFILES])
def test_the_export_holds_every_personal_field_and_the_erasure_leaves_none(manager, profile):
    customer = a_customer_with_history(manager, profile)
    needles = privacy.personal_values_of(customer)
    assert needles  # every profile has something to find

    exported = customer_data_export(actor=manager.actor(), customer=customer)

    text = dump(exported)
    assert all(value.lower() in text for value in needles), needles
    assert exported["profile"]["name"] == profile["name"]
    assert exported["consents"]["marketing_email"] == bool(profile["email"])
    for label in ["cards.card", "cards.cardevent", "cards.check", "rewards.reward", "vouchers.voucher"]:
        assert exported["records"][label], label
    assert exported["records"]["lottery.lotterydraw"]
    assert "token_digest" not in text and "qr_payload" not in text  # bearer credentials stay out of a download

    customer_erase(actor=manager.actor(), customer=customer)

    left = rows_text(customer) + dump(customer_data_export(actor=manager.actor(), customer=customer))
    assert [value for value in needles if value.lower() in left] == []
    customer.refresh_from_db()
    assert customer.email == "" and customer.phone == "" and customer.birthday is None
    assert not customer.marketing_email_consent and customer.erased_at is not None


def test_erasure_keeps_the_ledger_and_its_sums(manager):
    customer = a_customer_with_history(manager, PROFILES[0])
    card = customer.cards.get()
    before = (ledger_sum(card), CardEvent.objects.filter(card=card).count(), card.stamps, card.lifetime_stamps)

    customer_erase(actor=manager.actor(), customer=customer)

    card.refresh_from_db()
    assert (ledger_sum(card), CardEvent.objects.filter(card=card).count(), card.stamps, card.lifetime_stamps) == before
    adjustment = CardEvent.objects.get(card=card, kind="adjustment")
    assert adjustment.reason == "Sorry [erased], called [erased]"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_erasures_at_once_make_one_record():
    merchant = MerchantFactory()
    manager = make_staff(merchant, Role.MANAGER)
    customer = CardFactory(program=ProgramFactory(merchant=merchant)).customer

    outcomes = run_concurrently(
        lambda i: customer_erase(actor=manager.actor(), customer=Customer.objects.get(pk=customer.pk)), n=4
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert len({o.value.pk for o in outcomes}) == 1 and CustomerErasure.objects.count() == 1


def test_erasure_replaces_the_cards_bearer_links(manager):
    customer = a_customer_with_history(manager, PROFILES[0])
    card = customer.cards.get()
    qr_before = card.qr_payload

    customer_erase(actor=manager.actor(), customer=customer)

    card.refresh_from_db()
    assert not CardLink.objects.filter(card=card).exists()
    assert card.qr_payload != qr_before


def test_the_erasure_is_recorded_without_the_data_and_erasing_twice_is_the_same_erasure(owner, manager):
    customer = a_customer_with_history(manager, PROFILES[0])

    first = customer_erase(actor=owner.actor(), customer=customer)
    second = customer_erase(actor=manager.actor(), customer=customer)

    assert first.pk == second.pk and CustomerErasure.objects.count() == 1
    assert first.erased_by == owner.membership.user and first.channel == "api"
    assert "olena" not in str(first.__dict__).lower()


def test_a_cashier_may_neither_export_nor_erase(cashier, manager):
    customer = a_customer_with_history(manager, PROFILES[0])

    with pytest.raises(RoleForbidden):
        customer_data_export(actor=cashier.actor(), customer=customer)
    with pytest.raises(RoleForbidden):
        customer_erase(actor=cashier.actor(), customer=customer)
    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_another_merchants_customer_is_not_found(manager):
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory())).customer

    with pytest.raises(NotFound):
        customer_data_export(actor=manager.actor(), customer=stranger)
    with pytest.raises(NotFound):
        customer_erase(actor=manager.actor(), customer=stranger)
    assert Customer.objects.get(pk=stranger.pk).erased_at is None


@given(
    text=st.text(alphabet="abcXYZ @.+-019", max_size=40),
    needle=st.text(alphabet="abcXYZ@.+019", min_size=3, max_size=8).filter(lambda n: not n.isalnum()),
)
def test_scrubbed_text_never_holds_a_value_in_any_case(text, needle):
    scrubbed = privacy._scrub_text(text[:20] + needle.upper() + text[20:], [needle])
    assert needle.lower() not in scrubbed.lower()


@given(before=st.sampled_from(["", " ", "(", "-"]), after=st.sampled_from(["", " ", ",", "."]))
def test_a_name_word_is_scrubbed_where_it_stands_alone_and_kept_inside_other_words(before, after):
    assert privacy._scrub_text(f"{before}ANN{after} Annual", ["Ann"]) == f"{before}[erased]{after} Annual"


def test_a_short_name_inside_a_voucher_code_leaves_the_code_alone(manager):
    customer = CustomerFactory(merchant=manager.merchant, name="Kam", email="kam@example.com")
    card = CardFactory(program=ProgramFactory(merchant=manager.merchant), customer=customer)
    voucher = voucher_issue_to_card(actor=manager.actor(), card=card, title="Cake for Kam")
    type(voucher).objects.filter(pk=voucher.pk).update(code="XKAM7Q2P9H")

    customer_erase(actor=manager.actor(), customer=customer)

    voucher.refresh_from_db()
    assert voucher.code == "XKAM7Q2P9H" and voucher.title == "Cake for [erased]"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stamp_during_the_erasure_is_kept_and_brings_no_personal_data_back():
    merchant = MerchantFactory()
    manager = make_staff(merchant, Role.MANAGER)
    customer = CustomerFactory(merchant=merchant, name="Olena Kovalenko", email="olena@example.com")
    card = CardFactory(program=ProgramFactory(merchant=merchant), customer=customer)
    number = card.number

    def act(i):
        if i == 0:
            return customer_erase(actor=manager.actor(), customer=Customer.objects.get(pk=customer.pk))
        return checkouts_services.checkout_commit(actor=manager.actor(), card_ref=number, check=a_check())

    outcomes = run_concurrently(act, n=4)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    card = Card.objects.get(pk=card.pk)
    assert card.stamps == 3 == ledger_sum(card)
    assert "olena" not in rows_text(Customer.objects.get(pk=customer.pk))
