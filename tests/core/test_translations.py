"""Every user-facing string ships in English and Ukrainian."""

import re
from pathlib import Path

import pytest
from django.test import Client

PO = Path(__file__).resolve().parents[2] / "locale" / "uk" / "LC_MESSAGES" / "django.po"


def po_entries(text: str) -> list[tuple[str, str]]:
    entries = []
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"' not in block:
            entries.append((block, ""))
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0])) if "msgid" in block else ""
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1])) if "msgstr" in block else ""
        if msgid:
            entries.append((msgid, msgstr))
    return entries


def test_every_ukrainian_message_is_translated():
    untranslated = [msgid for msgid, msgstr in po_entries(PO.read_text()) if not msgstr]
    assert untranslated == []


@pytest.mark.django_db
def test_api_errors_follow_the_accept_language_header():
    english = Client().get("/api/v1/cards/123456")
    ukrainian = Client(headers={"Accept-Language": "uk"}).get("/api/v1/cards/123456")

    assert english.json()["code"] == ukrainian.json()["code"] == "not_authenticated"
    assert english.json()["message"].startswith("An API key is required")
    assert ukrainian.json()["message"].startswith("Потрібен ключ API")
