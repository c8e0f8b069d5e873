"""The public link of a chatbot (`/c/<public_id>/`): anyone with the link may chat, no account.

The chatbot's public id is the capability; the consent form (if any) comes first. A visitor is the
identifier they give, or an anonymous id kept in their Django session; a typed identifier reaches an
existing participant only when this browser created it or the signed-in user owns it (see
sessions.start_public_chat), so typing someone's email does not reach their data. The sessions they start
are remembered in that Django session: the streaming endpoint only accepts those, so a stranger who
learns a session id cannot type into it. Replies come from the published version."""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.experiments import selectors, sessions
from apps.experiments.exceptions import ChatbotActionError
from apps.experiments.forms import ChatMessageForm, PublicStartForm
from apps.experiments.models import Experiment, ExperimentSession
from apps.experiments.selectors import serving_version
from apps.experiments.streaming import error_response, reply_response
from apps.files.exceptions import AttachmentError
from apps.files.web import form_attachments, upload_response

SESSIONS_KEY = "public_chat_sessions"  # {chatbot public id: session public id}
ANONYMOUS_KEY = "public_chat_participant"
PARTICIPANTS_KEY = "public_chat_owned_participants"  # pks of the participants this browser created
MAX_OWNED_PARTICIPANTS = 50


def _chatbot_or_404(public_id) -> Experiment:
    return get_object_or_404(
        Experiment.objects.select_related("team"), public_id=public_id, working_version__isnull=True, is_archived=False
    )


def _remembered_session(request, chatbot: Experiment) -> ExperimentSession | None:
    session_id = request.session.get(SESSIONS_KEY, {}).get(str(chatbot.public_id))
    if not session_id:
        return None
    return ExperimentSession.objects.filter(team=chatbot.team, experiment=chatbot, public_id=session_id).first()


def _remember(request, chatbot: Experiment, session: ExperimentSession) -> None:
    remembered = dict(request.session.get(SESSIONS_KEY, {}))
    remembered[str(chatbot.public_id)] = str(session.public_id)
    request.session[SESSIONS_KEY] = remembered


def _anonymous_id(request) -> str:
    if not request.session.get(ANONYMOUS_KEY):
        request.session[ANONYMOUS_KEY] = f"anonymous-{uuid.uuid4().hex}"
    return request.session[ANONYMOUS_KEY]


def public_chat(request, public_id):
    chatbot = _chatbot_or_404(public_id)
    session = None if request.GET.get("new") else _remembered_session(request, chatbot)
    if session is None:
        consent = serving_version(chatbot).consent_form
        return _render_start(request, chatbot, PublicStartForm(consent=consent), consent)
    history = selectors.transcript(session)
    context = {
        "chatbot": chatbot,
        "session": session,
        "history": history,
        "send_seed": bool(serving_version(chatbot).seed_message) and not history.exists(),
        "stream_url": reverse("public_chat:stream", kwargs={"public_id": public_id, "session_id": session.public_id}),
        "new_chat_url": reverse("public_chat:chat", kwargs={"public_id": public_id}) + "?new=1",
        "upload_url": reverse("public_chat:upload", kwargs={"public_id": public_id, "session_id": session.public_id})
        if selectors.served_version(session).file_uploads_enabled
        else "",
    }
    return render(request, "experiments/public/chat.html", context)


@require_POST
def public_start(request, public_id):
    chatbot = _chatbot_or_404(public_id)
    consent = serving_version(chatbot).consent_form
    form = PublicStartForm(request.POST, consent=consent)
    if form.is_valid():
        typed = form.cleaned_data.get("identifier")
        owned = request.session.get(PARTICIPANTS_KEY, [])
        try:
            session = sessions.start_public_chat(
                experiment=chatbot,
                identifier=typed or _anonymous_id(request),
                owned=owned,
                user=request.user,
                browser_identifier=not typed,
            )
        except ChatbotActionError as error:
            form.add_error(None, str(error))
        else:
            _remember(request, chatbot, session)
            if session.participant_id not in owned:
                request.session[PARTICIPANTS_KEY] = [*owned, session.participant_id][-MAX_OWNED_PARTICIPANTS:]
            return redirect("public_chat:chat", public_id=public_id)
    return _render_start(request, chatbot, form, consent, status=400)


def _render_start(request, chatbot: Experiment, form: PublicStartForm, consent, status: int = 200):
    context = {"chatbot": chatbot, "form": form, "consent": consent}
    return render(request, "experiments/public/start.html", context, status=status)


def _stream_target(public_id, session_id) -> tuple[ExperimentSession, str]:
    chatbot = _chatbot_or_404(public_id)
    session = get_object_or_404(
        ExperimentSession.objects.select_related("participant"),
        team=chatbot.team,
        experiment=chatbot,
        public_id=session_id,
    )
    return session, serving_version(chatbot).seed_message


@require_POST
async def public_chat_stream(request, public_id, session_id):
    remembered = await request.session.aget(SESSIONS_KEY, {})
    if remembered.get(str(public_id)) != str(session_id):
        raise Http404("No such conversation in this browser")
    session, seed_message = await sync_to_async(_stream_target)(public_id, session_id)
    form = ChatMessageForm(request.POST)
    try:
        attachments = await sync_to_async(form_attachments)(session, form)
    except AttachmentError as error:
        return error_response(error.message)
    # version=None: the bot runtime answers with the published version (or the working copy).
    return reply_response(session, form, version=None, seed_message=seed_message, attachments=attachments)


@require_POST
def public_chat_upload(request, public_id, session_id):
    """Files for the visitor's next message, in one of the conversations this browser started."""
    if request.session.get(SESSIONS_KEY, {}).get(str(public_id)) != str(session_id):
        raise Http404("No such conversation in this browser")
    session, _ = _stream_target(public_id, session_id)
    return upload_response(request, session)
