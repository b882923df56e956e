"""Request and response shapes of the insert-batch endpoints. Fields may be added, never removed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import REF_MAX, StrictInt
from stampcard.vouchers.schemas import ValidityIn


class BenefitIn(RequestSchema):
    kind: Literal["stamp", "voucher", "gift"] = Field(
        default="stamp", description="stamp: N stamps; voucher: a voucher in the card; gift: an award at the counter."
    )
    stamps: StrictInt | None = Field(default=None, ge=1, le=10, description="For kind stamp (default 1).")
    title: str = Field(default="", max_length=100, description="For a voucher or a gift, e.g. Free cappuccino.")
    description: str = Field(default="", max_length=2000)
    validity: ValidityIn | None = Field(
        default=None,
        description='For a voucher, counted from the claim: {"days": 30} | {"months": 2} | '
        '{"until": "2027-01-31"}; none = unlimited.',
    )


class InsertBatchIn(RequestSchema):
    name: str = Field(min_length=1, max_length=100, description='For the merchant, e.g. "Glovo — December".')
    aggregator: Literal["glovo", "bolt_food", "uklon", "rocket", "own_delivery", "other"] = "other"
    aggregator_name: str = Field(default="", max_length=60, description="The service's name for aggregator other.")
    count: StrictInt = Field(ge=1, le=5000, description="Inserts to print.")
    program_id: str | None = Field(
        default=None, max_length=REF_MAX, description="Default: the merchant's default program."
    )
    location_id: str | None = Field(default=None, max_length=REF_MAX, description="Default: the API key's location.")
    benefit: BenefitIn = Field(default_factory=BenefitIn)


class BenefitOut(Schema):
    kind: Literal["stamp", "voucher", "gift"]
    stamps: int | None
    title: str
    description: str
    validity: dict[str, object] | None
    words: str = Field(description="As printed on the insert, in the request's language.")


class AttributionOut(Schema):
    inserts: int
    scans: int = Field(description="Times an insert's page was opened.")
    claims: int
    unclaimed: int
    new_customers: int = Field(description="Joined through an insert of this batch.")
    existing_customers: int
    later_visits: int = Field(description="Stamp events on the claimers' cards after the claim, from any channel.")
    customers_returned: int = Field(description="Claimers with at least one later visit.")
    later_revenue: int = Field(description="Totals of the claimers' checks after the claim, in minor units.")
    currency: str
    last_claim_at: datetime | None


class InsertBatchUrls(Schema):
    pdf: str


class InsertBatchOut(Schema):
    id: str
    name: str
    aggregator: str
    aggregator_name: str
    aggregator_label: str
    count: int
    program_id: str
    location_id: str | None
    benefit: BenefitOut
    created_at: datetime
    urls: InsertBatchUrls
    stats: AttributionOut


class InsertBatchesOut(Schema):
    results: list[InsertBatchOut]
