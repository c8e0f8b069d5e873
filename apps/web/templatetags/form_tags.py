from django import forms, template

register = template.Library()


def _css_for(widget: forms.Widget, has_errors: bool) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox checkbox-sm"
    if isinstance(widget, forms.Select):
        return "select w-full" + (" select-error" if has_errors else "")
    if isinstance(widget, forms.Textarea):
        return "textarea w-full" + (" textarea-error" if has_errors else "")
    if isinstance(widget, forms.FileInput):
        return "file-input w-full"
    return "input w-full" + (" input-error" if has_errors else "")


@register.filter
def styled(bound_field: forms.BoundField) -> str:
    """Render a form field's widget with DaisyUI classes; Django still renders values and choices,
    so passwords are never echoed back."""
    widget = bound_field.field.widget
    attrs: dict[str, str | bool] = {"class": _css_for(widget, bool(bound_field.errors))}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field: forms.BoundField) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_list(bound_field: forms.BoundField) -> bool:
    """Checkbox lists and radio buttons: rendered option by option, because Django copies a widget's
    class onto the wrapping element as well as onto each input."""
    return isinstance(bound_field.field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)


@register.filter
def option_css(option: forms.boundfield.BoundWidget) -> str:
    return "radio radio-sm" if option.data["type"] == "radio" else "checkbox checkbox-sm"
