"""Validation of lottery settings: names, when to draw, and prize tables whose probabilities total exactly 100%."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stampcard.core.benefit import Benefit
from stampcard.core.errors import ApplicationError
from stampcard.core.validity import Validity
from stampcard.lottery import errors
from stampcard.lottery.models import PROBABILITY_SCALE, DrawAt, VariantKind

MAX_VARIANTS = 24


def percent(ppm: int) -> str:
    """Parts per million as an exact percentage text: 125000 -> "12.5", 1 -> "0.0001"."""
    whole, fraction = divmod(ppm, PROBABILITY_SCALE // 100)
    return f"{whole}.{fraction:04d}".rstrip("0").rstrip(".")


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise errors.LotteryInvalid(_("Give the lottery a name of 1 to 100 characters."), field="name")
    return name


def clean_draw_at(draw_at: str) -> str:
    if draw_at not in DrawAt.values:
        raise errors.LotteryInvalid(_("draw_at must be one of: %s.") % ", ".join(DrawAt.values), field="draw_at")
    return draw_at


def clean_variants(variants: list[dict]) -> list[dict[str, Any]]:
    if not isinstance(variants, list) or not 1 <= len(variants) <= MAX_VARIANTS:
        raise errors.LotteryInvalid(_("A lottery needs 1 to %(max)d prizes.") % {"max": MAX_VARIANTS}, field="variants")
    cleaned = [_clean_variant(raw, i) for i, raw in enumerate(variants)]
    total = sum(v["probability_ppm"] for v in cleaned)
    if total != PROBABILITY_SCALE:
        raise errors.LotteryProbabilitiesNotExact(
            _("The probabilities total %(total)s%%, not 100%%.") % {"total": percent(total)},
            field="variants",
            total_ppm=total,
            expected_ppm=PROBABILITY_SCALE,
        )
    return cleaned


def _clean_variant(raw: Any, index: int) -> dict[str, Any]:
    where = f"variants.{index}"

    def invalid(message: str, field: str) -> errors.LotteryInvalid:
        return errors.LotteryInvalid(message, field=f"{where}.{field}")

    if not isinstance(raw, dict):
        raise errors.LotteryInvalid(_("Each prize is an object."), field=where)
    kind = raw.get("kind")
    if kind not in VariantKind.values:
        raise invalid(_("kind must be one of: %s.") % ", ".join(VariantKind.values), "kind")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise invalid(_("Give the prize a name of 1 to 100 characters."), "name")
    greeting = raw.get("greeting") or ""
    if not isinstance(greeting, str) or len(greeting) > 1000:
        raise invalid(_("The greeting is a text of at most 1000 characters."), "greeting")
    caps = {}
    for cap in ("daily_cap", "total_cap"):
        value = raw.get(cap)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise invalid(_("A cap is a whole number of at least 1, or null for no cap."), cap)
        if value is not None and kind == VariantKind.NOTHING:
            raise invalid(_("'Nothing' cannot be capped."), cap)
        caps[cap] = value
    voucher = None
    if kind == VariantKind.VOUCHER:
        voucher = _clean_voucher_terms(raw.get("voucher"), default_title=name.strip(), invalid=invalid)
    elif raw.get("voucher") is not None:
        raise invalid(_("Only a voucher prize has voucher terms."), "voucher")
    return {
        "kind": kind,
        "name": name.strip(),
        "greeting": greeting,
        "probability_ppm": _clean_probability(raw, invalid),
        "voucher": voucher,
        **caps,
    }


def _clean_probability(raw: dict, invalid: Any) -> int:
    if raw.get("probability_ppm") is not None:
        ppm = raw["probability_ppm"]
        if isinstance(ppm, bool) or not isinstance(ppm, int):
            raise invalid(_("probability_ppm is a whole number of parts per million."), "probability_ppm")
    elif raw.get("probability") is not None:
        try:
            exact = Decimal(str(raw["probability"])) * (PROBABILITY_SCALE // 100)
        except (ArithmeticError, ValueError):  # InvalidOperation, and Overflow for exponents like 1e999999999
            raise invalid(_("probability is a percentage such as 12.5."), "probability") from None
        if not exact.is_finite() or not 0 <= exact <= PROBABILITY_SCALE:
            # Before int(): "1e999999999" is a finite Decimal whose int() would take minutes to build.
            raise invalid(_("A probability is between 0% and 100%."), "probability")
        if exact != exact.to_integral_value():
            raise invalid(_("A probability has at most 4 decimal places (0.0001%)."), "probability")
        ppm = int(exact)
    else:
        raise invalid(_("Give probability (percent) or probability_ppm."), "probability")
    if not 0 <= ppm <= PROBABILITY_SCALE:
        raise invalid(_("A probability is between 0% and 100%."), "probability")
    return ppm


def _clean_voucher_terms(terms: Any, *, default_title: str, invalid: Any) -> dict[str, Any]:
    terms = terms if terms is not None else {}
    if not isinstance(terms, dict):
        raise invalid(_("Voucher terms are an object with title, description, validity and benefit."), "voucher")
    title = terms.get("title") or default_title
    description = terms.get("description") or ""
    if not isinstance(title, str) or len(title) > 100 or not isinstance(description, str):
        raise invalid(_("The voucher title is a text of at most 100 characters."), "voucher.title")
    try:
        validity = Validity.from_spec(terms.get("validity"))
    except ApplicationError as error:
        raise invalid(error.message, "voucher.validity") from None
    try:
        benefit = Benefit.from_spec(terms.get("benefit"))
    except ApplicationError as error:
        raise invalid(error.message, "voucher.benefit") from None
    cleaned = {"title": title, "description": description, "validity": validity.as_spec() if validity else None}
    if benefit.is_discount:  # a gift stays unsaid, like the prizes saved before benefits existed
        cleaned["benefit"] = benefit.as_spec()
    return cleaned
