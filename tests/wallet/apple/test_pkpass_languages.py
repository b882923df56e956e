"""A pass speaks its customer's language, and carries ours in every language for Wallet to pick the device's."""

import json
import re

import pytest
from django.utils import translation

from stampcard.merchants.actors import Actor, Channel
from stampcard.vouchers import services as vouchers_services
from stampcard.wallet.apple import pkpass, strings
from tests.wallet.apple.conftest import unzip

pytestmark = pytest.mark.django_db

STRINGS_LINE = re.compile(r'^"((?:[^"\\]|\\.)*)" = "((?:[^"\\]|\\.)*)";$')


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1), m.group(1)), text)


def read_strings(data: bytes) -> dict[str, str]:
    """Parse an Apple ``.strings`` file the way Wallet does: UTF-16 with its byte-order mark."""
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    entries = {}
    for line in data.decode("utf-16").splitlines():
        found = STRINGS_LINE.match(line)
        assert found, line
        entries[unquote(found.group(1))] = unquote(found.group(2))
    return entries


def built(apple_pass, language: str):
    customer = apple_pass.card.customer
    customer.language = language
    customer.save(update_fields=["language"])
    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))
    return files, json.loads(files["pass.json"])


def labels(data) -> dict[str, str]:
    fields = [field for group in data["storeCard"].values() for field in group]
    return {field["key"]: field.get("label", "") for field in fields}


def test_a_ukrainian_customers_pass_json_is_ukrainian_with_the_merchants_texts_as_written(apple_pass):
    _files, data = built(apple_pass, "uk")

    assert labels(data)["stamps"] == "Штампи" and labels(data)["number"] == "Картка"
    assert data["storeCard"]["headerFields"][0]["changeMessage"] == "Штампи: %@"
    assert data["storeCard"]["secondaryFields"][0]["value"].startswith("Free coffee")  # the merchant wrote English
    assert data["logoText"] == "Coffee card"


def test_the_pass_carries_english_and_ukrainian_strings_keyed_by_its_own_texts(apple_pass):
    files, data = built(apple_pass, "uk")
    manifest = json.loads(files["manifest.json"])

    english = read_strings(files["en.lproj/pass.strings"])
    ukrainian = read_strings(files["uk.lproj/pass.strings"])

    assert {"en.lproj/pass.strings", "uk.lproj/pass.strings"} <= set(manifest)
    assert english["Штампи"] == "Stamps" and ukrainian["Штампи"] == "Штампи"
    assert english["Штампи: %@"] == "Stamps: %@"
    assert english["Як видалити картку"] == "Removing the card"
    terms = next(f["value"] for f in data["storeCard"]["backFields"] if f["key"] == "terms")
    assert english[terms] == "1 stamp per purchase.\n8 stamps: Free coffee"  # our words around the merchant's
    assert english.keys() == ukrainian.keys()
    for label in labels(data).values():
        assert label in english  # every label of ours can be shown in English
    assert "Coffee card" not in english and "Free coffee" not in english  # the merchant's texts are not ours


def test_an_english_customers_pass_is_english_and_translates_to_ukrainian(apple_pass):
    files, data = built(apple_pass, "en")

    ukrainian = read_strings(files["uk.lproj/pass.strings"])

    assert labels(data)["stamps"] == "Stamps"
    assert ukrainian["Stamps"] == "Штампи" and ukrainian["Card"] == "Картка"
    assert read_strings(files["en.lproj/pass.strings"])["Stamps"] == "Stamps"


def test_voucher_titles_stay_as_written_and_odd_characters_survive_the_strings_file(apple_pass):
    card = apple_pass.card
    vouchers_services.voucher_issue(
        actor=Actor(merchant=card.merchant, channel=Channel.SYSTEM), title='Кава "по-віденськи"', card=card
    )
    files, data = built(apple_pass, "uk")

    english = read_strings(files["en.lproj/pass.strings"])

    voucher = next(f for f in data["storeCard"]["backFields"] if f["key"].startswith("voucher-"))
    assert voucher["label"] == 'Кава "по-віденськи"' and voucher["label"] not in english
    assert english[voucher["value"]].startswith("Code ")  # "Код …" with its code, in English


def test_the_strings_file_escapes_quotes_backslashes_and_newlines():
    data = strings.strings_file((('a "b"\\c\nd', "x"),))

    assert read_strings(data) == {'a "b"\\c\nd': "x"}


def test_the_texts_come_from_each_languages_catalog_whatever_language_is_active(apple_pass, monkeypatch):
    """pass.json is built twice a pass: its texts are read from the language's own catalog, not through the
    active-language look-up of ``django.utils.translation`` that each gettext made."""
    customer = apple_pass.card.customer
    customer.language = "en"
    customer.save(update_fields=["language"])
    content = pkpass.pass_content_load(apple_pass=apple_pass)
    for name in ("gettext", "ngettext"):
        monkeypatch.setattr(translation._trans, name, lambda *args: pytest.fail("looked the active language up"))

    with translation.override("uk"):
        files = pkpass.pass_files(content)

    data = json.loads(files["pass.json"])
    assert labels(data)["stamps"] == "Stamps" and "8 stamps" in data["storeCard"]["backFields"][0]["value"]
    assert read_strings(files["uk.lproj/pass.strings"])["Stamps"] == "Штампи"
