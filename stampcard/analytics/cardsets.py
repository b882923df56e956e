"""Sets of cards as compressed bitmaps (Roaring, via pyroaring): how distinct customers of any range of days are
counted exactly without counting distinct over millions of rows.

A card is keyed by its number: six digits, unique within the merchant and never changed, so every set is a subset
of 100000..999999 and stays small (at most about 113 KB however many cards it holds, a few bytes for a handful).
Merging the sets of a month, four weeks and a few days and counting the result takes milliseconds, where
``COUNT(DISTINCT card)`` over the same days' visit rows took seconds at 20 million ledger lines.
"""

from collections.abc import Iterable

from pyroaring import BitMap


def cardset_pack(numbers: Iterable[int]) -> bytes:
    """The portable serialisation of the set of card ``numbers`` (stored in a BinaryField)."""
    cards = BitMap(numbers)
    cards.run_optimize()
    return bytes(cards.serialize())


def cardset_unpack(packed: bytes | memoryview) -> BitMap:
    return BitMap.deserialize(bytes(packed)) if packed else BitMap()


def cardset_union(packed: Iterable[bytes | memoryview]) -> BitMap:
    """The union of packed sets (an empty set for none)."""
    return BitMap.union(BitMap(), *(cardset_unpack(blob) for blob in packed))
