"""Which cards a campaign holds out: a share of its audience that gets no message, so that what the recipients did
can be compared with what people like them did anyway (the lift).

The draw is a hash of the campaign's and the card's ids, not a random number: the same card lands on the same side
every time it is asked (a resumed start, the results page, a test), and no state is needed to remember it.
"""

import hashlib
import uuid

BUCKETS = 10_000


def bucket(*, campaign_id: uuid.UUID | str, card_id: int | str) -> int:
    """A number in [0, BUCKETS), evenly spread over cards and independent between campaigns."""
    digest = hashlib.sha256(f"{campaign_id}:{card_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def is_held_out(*, campaign_id: uuid.UUID | str, card_id: int | str, percent: int) -> bool:
    return bucket(campaign_id=campaign_id, card_id=card_id) < percent * BUCKETS // 100
