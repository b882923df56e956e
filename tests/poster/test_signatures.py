"""Poster's webhook ``verify``: md5 of ``account;object;object_id;action;[data;]time;secret`` (DOCS webhooks.md).

The expected digests below were computed with coreutils ``md5sum`` from the documented recipe, not with our code.
"""

import pytest

from stampcard.poster.signatures import (
    manage_verify,
    php_string,
    webhook_fields,
    webhook_signature,
    webhook_signature_valid,
)
from stampcard.sandbox.poster import sign_webhook

DOCS_SECRET = "fe2bc8e865d8fc2236968ee53c3b2bd5"  # the application_secret of Poster's own PHP sample

# Poster's documented example webhook, verbatim. Its "verify" contains "k" and "s": a placeholder, not an md5.
DOCS_EXAMPLE = {
    "account": "api-demo",
    "account_number": "203941",
    "object": "transaction",
    "object_id": 1,
    "action": "added",
    "time": "1518794257",
    "verify": "a23sk3d9123ka31sd3k5asd9123sad93",
}
# printf '%s' 'api-demo;transaction;1;added;1518794257;fe2bc8e865d8fc2236968ee53c3b2bd5' | md5sum
DOCS_EXAMPLE_VERIFY = "ba193c47db34623ff442c9967e0cfc7e"

PROSE_RECIPE_VERIFY = "992ccede386697e063568f0bb8cd8938"

CHANGED_WITH_DATA = {
    "account": "mykava6",
    "object": "transaction",
    "object_id": 16776,
    "action": "changed",
    "time": "1688722229",
    "account_number": "333226",
    "data": '{"transactions_history":{"type_history":"additem","time":1688722229115,"value":483,"value2":78}}',
}
# printf '%s' 'mykava6;transaction;16776;changed;{"transactions_history":{...}};1688722229;<secret>' | md5sum
CHANGED_WITH_DATA_VERIFY = "fd4095080fa8df7c73e2da74e1f43c64"


def test_the_documented_example_payload_signs_to_the_documented_recipe():
    assert webhook_signature(DOCS_EXAMPLE, secret=DOCS_SECRET) == DOCS_EXAMPLE_VERIFY
    assert webhook_signature_valid({**DOCS_EXAMPLE, "verify": DOCS_EXAMPLE_VERIFY}, secret=DOCS_SECRET)


def test_the_documented_example_verify_value_is_a_placeholder_that_does_not_verify():
    assert not all(ch in "0123456789abcdef" for ch in DOCS_EXAMPLE["verify"])
    assert not webhook_signature_valid(DOCS_EXAMPLE, secret=DOCS_SECRET)


def test_data_enters_the_signature_as_the_raw_string_between_action_and_time():
    assert webhook_fields(CHANGED_WITH_DATA)[4] == CHANGED_WITH_DATA["data"]
    assert webhook_signature(CHANGED_WITH_DATA, secret=DOCS_SECRET) == CHANGED_WITH_DATA_VERIFY


def test_the_time_is_signed_although_the_docs_prose_leaves_it_out():
    assert webhook_fields(DOCS_EXAMPLE) == ["api-demo", "transaction", "1", "added", "1518794257"]
    # printf '%s' 'api-demo;transaction;1;added;fe2bc8e865d8fc2236968ee53c3b2bd5' | md5sum  (the prose's recipe)
    assert webhook_signature(DOCS_EXAMPLE, secret=DOCS_SECRET) != PROSE_RECIPE_VERIFY


@pytest.mark.parametrize(
    "field,value",
    [
        ("account", "api-demo2"),
        ("object", "client"),
        ("object_id", 2),
        ("action", "removed"),
        ("time", "1518794258"),
        ("data", '{"x":1}'),
    ],
)
def test_changing_any_signed_field_breaks_the_signature(field, value):
    signed = {**DOCS_EXAMPLE, "verify": DOCS_EXAMPLE_VERIFY}
    assert not webhook_signature_valid({**signed, field: value}, secret=DOCS_SECRET)


def test_account_number_is_not_signed():
    signed = {**DOCS_EXAMPLE, "verify": DOCS_EXAMPLE_VERIFY, "account_number": "999"}
    assert webhook_signature_valid(signed, secret=DOCS_SECRET)


def test_a_wrong_secret_or_a_missing_verify_never_verifies():
    signed = {**DOCS_EXAMPLE, "verify": DOCS_EXAMPLE_VERIFY}
    assert not webhook_signature_valid(signed, secret="another-secret")
    assert not webhook_signature_valid(signed, secret="")
    assert not webhook_signature_valid({k: v for k, v in signed.items() if k != "verify"}, secret=DOCS_SECRET)
    assert not webhook_signature_valid({**signed, "verify": 12345}, secret=DOCS_SECRET)


def test_an_upper_case_verify_is_accepted_since_md5_hex_is_case_free():
    assert webhook_signature_valid({**DOCS_EXAMPLE, "verify": DOCS_EXAMPLE_VERIFY.upper()}, secret=DOCS_SECRET)


def test_a_null_data_counts_as_absent_like_php_isset():
    assert webhook_signature({**DOCS_EXAMPLE, "data": None}, secret=DOCS_SECRET) == DOCS_EXAMPLE_VERIFY


def test_values_render_like_php_implode():
    assert [php_string(v) for v in (1, "1", True, False, None, 2.0, 2.5)] == ["1", "1", "1", "", "", "2", "2.5"]


def test_a_data_object_is_hashed_in_php_json_encode_form():
    # Unconfirmed in Poster's docs (data has only been seen as a string); json_encode escapes "/" and non-ASCII.
    assert php_string({"a": "x/y", "b": "ї"}) == '{"a":"x\\/y","b":"\\u0457"}'


def test_the_stand_in_signs_exactly_as_we_verify():
    body = {**CHANGED_WITH_DATA}
    body["verify"] = sign_webhook(body, secret=DOCS_SECRET)
    assert body["verify"] == CHANGED_WITH_DATA_VERIFY
    assert webhook_signature_valid(body, secret=DOCS_SECRET)


def test_the_manage_platform_verify_joins_with_colons():
    # printf '%s' '76:9642176a5cdfe3f65e6e00c27b668795:bd8f3168d1af839cbc90d11575459465' | md5sum
    verify = manage_verify(
        application_id="76",
        application_secret="9642176a5cdfe3f65e6e00c27b668795",
        code="bd8f3168d1af839cbc90d11575459465",
    )
    assert verify == MANAGE_VERIFY


MANAGE_VERIFY = "3159875e1a4cdfe04fa9fb1303a864c6"
