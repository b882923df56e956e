"""Text normalisation for search: case- and accent-insensitive matching that works the same on every database."""

import unicodedata

# Letters that NFKD does not split into base + mark but that people type without the diacritic.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


def fold(value: str) -> str:
    """Lower-case, strip accents and collapse spaces: "  Ólena  Kovalenko" -> "olena kovalenko".

    Cyrillic keeps its letters (й stays й: in Ukrainian it is a distinct letter, not an accented и); only
    combining marks that do not change the letter for a typist are dropped.
    """
    value = unicodedata.normalize("NFKC", value).casefold().translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFD", value)
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and not _is_cyrillic_letter_mark(kept, ch):
            continue
        kept.append(ch)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def _is_cyrillic_letter_mark(previous: list[str], mark: str) -> bool:
    # й = и + U+0306, ї = і + U+0308, ё = е + U+0308: these marks make a different letter in Cyrillic alphabets.
    if not previous:
        return False
    base = previous[-1]
    return "CYRILLIC" in unicodedata.name(base, "") and mark in ("\u0306", "\u0308")
