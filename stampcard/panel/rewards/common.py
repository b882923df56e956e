"""What the rewards pages share: turning a service's typed refusal into a message on the form that caused it."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.http import Http404

from stampcard.core.errors import ApplicationError, NotFound

T = TypeVar("T")


def or_404(lookup: Callable[..., T], **kwargs: Any) -> T:
    """Run a tenant door selector; another merchant's id (NotFound) is the panel's 404."""
    try:
        return lookup(**kwargs)
    except NotFound as error:
        raise Http404(error.code) from None


def error_field(error: ApplicationError) -> str | None:
    """The field a ValidationFailed names (``details.fields[0].field``), if any."""
    fields = error.details.get("fields") or []
    return fields[0].get("field") if fields else None


def form_refuse(form: forms.BaseForm, error: ApplicationError, *, fields: dict[str, str] | None = None) -> None:
    """Show ``error``'s message under the form field it concerns (``fields`` maps the service's field names to the
    form's when they differ), or above the form."""
    name = error_field(error)
    name = (fields or {}).get(name or "", name)
    form.add_error(name if name in form.fields else None, str(error.message))
