"""Each audience segment selects the cards it says, AND/OR combine them, and no other merchant's card ever joins."""

from datetime import date, timedelta

import pytest

from stampcard.campaigns.audiences import rules
from stampcard.campaigns.audiences.query import audience_cards, audience_count
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.vouchers import services as vouchers_services
from stampcard.wallet.apple.models import ApplePass, AppleRegistration
from stampcard.wallet.google.models import GoogleClass, GoogleObject
from tests.campaigns.campaigns.conftest import card_of, stamp, visit_days_ago
from tests.factories import CardFactory, LocationFactory, ProgramFactory

pytestmark = pytest.mark.django_db

LANGS = ["en", "uk"]


def chosen(merchant, *segments, match="all"):
    rule = rules.rule_clean({"match": match, "rules": list(segments)}, languages=LANGS)
    return set(audience_cards(merchant=merchant, rule=rule))


def test_program_segment_selects_the_holders_of_that_program(program):
    other = ProgramFactory(merchant=program.merchant, is_default=False, name="Pastry")
    coffee, pastry = card_of(program), card_of(other)
    assert chosen(program.merchant, {"segment": "program", "program": str(other.pk)}) == {pastry}
    assert coffee not in chosen(program.merchant, {"segment": "program", "program": str(other.pk)})


def test_last_location_is_where_the_latest_stamp_was(program):
    here, there = LocationFactory(merchant=program.merchant), LocationFactory(merchant=program.merchant)
    moved_away, stayed, never = card_of(program), card_of(program), card_of(program)
    visit_days_ago(moved_away, 5, location=here)
    visit_days_ago(moved_away, 1, location=there)
    visit_days_ago(stayed, 3, location=here)
    assert chosen(program.merchant, {"segment": "last_location", "location": str(here.pk)}) == {stayed}
    assert never not in chosen(program.merchant, {"segment": "last_location", "location": str(there.pk)})


def test_stamps_to_goal_selects_cards_close_to_the_reward_but_not_at_it(program):
    cards = {}
    for stamps in (0, 6, 7, 8):
        card = card_of(program)
        for _ in range(stamps):
            stamp(card)
        cards[stamps] = card
    assert chosen(program.merchant, {"segment": "stamps_to_goal", "at_most": 1}) == {cards[7]}
    assert chosen(program.merchant, {"segment": "stamps_to_goal", "at_most": 2}) == {cards[6], cards[7]}


def test_last_visit_within_and_more_than_days(program):
    recent, old, never = card_of(program), card_of(program), card_of(program)
    visit_days_ago(recent, 3)
    visit_days_ago(old, 40)
    from stampcard.cards.models import Card

    Card.objects.filter(pk=never.pk).update(created_at=clock.now() - timedelta(days=90))
    assert chosen(program.merchant, {"segment": "last_visit", "within_days": 7}) == {recent}
    assert chosen(program.merchant, {"segment": "last_visit", "more_than_days": 30}) == {old, never}


def test_visits_counts_stamped_visits_in_the_period(program):
    regular, occasional, long_ago = card_of(program), card_of(program), card_of(program)
    for days in (1, 5, 9):
        visit_days_ago(regular, days)
    visit_days_ago(occasional, 2)
    for days in (40, 41, 42):
        visit_days_ago(long_ago, days)
    assert chosen(program.merchant, {"segment": "visits", "days": 30, "at_least": 3}) == {regular}
    assert chosen(program.merchant, {"segment": "visits", "days": 30, "at_least": 1}) == {regular, occasional}


def test_open_vouchers_selects_cards_with_a_voucher_not_used(program):
    holding, without = card_of(program), card_of(program)
    vouchers_services.voucher_issue(actor=Actor.system(program.merchant), title="Free bun", card=holding)
    assert chosen(program.merchant, {"segment": "open_vouchers"}) == {holding}
    assert without not in chosen(program.merchant, {"segment": "open_vouchers"})


def test_birthday_this_month_reads_the_merchants_calendar(program):
    today = clock.now().astimezone(program.merchant.tz).date()
    this_month = card_of(program, birthday=date(1990, today.month, 1))
    other_month = card_of(program, birthday=date(1990, today.month % 12 + 1, 1))
    card_of(program)  # no birthday
    assert chosen(program.merchant, {"segment": "birthday_this_month"}) == {this_month}
    assert other_month not in chosen(program.merchant, {"segment": "birthday_this_month"})


def test_wallet_platform_apple_google_or_none(program):
    apple, google, web = card_of(program), card_of(program), card_of(program)
    applepass = ApplePass.objects.create(
        merchant=program.merchant, card=apple, pass_type_identifier="pass.test", public_token_digest="x" * 64
    )
    AppleRegistration.objects.create(apple_pass=applepass, device_library_identifier="dev", push_token="t")
    google_class = GoogleClass.objects.create(merchant=program.merchant, program=program, class_id="c1")
    GoogleObject.objects.create(merchant=program.merchant, card=google, google_class=google_class, object_id="o1")
    assert chosen(program.merchant, {"segment": "wallet", "platform": "apple"}) == {apple}
    assert chosen(program.merchant, {"segment": "wallet", "platform": "google"}) == {google}
    assert chosen(program.merchant, {"segment": "wallet", "platform": "none"}) == {web}


def test_language_counts_customers_without_one_as_the_merchants(program):
    program.merchant.locale = "uk"
    program.merchant.save()
    english, ukrainian, unknown = (
        card_of(program, language="en"),
        card_of(program, language="uk"),
        card_of(program, language=""),
    )
    assert chosen(program.merchant, {"segment": "language", "language": "en"}) == {english}
    assert chosen(program.merchant, {"segment": "language", "language": "uk"}) == {ukrainian, unknown}


def test_consent_segment(program):
    agreed = card_of(program, email="a@example.com", marketing_email_consent=True)
    refused = card_of(program, email="b@example.com")
    assert chosen(program.merchant, {"segment": "consent", "marketing_email": True}) == {agreed}
    assert chosen(program.merchant, {"segment": "consent", "marketing_email": False}) == {refused}


def test_all_and_any_combine_segments_and_groups_nest(program):
    today = clock.now().astimezone(program.merchant.tz).date()
    both = card_of(program, email="a@example.com", marketing_email_consent=True, birthday=date(1990, today.month, 2))
    consent_only = card_of(program, email="b@example.com", marketing_email_consent=True)
    birthday_only = card_of(program, birthday=date(1991, today.month, 3))
    neither = card_of(program)
    visit_days_ago(neither, 1)
    consent = {"segment": "consent", "marketing_email": True}
    birthday = {"segment": "birthday_this_month"}
    assert chosen(program.merchant, consent, birthday, match="all") == {both}
    assert chosen(program.merchant, consent, birthday, match="any") == {both, consent_only, birthday_only}
    nested = {"match": "all", "rules": [{"segment": "last_visit", "within_days": 7}]}
    assert chosen(program.merchant, birthday, nested, match="any") == {both, birthday_only, neither}


def test_an_empty_audience_is_every_open_card_and_never_another_merchants(program):
    mine = {card_of(program), card_of(program)}
    CardFactory()  # another merchant's
    assert chosen(program.merchant) == mine
    assert audience_count(merchant=program.merchant, rule=rules.EMPTY) == 2


def test_erased_customers_are_never_in_an_audience(program):
    kept, erased = card_of(program), card_of(program)
    erased.customer.erased_at = clock.now()
    erased.customer.save()
    assert chosen(program.merchant) == {kept}


@pytest.mark.parametrize(
    "rule, field",
    [
        ({"match": "some"}, "audience.match"),
        ({"rules": [{"segment": "bogus"}]}, "audience.rules.0.segment"),
        ({"rules": [{"segment": "visits", "days": 0, "at_least": 1}]}, "audience.rules.0.days"),
        ({"rules": [{"segment": "wallet", "platform": "nokia"}]}, "audience.rules.0.platform"),
        ({"rules": [{"segment": "last_visit"}]}, "audience.rules.0"),
        ({"rules": [{"segment": "consent", "marketing_email": "yes"}]}, "audience.rules.0.marketing_email"),
    ],
)
def test_a_malformed_rule_is_refused_with_where(rule, field):
    with pytest.raises(rules.AudienceInvalid) as refused:
        rules.rule_clean(rule, languages=LANGS)
    assert refused.value.details["fields"][0]["field"] == field


def test_counting_an_audience_is_one_query(program, django_assert_num_queries):
    for _ in range(3):
        visit_days_ago(card_of(program), 2)
    rule = rules.rule_clean(
        {
            "match": "any",
            "rules": [
                {"segment": "visits", "days": 30, "at_least": 2},
                {"segment": "open_vouchers"},
                {"segment": "wallet", "platform": "none"},
            ],
        },
        languages=LANGS,
    )
    with django_assert_num_queries(1):
        assert audience_count(merchant=program.merchant, rule=rule) == 3


def test_stamps_to_goal_reads_the_programs_goal_for_a_card_from_before_versions(program):
    card = card_of(program)
    for _ in range(7):
        stamp(card)
    from stampcard.cards.models import Card

    Card.objects.filter(pk=card.pk).update(program_version=None)
    assert chosen(program.merchant, {"segment": "stamps_to_goal", "at_most": 1}) == {card}
    combined = chosen(
        program.merchant, {"segment": "stamps_to_goal", "at_most": 1}, {"segment": "consent", "marketing_email": False}
    )
    assert combined == {card}
