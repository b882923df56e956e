"""The rewards part's URL parameters for the panel's URL walk: a lottery (with a draw), a voucher, a batch."""

from stampcard.lottery.models import Lottery
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Role
from stampcard.vouchers import issuing
from tests.lottery.helpers import make_lottery, spin, variant
from tests.panel.objects import Shop, object_maker


def manager_actor(shop: Shop) -> Actor:
    return shop.staff[Role.MANAGER].actor(Channel.PANEL)


def shop_lottery(shop: Shop):
    if "lottery_id" not in shop.made:
        lottery = make_lottery(manager_actor(shop), [variant("award", 500_000), variant("nothing", 500_000)])
        shop.made["lottery_id"] = lottery.pk
    return shop.made["lottery_id"]


@object_maker("lottery_id")
def _lottery(shop: Shop):
    return shop_lottery(shop)


@object_maker("draw_id")
def _draw(shop: Shop):
    lottery = Lottery.objects.get(pk=shop_lottery(shop))
    return spin(manager_actor(shop), shop.card, lottery)[0].pk


@object_maker("voucher_id")
def _voucher(shop: Shop):
    voucher = issuing.voucher_issue_to_card(actor=manager_actor(shop), card=shop.card, title="Free cappuccino")
    return voucher.pk


@object_maker("batch_id")
def _batch(shop: Shop):
    return issuing.voucher_batch_issue(actor=manager_actor(shop), name="Flyers", count=2, title="10% off").pk
