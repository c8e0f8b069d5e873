"""Forms for the participant pages: the list filters and the participant data editor."""

from __future__ import annotations

import json

from django import forms

from apps.utils import storable


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(max_length=320, required=False, label="Search")
    platform = forms.CharField(max_length=40, required=False)


class ParticipantDataForm(forms.Form):
    """A participant's data for one chatbot, edited as a JSON object."""

    participant_data = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-mono", "spellcheck": "false"}),
        required=False,
        label="Participant data (JSON)",
        help_text='A JSON object, e.g. {"name": "Ama", "language": "en"}. Pipelines read and update it.',
    )

    @staticmethod
    def dump(data: dict) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False)

    def clean_participant_data(self) -> dict:
        text = (self.cleaned_data.get("participant_data") or "").strip()
        if not text:
            return {}
        try:
            value = storable.loads(text)
        except storable.Unstorable as error:
            raise storable.form_error(error) from None
        except ValueError as error:
            raise forms.ValidationError(f"This is not valid JSON: {error}.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Participant data must be a JSON object: {…}, not a list or a single value.")
        return value
