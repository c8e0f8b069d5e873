"""`{% icon "name" %}`: a Lucide icon (the `lucide` package, the set the builder's `lucide-react` draws
from), inlined as SVG so it needs no request, no script and no CDN. Decorative by default: the text
beside it, or the control's label, names it."""

from django import template
from lucide.templatetags.lucide import lucide

register = template.Library()


@register.simple_tag
def icon(name: str, size: int = 16, css_class: str = "", **attributes: object) -> str:
    attributes.setdefault("aria_hidden", "true")
    attributes["class"] = f"lucide lucide-{name} shrink-0 {css_class}".strip()
    return lucide(name, size=size, **attributes)
