"""Every operation of both OpenAPIs (the POS API v1 and the scanner app's API), and the fields of their requests,
read from the schemas the apps publish: tests that walk them cover a route the day it is added."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from config.api import api as pos_api
from stampcard.scanner.api import api as scanner_api

PREFIXES = {"api": "/api/v1", "scanner": "/scanner/api"}


def openapi(which: str) -> dict[str, Any]:
    api = pos_api if which == "api" else scanner_api
    return api.get_openapi_schema(path_prefix=PREFIXES[which])


@dataclass(frozen=True)
class Operation:
    api: str  # "api" (API v1, owner key) or "scanner" (device token)
    method: str
    path: str  # with {placeholders}
    spec: dict[str, Any]
    components: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self, fill: str = "x") -> str:
        path = self.path
        for parameter in self.parameters("path"):
            path = path.replace("{" + parameter["name"] + "}", fill)
        return path

    def parameters(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == location]

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        if not media:
            return None
        variants = self._variants(media["schema"])  # an optional body is anyOf [its schema, null]
        return variants[0] if variants else None

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def body_fields(self) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        """(path, schema) of every field of the body, nested objects included; a nullable field's non-null schema."""
        schema = self.body_schema()
        if schema is not None:
            yield from self._fields((), schema, depth=0)

    def _fields(self, path: tuple[str, ...], schema: dict[str, Any], depth: int):
        for name, field in self.resolve(schema).get("properties", {}).items():
            for variant in self._variants(field):
                yield (*path, name), variant
                if variant.get("type") == "object" and depth < 3:
                    yield from self._fields((*path, name), variant, depth + 1)
                if variant.get("type") == "array" and depth < 3:
                    for item in self._variants(variant.get("items", {})):
                        yield (*path, name, "0"), item
                        if item.get("type") == "object":
                            yield from self._fields((*path, name, "0"), item, depth + 1)

    def _variants(self, field: dict[str, Any]) -> list[dict[str, Any]]:
        field = self.resolve(field)
        options = field.get("anyOf") or field.get("oneOf") or field.get("allOf") or [field]
        return [self.resolve(o) for o in options if self.resolve(o).get("type") != "null"]


def operations(which: str | None = None) -> list[Operation]:
    found = []
    for name in [which] if which else list(PREFIXES):
        spec = openapi(name)
        for path, methods in spec["paths"].items():
            for method, operation in methods.items():
                found.append(Operation(name, method, path, operation, spec.get("components", {})))
    return found


def body_with(path: tuple[str, ...], value: Any) -> Any:
    """A JSON body with only the field at ``path`` set (nested objects made on the way)."""
    value = copy.deepcopy(value)
    for key in reversed(path):
        value = [value] if key == "0" else {key: value}
    return value
