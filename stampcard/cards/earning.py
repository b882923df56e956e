"""The earning rule: how many stamps a check is worth. Pure, so it is property-tested on its own."""

from stampcard.cards.models import EarningRule, ProgramRules


def stamps_for_check(*, program: ProgramRules, total: int) -> int:
    """Stamps a check of ``total`` minor units earns under the program's rule (0 below the minimum)."""
    if total < 0:
        raise ValueError("a check total cannot be negative")
    if total < program.min_check_total:
        return 0
    if program.earning_rule == EarningRule.PER_AMOUNT:
        if not program.amount_per_stamp:
            raise ValueError("a per-amount program needs amount_per_stamp")
        stamps = total // program.amount_per_stamp
    else:
        stamps = program.stamps_per_receipt
    if program.max_stamps_per_check is not None:
        stamps = min(stamps, program.max_stamps_per_check)
    return stamps


def rewards_reached(*, stamps: int, goal: int) -> tuple[int, int]:
    """(rewards reached, stamps carried over) for a card holding ``stamps``."""
    return divmod(stamps, goal)
