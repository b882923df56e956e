"""The POS app's two catalogs (bundled into it: it follows Poster's language, not our pages')."""

import json
import re
from pathlib import Path

CATALOGS = Path(__file__).resolve().parents[2] / "frontend" / "poster" / "src" / "i18n"
SOURCES = CATALOGS.parent


def catalog(language: str) -> dict:
    return json.loads((CATALOGS / f"{language}.json").read_text(encoding="utf-8"))


def keys_used_in_the_sources() -> set[str]:
    used = set()
    for source in SOURCES.rglob("*.js"):
        used |= set(re.findall(r"\btn?\(\s*\"([a-zA-Z0-9_.]+)\"", source.read_text(encoding="utf-8")))
    return used


def placeholders(text) -> set[str]:
    texts = text.values() if isinstance(text, dict) else [text]
    return {name for value in texts for name in re.findall(r"\{(\w+)\}", value)}


def test_both_languages_have_the_same_messages():
    assert catalog("en").keys() == catalog("uk").keys()


def test_every_message_the_app_asks_for_exists():
    assert keys_used_in_the_sources() - catalog("en").keys() == set()


def test_every_ukrainian_message_is_translated_with_the_same_placeholders():
    english, ukrainian = catalog("en"), catalog("uk")
    problems = []
    for key, text in english.items():
        if placeholders(ukrainian[key]) != placeholders(text):
            problems.append(f"{key}: placeholders differ")
        if isinstance(text, dict) and not {"one", "few", "many", "other"} <= ukrainian[key].keys():
            problems.append(f"{key}: Ukrainian needs one, few, many and other")
        if not isinstance(text, dict) and key != "app.title" and ukrainian[key] == text:
            problems.append(f"{key}: not translated")
    assert problems == []
