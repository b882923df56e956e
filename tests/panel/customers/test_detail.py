"""A customer's page: cards with progress, ready rewards, vouchers, wallets, the ledger; the manager's actions."""

import pytest

from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.rewards.models import RewardState
from stampcard.vouchers import issuing
from tests.factories import CardFactory, CustomerFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def manager(shop):
    return shop.staff[Role.MANAGER].actor(Channel.PANEL)


def page_of(card: Card) -> str:
    return f"/panel/customers/{card.customer_id}/"


def test_the_page_shows_every_card_of_the_customer_with_its_progress(shop, manager_client):
    second = CardFactory(program=ProgramFactory(merchant=shop.merchant, is_default=False), customer=shop.card.customer)
    checkouts_services.card_adjust(actor=manager(shop), card_ref=shop.card.number, delta=2, reason="Forgotten")

    response = manager_client.get(page_of(shop.card))

    assert response.status_code == 200
    html = response.content.decode()
    assert shop.card.number in html and second.number in html
    first = next(item for item in response.context["cards"] if item["card"] == shop.card)
    assert (first["card"].stamps, first["goal"]) == (2, shop.program.goal)


def test_the_timeline_lists_the_ledger_newest_first_with_the_reason(shop, manager_client):
    checkouts_services.card_adjust(actor=manager(shop), card_ref=shop.card.number, delta=1, reason="First")
    checkouts_services.card_adjust(actor=manager(shop), card_ref=shop.card.number, delta=1, reason="Second")

    response = manager_client.get(page_of(shop.card))

    reasons = [event.reason for event in response.context["events"]]
    assert reasons[:2] == ["Second", "First"]
    assert "Second" in response.content.decode()


def test_the_timeline_pages_back_through_older_events(shop, manager_client):
    for n in range(30):
        checkouts_services.card_adjust(actor=manager(shop), card_ref=shop.card.number, delta=1, reason=f"n{n}")
    first = manager_client.get(page_of(shop.card))
    before = first.context["next_before"]
    assert before is not None

    older = manager_client.get(page_of(shop.card), {"before": before})

    first_ids = {event.pk for event in first.context["events"]}
    older_ids = {event.pk for event in older.context["events"]}
    assert first_ids.isdisjoint(older_ids)
    assert len(first_ids | older_ids) == CardEvent.objects.filter(card=shop.card).count()


def test_ready_rewards_and_open_vouchers_show(shop, manager_client):
    result = checkouts_services.card_adjust(
        actor=manager(shop), card_ref=shop.card.number, delta=shop.program.goal, reason="Full"
    )
    voucher = issuing.voucher_issue_to_card(actor=manager(shop), card=shop.card, title="Free croissant")

    response = manager_client.get(page_of(shop.card))

    item = response.context["cards"][0]
    assert [reward.pk for reward in item["rewards"]] == [result.rewards[0].pk]
    assert voucher.pk in [v.pk for v in item["vouchers"]]
    html = response.content.decode()
    assert "Free croissant" in html
    assert f"/panel/rewards/vouchers/new/?card={shop.card.number}" in html


def test_a_manager_adds_stamps_with_a_reason(shop, manager_client):
    response = manager_client.post(
        f"{page_of(shop.card)}cards/{shop.card.pk}/adjust/",
        {f"card-{shop.card.pk}-stamps": "2", f"card-{shop.card.pk}-reason": "Stamp forgotten on Monday"},
    )

    assert response.status_code == 302
    shop.card.refresh_from_db()
    assert shop.card.stamps == 2
    event = CardEvent.objects.get(card=shop.card, kind=EventKind.ADJUSTMENT)
    assert (event.delta, event.reason, event.actor_id) == (
        2,
        "Stamp forgotten on Monday",
        shop.staff[Role.MANAGER].membership.user_id,
    )


def test_taking_away_more_stamps_than_the_card_holds_is_refused_on_the_form(shop, manager_client):
    response = manager_client.post(
        f"{page_of(shop.card)}cards/{shop.card.pk}/adjust/",
        {f"card-{shop.card.pk}-stamps": "-3", f"card-{shop.card.pk}-reason": "Mistake"},
    )

    assert response.status_code == 400
    assert "does not hold that many stamps" in response.content.decode()
    shop.card.refresh_from_db()
    assert shop.card.stamps == 0


def test_an_adjustment_without_a_reason_says_what_to_fix(shop, manager_client):
    response = manager_client.post(
        f"{page_of(shop.card)}cards/{shop.card.pk}/adjust/",
        {f"card-{shop.card.pk}-stamps": "1", f"card-{shop.card.pk}-reason": ""},
    )

    assert response.status_code == 400
    assert response.context["cards"][0]["adjust_form"].errors["reason"]
    assert not CardEvent.objects.filter(card=shop.card, kind=EventKind.ADJUSTMENT).exists()


def test_a_manager_hands_over_a_ready_reward(shop, manager_client):
    result = checkouts_services.card_adjust(
        actor=manager(shop), card_ref=shop.card.number, delta=shop.program.goal, reason="Full"
    )
    reward = result.rewards[0]

    response = manager_client.post(f"{page_of(shop.card)}cards/{shop.card.pk}/rewards/{reward.pk}/hand-over/")

    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.state == RewardState.HANDED_OVER


def test_a_card_of_another_customer_is_not_found_under_this_one(shop, manager_client):
    stranger = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant))

    response = manager_client.post(
        f"{page_of(shop.card)}cards/{stranger.pk}/adjust/",
        {f"card-{stranger.pk}-stamps": "1", f"card-{stranger.pk}-reason": "Sneaky"},
    )

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.stamps == 0


@pytest.mark.parametrize("customer_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_customer_is_404(shop, manager_client, customer_id):
    assert manager_client.get(f"/panel/customers/{customer_id}/").status_code == 404


def test_the_page_costs_the_same_queries_for_a_new_customer_or_a_regular_with_three_cards(
    shop, manager_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as newcomer:
        manager_client.get(page_of(shop.card))
    for _ in range(2):
        CardFactory(program=ProgramFactory(merchant=shop.merchant, is_default=False), customer=shop.card.customer)
    for n in range(3 * shop.program.goal):
        checkouts_services.card_adjust(actor=manager(shop), card_ref=shop.card.number, delta=1, reason=f"visit {n}")

    with django_assert_max_num_queries(len(newcomer.captured_queries)):
        response = manager_client.get(page_of(shop.card))

    assert len(response.context["cards"]) == 3
    assert len(response.context["events"]) == 25
