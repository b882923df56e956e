"""What the organisation pages share: the tenant door's NotFound as a 404, a service's refusal as a form error."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.http import Http404, HttpRequest

from stampcard.core.errors import ApplicationError, NotFound
from stampcard.panel.access import PanelContext

T = TypeVar("T")


def panel_of(request: HttpRequest) -> PanelContext:
    return request.panel  # type: ignore[attr-defined]


def found(fetch: Callable[[], T]) -> T:
    """Fetch through a tenant door; another merchant's id (or a made-up one) is a 404 page."""
    try:
        return fetch()
    except NotFound:
        raise Http404() from None


def refusal_to_form(form: forms.Form, error: ApplicationError, *, fields: dict[str, str] | None = None) -> None:
    """Show a service's typed refusal on the form: under the field it names (``details.fields``, or ``fields``
    mapping a service field name to the form's), else at the top."""
    named = [f["field"] for f in error.details.get("fields", ())]
    for name in named:
        target = (fields or {}).get(name, name)
        if target in form.fields:
            form.add_error(target, str(error.message))
            return
    form.add_error(None, str(error.message))
