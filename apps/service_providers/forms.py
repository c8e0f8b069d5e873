"""Forms derived from a provider type's pydantic settings model, validated by that same model."""

from __future__ import annotations

import re
import types
import typing
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from apps.service_providers.actions import merge_secrets
from apps.service_providers.llm.base import KNOWN_PARAMETERS
from apps.service_providers.models import LlmProviderModel

KEEP_SECRET_HELP = "Leave empty to keep the current value."
URL_SETTING = re.compile(r"(^|_)(url|endpoint)($|_)")
REENTER_SECRET_ERROR = "Enter the key again to connect to a new address."


def url_problem(value: str) -> str | None:
    """Why `value` is not a usable http(s) URL, or None."""
    example = "Enter a full address starting with http:// or https://, e.g. https://api.example.com/v1"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return f"This is not a valid URL. {example}."
    if parts.scheme.lower() not in ("http", "https"):
        return f"This is not an http(s) URL. {example}."
    if not parts.hostname or any(character.isspace() for character in value):
        return f"This URL has no valid host name. {example}."
    return None


def _same_address(old: Any, new: Any) -> bool:
    """Blank and None are the same (the vendor default); a trailing slash changes nothing."""
    return str(old or "").strip().rstrip("/").lower() == str(new or "").strip().rstrip("/").lower()


def _base_annotation(annotation: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) for `X | None` and plain `X`."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [member for member in typing.get_args(annotation) if member is not type(None)]
        return members[0], len(members) < len(typing.get_args(annotation))
    return annotation, False


def _form_field(name: str, field_info: FieldInfo, *, secret_is_stored: bool) -> forms.Field:
    annotation, optional = _base_annotation(field_info.annotation)
    has_default = field_info.default is not PydanticUndefined
    label = field_info.title or name.replace("_", " ").capitalize()
    help_text = field_info.description or ""
    required = not optional and not has_default
    if annotation is SecretStr:
        if secret_is_stored:
            help_text = f"{help_text} {KEEP_SECRET_HELP}".strip()
        # render_value=False: a saved secret is never sent back to the browser.
        return forms.CharField(
            label=label,
            help_text=help_text,
            required=required and not secret_is_stored,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        )
    if typing.get_origin(annotation) is Literal:
        choices = [(value, value) for value in typing.get_args(annotation)]
        return forms.ChoiceField(label=label, help_text=help_text, required=required, choices=choices)
    if annotation is bool:
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if annotation is int:
        return forms.IntegerField(label=label, help_text=help_text, required=required)
    if annotation is float:
        return forms.FloatField(label=label, help_text=help_text, required=required)
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=2000)


class ProviderForm(forms.Form):
    """Name plus the type's settings. `clean()` runs the pydantic model; its errors land on the fields."""

    name = forms.CharField(max_length=100)

    def __init__(
        self, *args: Any, provider_type: Any, stored_config: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        self.provider_type = provider_type
        self.stored_config = stored_config or {}
        settings_model = provider_type.settings_model
        initial = kwargs.pop("initial", {}) or {}
        for name, field_info in settings_model.model_fields.items():
            if name in self.stored_config and name not in settings_model.secret_field_names():
                initial.setdefault(name, self.stored_config[name])
            elif field_info.default not in (PydanticUndefined, None):
                initial.setdefault(name, field_info.default)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for name, field_info in settings_model.model_fields.items():
            self.fields[name] = _form_field(name, field_info, secret_is_stored=bool(self.stored_config.get(name)))
        self.settings: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        settings_model = self.provider_type.settings_model
        submitted = {
            name: cleaned.get(name)
            for name in settings_model.model_fields
            if cleaned.get(name) not in (None, "") or settings_model.model_fields[name].annotation is bool
        }
        self._check_urls(submitted)
        self._require_secrets_for_a_new_address(submitted)
        try:
            self.settings = settings_model.model_validate(merge_secrets(settings_model, submitted, self.stored_config))
        except ValidationError as error:
            for problem in error.errors():
                field = str(problem["loc"][0]) if problem["loc"] else None
                message = problem["msg"].removeprefix("Value error, ")
                if problem["type"] == "string_pattern_mismatch":
                    message = "This doesn't look right for this field."
                if field in self.errors:
                    continue  # the form field already said what is wrong
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    def _check_urls(self, submitted: dict[str, Any]) -> None:
        """A base URL or endpoint is an http(s) URL with a host, else a field error (not a failure
        at the first chat)."""
        for name in self.provider_type.settings_model.address_field_names():
            value = submitted.get(name)
            if not (name in self.fields and URL_SETTING.search(name) and isinstance(value, str) and value):
                continue
            if (problem := url_problem(value)) is not None:
                self.add_error(name, problem)

    def _require_secrets_for_a_new_address(self, submitted: dict[str, Any]) -> None:
        """A kept secret would otherwise follow a changed address to whatever host it now names."""
        settings_model = self.provider_type.settings_model
        moved = [
            name
            for name in settings_model.address_field_names()
            if name in self.fields and not _same_address(self.stored_config.get(name), submitted.get(name))
        ]
        if not moved:
            return
        for name in settings_model.secret_field_names():
            if self.stored_config.get(name) and not submitted.get(name) and name not in self.errors:
                self.add_error(name, REENTER_SECRET_ERROR)


if TYPE_CHECKING:
    LlmModelForm = forms.ModelForm[LlmProviderModel]
else:
    LlmModelForm = forms.ModelForm  # generic in django-stubs only


class TeamModelForm(LlmModelForm):
    parameters = forms.MultipleChoiceField(
        choices=[(name, name.replace("_", " ")) for name in KNOWN_PARAMETERS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Parameters the model accepts; others are not sent.",
    )

    class Meta:
        model = LlmProviderModel
        fields = [
            "type",
            "name",
            "max_token_limit",
            "max_output_tokens",
            "parameters",
            "supports_tools",
            "supports_structured_output",
            "supports_vision",
            "input_price_per_million",
            "output_price_per_million",
            "deprecated",
        ]
        labels = {
            "type": "Provider type",
            "max_token_limit": "Context window (tokens)",
            "input_price_per_million": "Input price (USD per million tokens)",
            "output_price_per_million": "Output price (USD per million tokens)",
        }

    def __init__(self, *args: Any, type_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"] = forms.ChoiceField(choices=type_choices, label="Provider type")
        self.fields["max_token_limit"].validators.append(MinValueValidator(1))


class TestConnectionForm(forms.Form):
    model = forms.ModelChoiceField(queryset=LlmProviderModel.objects.none(), required=False)
    model_name = forms.CharField(
        required=False,
        max_length=200,
        label="Or type a model name",
        help_text="As the provider's API names it (e.g. llama3.2 on Ollama); used instead of the list when given.",
    )

    def chosen_model(self) -> LlmProviderModel | str | None:
        """The typed name, else the model chosen in the list (None: the default)."""
        return self.cleaned_data.get("model_name") or self.cleaned_data.get("model")

    def __init__(self, *args: Any, models_queryset: QuerySet[LlmProviderModel] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if models_queryset is not None:
            field = self.fields["model"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = models_queryset
