"""The error shape every JSON API of the project answers with (documented in each OpenAPI)."""

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str = Field(description="Stable snake_case error code; branch on this, not on the message.")
    message: str
    details: dict[str, object] = {}
