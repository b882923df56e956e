"""Demo data for delivery inserts: one batch of 24 inserts for Glovo, a stamp each. Idempotent: a second run finds
the batch by its name and reuses it."""

from django.urls import reverse

from stampcard.cards.models import Program
from stampcard.inserts import services
from stampcard.inserts.benefits import benefit_clean
from stampcard.inserts.models import Aggregator, Insert, InsertBatch
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location, Merchant

DEMO_BATCH_NAME = "Glovo — December"
DEMO_COUNT = 24


def seed_demo(
    *, merchant: Merchant, program: Program, location: Location, owner_actor: Actor, base_url: str
) -> dict[str, str]:
    """Make (or find) the demo batch; returns its PDF's URL (API v1, Bearer key) and an unused insert's claim URL."""
    batch = InsertBatch.objects.filter(merchant=merchant, name=DEMO_BATCH_NAME).first()
    if batch is None:
        bound = owner_actor.location  # an actor bound to a location can only act for that one
        batch = services.insert_batch_create(
            actor=owner_actor,
            name=DEMO_BATCH_NAME,
            count=DEMO_COUNT,
            benefit=benefit_clean(merchant=merchant, kind="stamp", stamps=1),
            aggregator=Aggregator.GLOVO,
            program_id=program.pk,
            location_id=str(location.pk) if bound is None or bound.pk == location.pk else None,
        )
    unused = Insert.objects.filter(batch=batch, claim__isnull=True).order_by("serial").first()
    urls = {
        "Delivery inserts PDF (API, with a manager or owner key)": base_url
        + reverse("api-v1:insert_batch_pdf", kwargs={"batch_id": batch.pk}),
        "Delivery inserts (panel, owner login)": base_url
        + reverse("panel:printout-insert-batch", kwargs={"insert_batch_id": batch.pk}),
    }
    if unused is not None:
        urls[f"Delivery insert No. {unused.label}"] = base_url + reverse(
            "inserts:claim", kwargs={"token": unused.token}
        )
    return urls
