"""The shapes every JSON API of the project shares: the error answer (documented in each OpenAPI) and the base of
every request schema."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BaseModel, ModelWrapValidatorHandler, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError


class ErrorOut(Schema):
    code: str = Field(description="Stable snake_case error code; branch on this, not on the message.")
    message: str
    details: dict[str, object] = {}


class RequestSchema(Schema):
    """The base of every request body and of every object inside one: a request is validated as the JSON it is.

    ninja's ``Schema`` reads its input through attributes, so that a response can be built from a model instance. A
    request read that way takes a string, a number or a list where an object belongs as an object with every field at
    its default (``"validity": "30 days"`` would issue a voucher valid forever), or calls the string's methods (a
    body of ``"free coffee"`` has a ``title``). Here an object must be a JSON object, anything else is a 422
    ``validation_error`` naming the field."""

    # Replaces ninja's validator of the same name (the one that wraps the input in a DjangoGetter).
    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        if not isinstance(values, Mapping | BaseModel):
            raise PydanticCustomError("object_type", _("This must be a JSON object."))
        return handler(values)
