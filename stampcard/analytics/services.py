"""Writes of the analytics app: the merchant's figures for the return-on-investment estimate."""

from django.db import transaction

from stampcard.analytics.models import RoiSettings
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role


@transaction.atomic
def roi_settings_save(*, actor: Actor, average_check: int, reward_cost: int) -> RoiSettings:
    """Store the average check and the cost of one reward (minor units) of the actor's merchant (manager)."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    settings, _created = RoiSettings.objects.update_or_create(
        merchant=actor.merchant, defaults={"average_check": average_check, "reward_cost": reward_cost}
    )
    return settings
