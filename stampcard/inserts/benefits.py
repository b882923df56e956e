"""What scanning an insert gives: stamps, a voucher, or a welcome gift. Validated once, when the batch is made, so a
customer's claim never fails on terms the merchant typed."""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stampcard.core import clock
from stampcard.core.errors import ValidationFailed
from stampcard.core.validity import Validity
from stampcard.inserts.errors import InsertBatchInvalid
from stampcard.inserts.models import MAX_STAMPS, BenefitKind, InsertBatch
from stampcard.merchants.models import Merchant

MAX_TITLE = 100
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Benefit:
    kind: BenefitKind
    stamps: int = 1
    title: str = ""
    description: str = ""
    validity: Validity | None = None

    def as_fields(self) -> dict[str, Any]:
        """The ``InsertBatch`` fields that store it."""
        return {
            "benefit_kind": self.kind,
            "stamps": self.stamps,
            "benefit_title": self.title,
            "benefit_description": self.description,
            "voucher_validity": self.validity.as_spec() if self.validity else None,
        }


def benefit_clean(
    *,
    merchant: Merchant,
    kind: str,
    stamps: int | None = None,
    title: str = "",
    description: str = "",
    validity: dict[str, Any] | None = None,
) -> Benefit:
    """Check and normalise a benefit. Raises InsertBatchInvalid naming the field (``benefit.<name>``)."""
    if kind not in BenefitKind.values:
        raise InsertBatchInvalid(_("A scan gives a stamp, a voucher or a gift."), field="benefit.kind")
    title = " ".join((title or "").split())
    description = (description or "").strip()
    if kind == BenefitKind.STAMP:
        stamps = 1 if stamps is None else stamps
        if isinstance(stamps, bool) or not isinstance(stamps, int) or not 1 <= stamps <= MAX_STAMPS:
            raise InsertBatchInvalid(
                _("An insert gives 1 to %(max)d stamps.") % {"max": MAX_STAMPS}, field="benefit.stamps"
            )
        return Benefit(kind=BenefitKind.STAMP, stamps=stamps)
    if not 1 <= len(title) <= MAX_TITLE:
        raise InsertBatchInvalid(
            _("Give the voucher or gift a title of 1 to %(max)d characters.") % {"max": MAX_TITLE},
            field="benefit.title",
        )
    if len(description) > MAX_DESCRIPTION:
        raise InsertBatchInvalid(
            _("The description is at most %(max)d characters.") % {"max": MAX_DESCRIPTION},
            field="benefit.description",
        )
    if kind == BenefitKind.GIFT:
        if validity:
            raise InsertBatchInvalid(_("Only a voucher has a validity."), field="benefit.validity")
        return Benefit(kind=BenefitKind.GIFT, title=title, description=description)
    try:
        parsed = Validity.from_spec(validity)
    except ValidationFailed as error:
        raise InsertBatchInvalid(error.message, field="benefit.validity") from None
    if parsed is not None and parsed.until is not None and parsed.until < clock.now().astimezone(merchant.tz).date():
        raise InsertBatchInvalid(_("This validity ends before the inserts are printed."), field="benefit.validity")
    return Benefit(kind=BenefitKind.VOUCHER, title=title, description=description, validity=parsed)


def benefit_of(batch: InsertBatch) -> Benefit:
    return Benefit(
        kind=BenefitKind(batch.benefit_kind),
        stamps=batch.stamps,
        title=batch.benefit_title,
        description=batch.benefit_description,
        validity=Validity.from_spec(batch.voucher_validity),
    )


def benefit_words(batch: InsertBatch) -> str:
    """The benefit as a customer reads it: "A free stamp", "2 free stamps", or the voucher's or gift's title."""
    if batch.benefit_kind != BenefitKind.STAMP:
        return batch.benefit_title
    if batch.stamps == 1:  # its own message: "one" reads better without the number in most languages
        return _("A free stamp")
    return ngettext("%(count)d free stamp", "%(count)d free stamps", batch.stamps) % {"count": batch.stamps}


def benefit_call(batch: InsertBatch) -> str:
    """The headline printed on an insert: "Scan for a free stamp", or the voucher's or gift's title."""
    if batch.benefit_kind != BenefitKind.STAMP:
        return batch.benefit_title
    if batch.stamps == 1:
        return _("Scan for a free stamp")
    return ngettext("Scan for %(count)d free stamp", "Scan for %(count)d free stamps", batch.stamps) % {
        "count": batch.stamps
    }


def validity_words(batch: InsertBatch) -> str:
    """How long a voucher batch's voucher is valid, as the customer and the manager read it ("" for no end, or for
    stamps and gifts)."""
    if batch.benefit_kind != BenefitKind.VOUCHER:
        return ""
    validity = Validity.from_spec(batch.voucher_validity)
    if validity is None:
        return ""
    if validity.days is not None:
        return ngettext(
            "Valid for %(count)d day after you collect it.",
            "Valid for %(count)d days after you collect it.",
            validity.days,
        ) % {"count": validity.days}
    if validity.months is not None:
        return ngettext(
            "Valid for %(count)d month after you collect it.",
            "Valid for %(count)d months after you collect it.",
            validity.months,
        ) % {"count": validity.months}
    assert validity.until is not None
    return _("Valid until %(date)s.") % {"date": date_format(validity.until, "DATE_FORMAT")}
