"""The campaigns part's URL parameter for the panel's URL walk: a draft campaign."""

from stampcard.campaigns.campaigns import services
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from tests.campaigns.messages.conftest import PARTS
from tests.panel.objects import Shop, object_maker


@object_maker("campaign_id")
def _campaign(shop: Shop):
    data = services.CampaignInput(name="Walk", audience={}, channels=["email"], parts=PARTS)
    return services.campaign_create(actor=shop.staff[Role.MANAGER].actor(Channel.PANEL), data=data).pk
