"""Programs, cards, the append-only stamp ledger and the POS checks that feed it; the public identities of programs
and cards (join slug, web token); the record of card changes the wallets must follow; imports from other systems.

One module per domain; everything is re-exported here, so ``stampcard.cards.models`` stays the one import path
(and Django finds every model of the app through it).
"""

from stampcard.cards.models.cards import CARD_LINK_TOKEN_PURPOSE, Card, CardChange, CardCount, CardLink
from stampcard.cards.models.imports import ImportedRow, ImportJob, ImportState
from stampcard.cards.models.ledger import (
    HOLDING_KINDS,
    INFORMATIONAL_KINDS,
    CardEvent,
    Check,
    CheckState,
    EventKind,
    ReversalKind,
)
from stampcard.cards.models.programs import (
    EarningRule,
    Program,
    ProgramLink,
    ProgramRules,
    ProgramVersion,
    RewardKind,
    StampIcon,
    StampingMode,
)

__all__ = [
    "CARD_LINK_TOKEN_PURPOSE",
    "HOLDING_KINDS",
    "INFORMATIONAL_KINDS",
    "Card",
    "CardChange",
    "CardCount",
    "CardEvent",
    "CardLink",
    "Check",
    "CheckState",
    "EarningRule",
    "EventKind",
    "ImportJob",
    "ImportState",
    "ImportedRow",
    "Program",
    "ProgramLink",
    "ProgramRules",
    "ProgramVersion",
    "ReversalKind",
    "RewardKind",
    "StampIcon",
    "StampingMode",
]
