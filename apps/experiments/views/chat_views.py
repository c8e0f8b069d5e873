"""Chatting with a chatbot from its team pages: a web session for the signed-in member, with the
working copy or any version, replies streamed over server-sent events."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.experiments import selectors, sessions
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.forms import ChatMessageForm, StartChatForm
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.streaming import error_response, reply_response
from apps.experiments.views.common import chatbot_or_404, version_or_404
from apps.files.exceptions import AttachmentError
from apps.files.views import READ_PERMISSION as FILE_READ_PERMISSION
from apps.files.web import form_attachments, upload_response
from apps.teams.decorators import team_permission_required
from apps.teams.selectors import get_team_object_or_404

CHAT_PERMISSION = "experiments.change_experiment"


@team_permission_required(CHAT_PERMISSION)
@require_POST
def chat_start(request, team_slug: str, pk: int):
    chatbot = chatbot_or_404(request, pk)
    form = StartChatForm(request.POST)
    number = (form.cleaned_data["version"] or 0) if form.is_valid() else 0
    version_or_404(chatbot, number)
    try:
        # A member trying their own bot has agreed to its terms already.
        session = sessions.start_web_chat(
            experiment=chatbot, identifier=request.user.email, consent_given=True, version_number=number or None
        )
    except ChatbotActionError as error:
        messages.error(request, str(error))
        return redirect("chatbots:detail", team_slug=team_slug, pk=chatbot.pk)
    return redirect("chatbots:chat", team_slug=team_slug, pk=chatbot.pk, session_id=session.public_id)


def _own_web_session(request, chatbot: Experiment, session_id) -> tuple[ExperimentSession, Experiment]:
    """One of the member's own web sessions with this chatbot (a member cannot type into a
    participant's conversation from here), and the version it talks to: the one it is pinned to,
    else the working copy."""
    session = get_team_object_or_404(
        selectors.web_sessions_of_user(chatbot, request.user.email).select_related("participant"),
        request.team,
        public_id=session_id,
    )
    return session, version_or_404(chatbot, session.version_number or 0)


@team_permission_required(CHAT_PERMISSION)
def chat_page(request, team_slug: str, pk: int, session_id):
    chatbot = chatbot_or_404(request, pk)
    session, version = _own_web_session(request, chatbot, session_id)
    stream_url = reverse(
        "chatbots:chat_stream", kwargs={"team_slug": team_slug, "pk": chatbot.pk, "session_id": session.public_id}
    )
    history = selectors.transcript(session)
    context = {
        "chatbot": chatbot,
        "session": session,
        "version": version,
        "history": history,
        "send_seed": bool(version.seed_message) and not history.exists(),
        "stream_url": stream_url,
        "can_read_chats": request.team_membership.has_perm("chat.view_chatmessage"),
        "upload_url": reverse(
            "chatbots:chat_upload", kwargs={"team_slug": team_slug, "pk": chatbot.pk, "session_id": session.public_id}
        )
        if version.file_uploads_enabled
        else "",
        "file_links": request.team_membership.has_perm(FILE_READ_PERMISSION),
    }
    return render(request, "experiments/chat.html", context)


def _stream_target(request, pk: int, session_id) -> tuple[ExperimentSession, Experiment]:
    return _own_web_session(request, chatbot_or_404(request, pk), session_id)


@team_permission_required(CHAT_PERMISSION)
@require_POST
async def chat_stream(request, team_slug: str, pk: int, session_id):
    session, version = await sync_to_async(_stream_target)(request, pk, session_id)
    form = ChatMessageForm(request.POST)
    try:
        attachments = await sync_to_async(form_attachments)(session, form, version)
    except AttachmentError as error:
        return error_response(error.message)
    # The team's own chat page: a failure's details help whoever is building the bot.
    return reply_response(
        session, form, version=version, seed_message=version.seed_message, attachments=attachments, show_details=True
    )


@team_permission_required(CHAT_PERMISSION)
@require_POST
def chat_upload(request, team_slug: str, pk: int, session_id):
    """Files for the member's next message (JSON, like the widget API's upload)."""
    session, version = _own_web_session(request, chatbot_or_404(request, pk), session_id)
    return upload_response(request, session, version)  # the version this page talks to
