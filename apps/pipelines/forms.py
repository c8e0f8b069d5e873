from django import forms

from apps.utils import storable

MAX_IMPORT_BYTES = 2_000_000


class PipelineCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PipelineImportForm(forms.Form):
    file = forms.FileField(help_text="A pipeline exported from this platform (.json)")
    name = forms.CharField(max_length=200, required=False, help_text="Leave empty to keep the exported name")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB")
        try:
            return storable.loads(upload.read())
        except storable.Unstorable as error:
            raise storable.form_error(error) from None
        except ValueError as error:
            raise forms.ValidationError(f"The file is not JSON: {error}") from error


class TestRunForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000)
    participant_data = storable.JSONFormField(required=False, initial=dict, help_text="A JSON object (optional)")

    def clean_participant_data(self):
        data = self.cleaned_data.get("participant_data") or {}
        if not isinstance(data, dict):
            raise forms.ValidationError("Participant data must be a JSON object")
        return data


class VersionForm(forms.Form):
    description = forms.CharField(max_length=500, required=False)
