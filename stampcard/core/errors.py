"""Typed application errors with stable codes.

A service raises one of these; the API layer maps it to HTTP in one place (``config.api``). The ``code`` is
part of the public contract: clients branch on it, so it never changes once shipped. The message is for humans and
is translated.
"""

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[Any] = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, code: str | None = None, **details: Any) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.details = details
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class BadRequest(ApplicationError):
    status = 400
    code = "bad_request"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    default_message = _("An API key is required: send it as 'Authorization: Bearer <key>'.")


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    default_message = _("This key is not allowed to do that.")


class NotFound(ApplicationError):
    """Missing, or owned by another merchant: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class ValidationFailed(ApplicationError):
    """A 422. ``field=`` names the offending field; it is reported in the same ``details.fields`` list that schema
    validation produces, so a client reads every 422 the same way."""

    status = 422
    code = "validation_error"
    default_message = _("Some fields are invalid.")

    def __init__(
        self, message: Any = None, *, code: str | None = None, field: str | None = None, **details: Any
    ) -> None:
        super().__init__(message, code=code, **details)
        if field is not None:
            self.details["fields"] = [{"field": field, "problem": str(self.message)}]


class LimitReached(ApplicationError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests.")
