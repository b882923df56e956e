"""A service's typed refusal shown on the form that caused it: under the field it names, else above the form."""

from django import forms

from stampcard.core.errors import ApplicationError


def refusal_field(error: ApplicationError) -> str | None:
    """The first field a refusal names (``details.fields[0].field``), if any."""
    fields = error.details.get("fields") or []
    return fields[0].get("field") if fields else None


def refusal_to_form(form: forms.BaseForm, error: ApplicationError, *, fields: dict[str, str] | None = None) -> None:
    """Put ``error``'s message under the first field it names that the form has (``fields`` maps the service's field
    names to the form's where they differ), or at the top of the form."""
    for named in error.details.get("fields") or ():
        target = (fields or {}).get(named["field"], named["field"])
        if target in form.fields:
            form.add_error(target, str(error.message))
            return
    form.add_error(None, str(error.message))
