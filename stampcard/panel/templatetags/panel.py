"""Template helpers of the panel: icons from the bundled sprite, form fields with their labels and errors, the menu."""

from django import forms, template
from django.templatetags.static import static
from django.utils.html import format_html

from stampcard.panel.navigation import MenuItem, menu_for

register = template.Library()


@register.simple_tag
def icon(name: str, label: str = "") -> str:
    """An inline SVG icon; decorative unless ``label`` names it for screen readers."""
    href = f"{static('panel/dist/icons.svg')}#{name}"
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href)
    return format_html('<svg class="icon" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href)


@register.inclusion_tag("panel/_field.html")
def field(bound: forms.BoundField, help: str = "") -> dict[str, object]:
    """A form field with its visible label, help text and errors, the way every panel form shows them."""
    widget = bound.field.widget
    return {
        "field": bound,
        "help": help or bound.help_text,
        "is_check": isinstance(widget, forms.CheckboxInput),
        "is_choices": isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect),
    }


@register.simple_tag(takes_context=True)
def panel_menu(context: template.Context) -> list[MenuItem]:
    request = context["request"]
    panel = getattr(request, "panel", None)
    if panel is None:
        return []
    match = request.resolver_match
    current = f"{match.namespace}:{match.url_name}" if match and match.namespace else ""
    return menu_for(role=panel.role, current_url_name=current)
