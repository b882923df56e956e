"""Google's own schema of the Wallet Objects API, held against every class and object body the stand-in receives.

The schema is the ``walletobjects.v1.json`` discovery document that ships inside google-api-python-client (a dev
dependency), read at run time and never copied into this repository: when Google changes the API, upgrading the
package moves the stand-in with it.

The checks are those of Google's JSON parser for a request body (proto3 JSON): a name the schema does not know, a
value of the wrong type, an enum value the schema does not list. Like that parser they accept a field's proto name
(``account_id`` for ``accountId``), ``null`` for any field (its default), int64 and uint64 as a decimal string or a
number, int32 and uint32 as a number or a decimal string, a double as a number or ``"NaN"``/``"Infinity"``, and
bytes as base64 (standard or URL-safe). A violation's ``field`` is the path Google reports: proto (snake_case) names
and list indexes, as in ``text_modules_data[0].header``.
"""

import functools
import importlib.resources
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DISCOVERY_PACKAGE = "googleapiclient.discovery_cache"
DISCOVERY_DOCUMENT = "documents/walletobjects.v1.json"

_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_DECIMAL = re.compile(r"-?\d+")
_SPECIAL_DOUBLES = {"NaN", "Infinity", "-Infinity"}
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")  # the standard or the URL-safe alphabet


@dataclass(frozen=True)
class Violation:
    field: str  # Google's path of the offending field; "" for the body itself
    description: str


@functools.cache
def discovery_document() -> dict[str, Any]:
    """The walletobjects v1 discovery document of the installed google-api-python-client."""
    try:
        source = importlib.resources.files(DISCOVERY_PACKAGE).joinpath(DISCOVERY_DOCUMENT)
        document: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise RuntimeError(
            "the Google Wallet stand-in checks bodies against walletobjects.v1.json from google-api-python-client, "
            "a dev dependency: install it with `pip install -e '.[dev]'`"
        ) from error
    return document


def request_schema(resource: str, method: str) -> str:
    """The schema name of a method's request body, e.g. ``("loyaltyObject", "patch")`` -> ``LoyaltyObject``."""
    methods = discovery_document()["resources"][resource.lower()]["methods"]
    return str(methods[method.lower()]["request"]["$ref"])


def violations(schema: str, body: Any) -> list[Violation]:
    """Everything Google's parser would refuse in ``body`` as a ``schema`` (a name under ``schemas``)."""
    return list(_message(body, schema, path=""))


def error_body(found: list[Violation]) -> dict[str, Any]:
    """Google's 400 for a body its parser refused: every violation in the message, ``errors`` and ``details``."""
    descriptions = [violation.description for violation in found]
    return {
        "error": {
            "code": 400,
            "message": "\n".join(descriptions),
            "errors": [{"message": text, "domain": "global", "reason": "invalid"} for text in descriptions],
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": v.field, "description": v.description} if v.field else {"description": v.description}
                        for v in found
                    ],
                }
            ],
        }
    }


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = discovery_document()["schemas"]
    return schemas


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _invalid(path: str, kind: str, value: Any) -> Violation:
    return Violation(path, f"Invalid value at '{path}' ({kind}), {_shown(value)}")


def _message(value: Any, schema: str, *, path: str) -> Iterator[Violation]:
    yield from _object(value, _schemas()[schema], path=path, kind=f"type.googleapis.com/walletobjects.v1.{schema}")


def _object(value: Any, schema: dict[str, Any], *, path: str, kind: str) -> Iterator[Violation]:
    if not isinstance(value, dict):
        if not path:
            yield Violation("", f"Invalid JSON payload received. Expected an object, got {_shown(value)}.")
        else:
            yield _invalid(path, kind, value)
        return
    properties: dict[str, Any] = schema.get("properties", {})
    by_proto_name = {_snake(name): name for name in properties}
    extra = schema.get("additionalProperties")
    for index, (name, item) in enumerate(value.items()):
        known = name if name in properties else by_proto_name.get(name)
        if known is not None:
            yield from _value(item, properties[known], path=_join(path, _snake(known)), name=name, parent=path)
        elif extra is not None:
            yield from _value(item, extra, path=f"{path}[{index}].value", name=name, parent=path)
        else:
            at = f" at '{path}'" if path else ""
            yield Violation(path, f'Invalid JSON payload received. Unknown name "{name}"{at}: Cannot find field.')


def _value(value: Any, schema: dict[str, Any], *, path: str, name: str, parent: str) -> Iterator[Violation]:
    if value is None:
        return  # null sets a field to its default, as Google's parser takes it
    if "$ref" in schema:
        if isinstance(value, list):
            yield _not_repeating(name, parent)
        else:
            yield from _message(value, schema["$ref"], path=path)
        return
    kind = schema.get("type")
    if kind == "array":
        if not isinstance(value, list):
            yield Violation(path, f"Invalid value at '{path}' (a repeated field), {_shown(value)}: expected a list")
            return
        for index, item in enumerate(value):
            if isinstance(item, list):
                yield Violation(f"{path}[{index}]", f"Invalid value at '{path}[{index}]': lists of lists not allowed")
            else:
                yield from _value(item, schema.get("items", {}), path=f"{path}[{index}]", name=name, parent=parent)
        return
    if isinstance(value, list):
        yield _not_repeating(name, parent)
        return
    if kind == "object":
        yield from _object(value, schema, path=path, kind="type.googleapis.com/google.protobuf.Struct")
    elif kind == "string":
        yield from _string(value, schema, path=path)
    elif kind == "integer":
        if not _integer_ok(value, schema.get("format", "int32")):
            yield _invalid(path, f"TYPE_{schema.get('format', 'int32').upper()}", value)
    elif kind == "number":
        if not _double_ok(value):
            yield _invalid(path, "TYPE_DOUBLE", value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            yield _invalid(path, "TYPE_BOOL", value)
    elif kind != "any":
        raise ValueError(f"walletobjects.v1.json: no rule for type {kind!r} at {path}")


def _not_repeating(name: str, parent: str) -> Violation:
    at = f" at '{parent}'" if parent else ""
    return Violation(
        parent,
        f'Invalid JSON payload received. Unknown name "{name}"{at}: Proto field is not repeating, cannot start list.',
    )


def _string(value: Any, schema: dict[str, Any], *, path: str) -> Iterator[Violation]:
    fmt = schema.get("format", "")
    if fmt in _INT_RANGES:
        if not _integer_ok(value, fmt):
            yield _invalid(path, f"TYPE_{fmt.upper()}", value)
    elif fmt == "byte":
        if not isinstance(value, str) or not _base64_ok(value):
            yield _invalid(path, "TYPE_BYTES", value)
    elif "enum" in schema:
        if not isinstance(value, str) or value not in schema["enum"]:
            yield _invalid(path, "TYPE_ENUM", value)
    elif not isinstance(value, str):
        yield _invalid(path, "TYPE_STRING", value)


def _integer_ok(value: Any, fmt: str) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            return False
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        return False
    low, high = _INT_RANGES.get(fmt, _INT_RANGES["int64"])
    return low <= number <= high


def _double_ok(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        if value in _SPECIAL_DOUBLES:
            return True
        try:
            return math.isfinite(float(value))
        except ValueError:
            return False
    return False


def _base64_ok(value: str) -> bool:
    return bool(_BASE64.fullmatch(value)) and len(value.rstrip("=")) % 4 != 1
