"""Forms for chatbot pages: create, settings, versions, session filters, chat messages, consent; and
the consent form and source material editors."""

from __future__ import annotations

from django import forms

from apps.experiments import selectors
from apps.experiments.models import ConsentForm, Experiment, ExperimentSession, SourceMaterial
from apps.pipelines.models import Pipeline
from apps.pipelines.nodes.llm_common import prompt_too_long
from apps.pipelines.selectors import working_pipelines
from apps.service_providers.models import LlmProvider, LlmProviderModel, TraceProvider, VoiceProvider
from apps.teams.models import Team

MAX_MESSAGE_LENGTH = 10_000


class SimpleLlmForm(forms.Form):
    """The prompt and model of a simple chatbot (Start → LLM → End): on creation and on its Settings."""

    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="You are a helpful assistant.",
        help_text="The instructions the language model follows.",
    )
    provider = forms.ModelChoiceField(queryset=LlmProvider.objects.none(), empty_label=None, label="AI provider")
    model = forms.ModelChoiceField(queryset=LlmProviderModel.objects.none(), empty_label=None)

    def __init__(self, *args, team: Team, models_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        default_provider, default_model = selectors.default_llm_choice(team)
        self.fields["provider"].queryset = selectors.llm_providers_for(team)  # type: ignore[attr-defined]
        self.fields["provider"].initial = default_provider
        self.fields["model"].initial = default_model
        # The model list follows the provider: only that provider type's models are offered and accepted.
        provider = self._chosen_provider(team) or default_provider
        self.fields["model"].queryset = selectors.models_for_provider(team, provider)  # type: ignore[attr-defined]
        if models_url:
            self.fields["provider"].widget.attrs.update(
                {"hx-get": models_url, "hx-target": "#id_model", "hx-trigger": "change", "hx-swap": "innerHTML"}
            )

    def clean(self):
        cleaned = super().clean()
        model, prompt = cleaned.get("model"), cleaned.get("prompt")
        if model is not None and prompt:
            too_long = prompt_too_long(prompt, model.max_token_limit)
            if too_long:
                self.add_error("prompt", too_long)
        return cleaned

    def _chosen_provider(self, team: Team) -> LlmProvider | None:
        # Unbound on a chatbot's Settings, the initial provider is the LLM node's: offer its models.
        raw = self.data.get("provider") if self.is_bound else self.initial.get("provider")
        if not raw or not str(raw).isdigit():
            return None
        return selectors.llm_providers_for(team).filter(pk=int(raw)).first()


class SimpleChatbotForm(SimpleLlmForm):
    name = forms.CharField(max_length=200)
    field_order = ["name", "prompt", "provider", "model"]


class ChatbotFromPipelineForm(forms.Form):
    name = forms.CharField(max_length=200)
    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.none(), empty_label=None)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = working_pipelines(team).order_by("name")  # type: ignore[attr-defined]


class AllowlistField(forms.CharField):
    """Identifiers one per line in the form; a list in the model."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ChatbotSettingsForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    seed_message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=str(Experiment._meta.get_field("seed_message").help_text),
    )
    consent_form = forms.ModelChoiceField(
        queryset=ConsentForm.objects.none(), required=False, empty_label="No consent form"
    )
    source_material = forms.ModelChoiceField(
        queryset=SourceMaterial.objects.none(), required=False, empty_label="No source material"
    )
    participant_allowlist = AllowlistField(
        required=False,
        label="Participant allow-list",
        help_text="One identifier (email, phone number, …) per line. Leave empty to let anyone chat.",
    )
    file_uploads_enabled = forms.BooleanField(
        required=False,
        label="Participants may upload files",
        help_text="Like every other setting, participants get it from the version they talk to: a session's "
        "pinned version, else the published version, else this working copy. Publish a version to change it "
        "for them.",
    )
    voice_provider = forms.ModelChoiceField(
        queryset=VoiceProvider.objects.none(),
        required=False,
        empty_label="No voice",
        help_text="Speaks the bot's replies on channels that support voice.",
    )
    synthetic_voice = forms.CharField(
        max_length=200,
        required=False,
        label="Voice",
        help_text="The voice name or id at the voice provider, e.g. “alloy” for OpenAI or an ElevenLabs voice id. "
        "Leave empty for the provider's default.",
    )
    trace_provider = forms.ModelChoiceField(
        queryset=TraceProvider.objects.none(),
        required=False,
        empty_label="No external tracing",
        help_text="Every reply's trace is also sent here (e.g. Langfuse). Built-in traces are always kept.",
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_form"].queryset = selectors.consent_forms_for(team)  # type: ignore[attr-defined]
        self.fields["source_material"].queryset = selectors.source_materials_for(team)  # type: ignore[attr-defined]
        self.fields["voice_provider"].queryset = selectors.voice_providers_for(team)  # type: ignore[attr-defined]
        self.fields["trace_provider"].queryset = selectors.trace_providers_for(team)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, chatbot: Experiment) -> dict:
        return {name: getattr(chatbot, name) for name in cls.base_fields}


class VersionCreateForm(forms.Form):
    description = forms.CharField(max_length=500, required=False)
    publish = forms.BooleanField(required=False, label="Publish this version")


class SessionFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ExperimentSession.Status.choices], required=False)
    participant = forms.CharField(max_length=320, required=False, label="Participant")


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=0)
    b = forms.IntegerField(min_value=0)


class ChatMessageForm(forms.Form):
    """One message sent from the chat page; `message_id` is the client's retry key. With `seed`, the
    chatbot's seed message is sent instead (unseen), when a conversation opens."""

    message = forms.CharField(max_length=MAX_MESSAGE_LENGTH, strip=True, required=False)
    message_id = forms.CharField(max_length=100)
    seed = forms.BooleanField(required=False)
    # Comma-separated ids of files uploaded to the session first (apps.files), when uploads are on.
    attachment_ids = forms.CharField(max_length=1000, required=False)

    def clean_attachment_ids(self) -> list[int]:
        raw = self.cleaned_data.get("attachment_ids") or ""
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError("Not a list of file ids.") from None

    def clean(self):
        data = super().clean() or {}
        if not data.get("seed") and not data.get("message"):
            raise forms.ValidationError(f"Type a message (at most {MAX_MESSAGE_LENGTH:,} characters).")
        return data


class StartChatForm(forms.Form):
    version = forms.IntegerField(min_value=0, required=False)


class PublicStartForm(forms.Form):
    """What a visitor of the public link fills in: the identifier (when the consent form asks for
    one) and agreement to the consent text."""

    identifier = forms.CharField(max_length=320)
    agree = forms.BooleanField(required=True)

    def __init__(self, *args, consent: ConsentForm | None, **kwargs):
        super().__init__(*args, **kwargs)
        if consent is None:
            del self.fields["agree"]
            del self.fields["identifier"]
            return
        self.fields["agree"].label = consent.confirmation_text
        if not consent.capture_identifier:
            del self.fields["identifier"]
        elif consent.identifier_type == "email":
            self.fields["identifier"] = forms.EmailField(max_length=320, label=consent.identifier_label)
        else:
            self.fields["identifier"].label = consent.identifier_label


class ConsentFormForm(forms.ModelForm):
    class Meta:
        model = ConsentForm
        fields = [
            "name",
            "consent_text",
            "confirmation_text",
            "capture_identifier",
            "identifier_label",
            "identifier_type",
        ]
        widgets = {"consent_text": forms.Textarea(attrs={"rows": 8})}
        labels = {"confirmation_text": "Agreement checkbox label", "identifier_type": "Identifier kind"}
        help_texts = {
            "consent_text": "Shown before a web chat starts. Markdown: **bold**, lists, [links](https://…).",
            "identifier_label": "The label of the identifier field, e.g. “Email address” or “Your name”.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identifier_label"].required = False

    def clean(self):
        data = super().clean() or {}
        if data.get("capture_identifier") and not (data.get("identifier_label") or "").strip():
            self.add_error("identifier_label", "Give the identifier field a label, or stop asking for one.")
        elif not (data.get("identifier_label") or "").strip():
            data["identifier_label"] = ConsentForm._meta.get_field("identifier_label").get_default()
        return data


class SourceMaterialForm(forms.ModelForm):
    class Meta:
        model = SourceMaterial
        fields = ["topic", "description", "material"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "material": forms.Textarea(attrs={"rows": 12})}
