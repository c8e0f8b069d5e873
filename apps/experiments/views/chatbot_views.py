"""Chatbot pages: list, create (simple or from a pipeline), sessions and transcripts (and their
download), settings, sharing, archive."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.channels import selectors as channel_selectors
from apps.channels.models import ExperimentChannel
from apps.experiments import actions, selectors, transcripts
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.forms import (
    ChatbotFromPipelineForm,
    ChatbotSettingsForm,
    SessionFilterForm,
    SimpleChatbotForm,
    SimpleLlmForm,
)
from apps.experiments.models import ExperimentSession
from apps.experiments.views.common import chatbot_context, chatbot_or_404
from apps.pipelines import selectors as pipeline_selectors
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404
from apps.utils.site import absolute_url, site_url

SESSIONS_PER_PAGE = 50
# The published widget's entry module; it imports its other files relative to its own URL.
WIDGET_SCRIPT = "vendor/open-chat-studio-widget/open-chat-studio-widget.esm.js"


@team_permission_required("experiments.view_experiment")
def chatbot_list(request, team_slug: str):
    context = {
        "chatbots": selectors.chatbots_for(request.team),
        "can_add": request.team_membership.has_perm("experiments.add_experiment"),
    }
    return render(request, "experiments/chatbot_list.html", context)


@team_permission_required("experiments.add_experiment")
def chatbot_new(request, team_slug: str):
    models_url = reverse("chatbots:model_options", kwargs={"team_slug": team_slug})
    form = SimpleChatbotForm(request.POST or None, team=request.team, models_url=models_url)
    if request.method == "POST" and form.is_valid():
        try:
            chatbot = actions.create_simple_chatbot(team=request.team, **form.cleaned_data)
        except ChatbotActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Chatbot “{chatbot.name}” created.")
            return redirect("chatbots:detail", team_slug=team_slug, pk=chatbot.pk)
    return _render_new(request, form, ChatbotFromPipelineForm(team=request.team))


@team_permission_required("experiments.add_experiment")
@require_POST
def chatbot_new_from_pipeline(request, team_slug: str):
    form = ChatbotFromPipelineForm(request.POST, team=request.team)
    if form.is_valid():
        try:
            chatbot = actions.create_chatbot(team=request.team, **form.cleaned_data)
        except ChatbotActionError as error:
            form.add_error("pipeline", str(error))
        else:
            messages.success(request, f"Chatbot “{chatbot.name}” created.")
            return redirect("chatbots:detail", team_slug=team_slug, pk=chatbot.pk)
    models_url = reverse("chatbots:model_options", kwargs={"team_slug": team_slug})
    return _render_new(request, SimpleChatbotForm(team=request.team, models_url=models_url), form)


def _render_new(request, simple_form, pipeline_form):
    context = {
        "simple_form": simple_form,
        "pipeline_form": pipeline_form,
        "has_providers": selectors.llm_providers_for(request.team).exists(),
    }
    status = 400 if simple_form.errors or pipeline_form.errors else 200
    return render(request, "experiments/chatbot_new.html", context, status=status)


@team_permission_required("experiments.add_experiment")
def model_options(request, team_slug: str):
    """The <option>s of the model select for the chosen provider (swapped in by htmx)."""
    form = SimpleChatbotForm(request.GET, team=request.team)
    return render(request, "experiments/model_options.html", {"field": form["model"]})


@team_permission_required("experiments.view_experiment")
def chatbot_detail(request, team_slug: str, pk: int):
    """The Sessions tab: every conversation with this chatbot, filtered by status or participant."""
    chatbot = chatbot_or_404(request, pk)
    filters = SessionFilterForm(request.GET)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    sessions = selectors.sessions_for(
        chatbot, status=criteria.get("status", ""), participant=criteria.get("participant", "")
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **chatbot_context(request, chatbot, "sessions"),
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "experiments/sessions.html", context)


@team_permission_required("experiments.view_experiment", "chat.view_chatmessage")
def session_transcript(request, team_slug: str, pk: int, session_id):
    chatbot = chatbot_or_404(request, pk)
    session = get_team_object_or_404(
        ExperimentSession.objects.select_related("participant"), request.team, experiment=chatbot, public_id=session_id
    )
    context = {
        **chatbot_context(request, chatbot, "sessions"),
        "session": session,
        "messages_": selectors.transcript(session),
    }
    return render(request, "experiments/transcript.html", context)


@team_permission_required("experiments.view_experiment", "chat.view_chatmessage")
def session_transcript_download(request, team_slug: str, pk: int, session_id):
    """The transcript as a file: markdown (default) or CSV (`?format=csv`)."""
    chatbot = chatbot_or_404(request, pk)
    session = get_team_object_or_404(
        ExperimentSession.objects.select_related("participant", "experiment"),
        request.team,
        experiment=chatbot,
        public_id=session_id,
    )
    fmt = request.GET.get("format", "md")
    if fmt not in transcripts.FORMATS:
        raise Http404("Unknown transcript format")
    messages_ = selectors.transcript(session)
    body = transcripts.as_csv(session, messages_) if fmt == "csv" else transcripts.as_markdown(session, messages_)
    response = HttpResponse(body, content_type=transcripts.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{transcripts.filename(session, fmt)}"'
    return response


@team_permission_required("experiments.change_experiment")
def chatbot_settings(request, team_slug: str, pk: int):
    chatbot = chatbot_or_404(request, pk)
    form = ChatbotSettingsForm(
        request.POST or None, team=request.team, initial=ChatbotSettingsForm.initial_for(chatbot)
    )
    llm_form = _simple_llm_form(request, chatbot)
    if request.method == "POST" and form.is_valid() and (llm_form is None or llm_form.is_valid()):
        llm = (
            None if llm_form is None else tuple(llm_form.cleaned_data[name] for name in ("prompt", "provider", "model"))
        )
        try:
            actions.update_chatbot(experiment=chatbot, llm=llm, **form.cleaned_data)  # type: ignore[arg-type]
        except ChatbotActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Settings saved.")
            return redirect("chatbots:settings", team_slug=team_slug, pk=chatbot.pk)
    errors = form.errors or (llm_form is not None and llm_form.errors)
    context = {**chatbot_context(request, chatbot, "settings"), "form": form, "llm_form": llm_form}
    return render(request, "experiments/settings.html", context, status=400 if errors else 200)


def _simple_llm_form(request, chatbot) -> SimpleLlmForm | None:
    """The prompt, provider and model fields when the chatbot is Start → LLM → End; else None (the
    page links to the builder)."""
    node = pipeline_selectors.simple_llm_node(chatbot.pipeline)
    if node is None:
        return None
    params = node.get("params") or {}
    initial = {
        "prompt": params.get("prompt"),
        "provider": params.get("llm_provider_id"),
        "model": params.get("llm_model_id"),
    }
    models_url = reverse("chatbots:model_options", kwargs={"team_slug": request.team.slug})
    return SimpleLlmForm(request.POST or None, team=request.team, models_url=models_url, initial=initial)


@team_permission_required("experiments.view_experiment")
def chatbot_share(request, team_slug: str, pk: int):
    chatbot = chatbot_or_404(request, pk)
    public_url = absolute_url(reverse("public_chat:chat", kwargs={"public_id": chatbot.public_id}), request)
    can_change_channels = request.team_membership.has_perm("channels.change_experimentchannel")
    context = {
        **chatbot_context(request, chatbot, "share"),
        "public_url": public_url,
        "site_url": site_url(request),
        # The pinned widget bundle this server serves (package.json, `npm run vendor-widget`), whole URL
        # because the snippet runs on another site.
        "widget_script_url": absolute_url(static(WIDGET_SCRIPT), request),
        "widget_channels": channel_selectors.widget_channels(chatbot),
        # The identity secret signs participant ids: only those who manage channels see it.
        "show_identity_secret": can_change_channels,
        "can_change_channels": can_change_channels,
        "auth_levels": ExperimentChannel.AuthLevel.choices,
        # The widget talks to the served version: attachments only if that version takes files.
        "allow_attachments": selectors.serving_version(chatbot).file_uploads_enabled,
    }
    return render(request, "experiments/share.html", context)


@team_permission_required("experiments.delete_experiment")
@require_POST
def chatbot_archive(request, team_slug: str, pk: int):
    chatbot = chatbot_or_404(request, pk)
    actions.archive_chatbot(experiment=chatbot)
    messages.success(request, f"Chatbot “{chatbot.name}” archived.")
    return redirect("chatbots:list", team_slug=team_slug)
