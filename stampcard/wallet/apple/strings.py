"""A pass's ``<language>.lproj/pass.strings``: its own texts mapped to each language, in Apple's strings format.

Wallet shows a pass in the device's language by looking each localizable value of ``pass.json`` up as a key in the
matching ``pass.strings`` (the value itself when it is no key). ``pkpass`` builds ``pass.json`` once per language;
this module pairs the texts of those builds and writes the files.
"""

import functools
from typing import Any

# The pass.json keys whose values Wallet looks up in pass.strings.
LOCALIZABLE_KEYS = frozenset(
    {"label", "value", "changeMessage", "attributedValue", "relevantText", "description", "logoText"}
)


def strings_files(default: dict[str, Any], variants: dict[str, dict[str, Any] | None]) -> dict[str, bytes]:
    """``<code>.lproj/pass.strings`` per language code of ``variants``: the same pass.json built in that language, or
    None for the language ``default`` is in.

    Only texts that read differently in some language are listed: what the merchant wrote reads the same in every
    language and stays as written. When one text of ``default`` appears twice, its first translation wins.
    """
    texts: dict[str, dict[str, str]] = {}
    for code, variant in variants.items():
        if variant is None:
            continue
        pairs: list[tuple[str, str]] = []
        _text_pairs(default, variant, "", pairs)
        for key, value in pairs:
            texts.setdefault(key, {}).setdefault(code, value)
    # A text of ``default`` reads as itself in default's own language, so it is ours when any translation differs.
    ours = {key: by_code for key, by_code in texts.items() if any(value != key for value in by_code.values())}
    return {
        f"{code}.lproj/pass.strings": strings_file(
            tuple((key, key if variant is None else by_code[code]) for key, by_code in ours.items())
        )
        for code, variant in variants.items()
    }


def _text_pairs(default: Any, variant: Any, key: str, out: list[tuple[str, str]]) -> None:
    """Append (text in ``default``, the same text in ``variant``) for every localizable value: both are the same
    pass.json built in two languages, so they have the same shape."""
    if isinstance(default, dict):
        if isinstance(variant, dict):
            for name, value in default.items():
                if isinstance(value, (dict, list)) or name in LOCALIZABLE_KEYS:
                    _text_pairs(value, variant.get(name), name, out)
    elif isinstance(default, list):
        if isinstance(variant, list):
            for one, other in zip(default, variant, strict=False):
                _text_pairs(one, other, key, out)
    elif key in LOCALIZABLE_KEYS and isinstance(default, str) and isinstance(variant, str) and default:
        out.append((default, variant))


def _strings_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


# Most cards of a program carry the same texts: the file is written once per content and the same bytes object comes
# back (which the archive's member cache then finds by identity).
@functools.lru_cache(maxsize=256)
def strings_file(entries: tuple[tuple[str, str], ...]) -> bytes:
    """An Apple ``.strings`` file of (key, value) ``entries``: ``"key" = "value";`` lines, UTF-16 with a byte-order
    mark (Apple's encoding for strings files; Wallet reads it whatever the device)."""
    lines = [f"{_strings_quote(key)} = {_strings_quote(value)};\n" for key, value in entries]
    return "".join(lines).encode("utf-16")
