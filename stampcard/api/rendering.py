"""Answers of the hot routes validated against their response schema without django-ninja's per-field getter.

ninja's ``Schema`` validates through a wrap validator that puts every object, at every level, behind a
``DjangoGetter`` and reads each field with a Python ``__getattr__`` (so that a response may be built from model
instances). The hot routes answer with plain dicts from their presenters (``checkouts.presenters``): for them that
getter cost more CPU than the rest of the validation and rendering together (a card has a dozen nested objects).

``plain_model`` is the same schema as a plain pydantic model: the same fields, types, defaults and constraints, with
every nested ``Schema`` replaced by its own plain model, so pydantic-core validates the dict in Rust. It never
decides alone: a payload the plain model refuses (one that needs ninja's getter, e.g. a model instance whose field
is a method or a manager) is validated by the schema itself, which answers or fails as it always did.

The routes still declare their schemas to ninja (``response=``), so the OpenAPI document is unchanged; the view
returns the rendered ``HttpResponse``, which ninja passes through.
"""

import functools
import json
import types
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

# What ninja's JSON renderer answers with (``NinjaAPI.get_content_type``).
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


@functools.cache
def plain_model(schema: type[BaseModel]) -> type[BaseModel]:
    """``schema`` as a plain pydantic model (built once per schema and process)."""
    fields: dict[str, Any] = {
        name: (_plain_annotation(info.annotation), info) for name, info in schema.model_fields.items()
    }
    # from_attributes as ninja's Schema has it: an object with plain attributes validates as it would there.
    plain: type[BaseModel] = create_model(
        f"Plain{schema.__name__}", __config__=ConfigDict(from_attributes=True), **fields
    )
    return plain


def _plain_annotation(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return plain_model(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is None or not args:
        return annotation
    if origin is Annotated:
        return Annotated[(_plain_annotation(args[0]), *args[1:])]
    plain_args = tuple(_plain_annotation(arg) for arg in args)
    if plain_args == args:
        return annotation
    if origin is Union or origin is types.UnionType:
        return Union[plain_args]  # noqa: UP007  # built from a tuple of members
    return origin[plain_args]


def validated(schema: type[BaseModel], payload: Any) -> BaseModel:
    """``payload`` validated as ``schema``: by its plain model, or by the schema where the plain model refuses it."""
    try:
        return plain_model(schema).model_validate(payload)
    except ValidationError:
        return schema.model_validate(payload)


def to_json_bytes(schema: type[BaseModel], payload: Any) -> bytes:
    """``payload`` validated as ``schema`` and serialized by pydantic-core (the answer of an idempotent write)."""
    model = validated(schema, payload)
    return type(model).__pydantic_serializer__.to_json(model)


def ninja_json(schema: type[BaseModel], payload: Any) -> str:
    """``payload`` validated as ``schema`` and rendered as ninja renders a route's answer (``model_dump``, then its
    JSON encoder), byte for byte."""
    return json.dumps(validated(schema, payload).model_dump(), cls=NinjaJSONEncoder)


def answers(schema: type[BaseModel], status: int = 200) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Wrap a read route that returns a payload for ``schema``: the answer is validated and rendered here (the same
    bytes ninja would send), not by ninja. Errors the view raises still go to the API's handlers."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            body = ninja_json(schema, view(request, *args, **kwargs))
            return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)

        return wrapper

    return decorate
