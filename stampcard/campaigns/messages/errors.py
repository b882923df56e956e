"""Refusals of the message services, with their stable codes."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import Conflict, ValidationFailed


class MessageInvalid(ValidationFailed):
    """A message that cannot be sent as written. ``code`` says what (``message_subject_too_long``…), ``field`` where
    (``parts.uk.subject``)."""

    code = "message_invalid"
    default_message = _("This message cannot be sent as written.")

    def __init__(self, message: Any = None, *, code: str, field: str, **details: Any) -> None:
        super().__init__(message, code=code, field=field, **details)


class MessageNotDraft(Conflict):
    code = "message_not_draft"
    default_message = _("This message is already being sent or was sent.")
