"""Transcript downloads: a session's messages (as a person reads them) as markdown or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.text import slugify

from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession

FORMATS = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}
CSV_COLUMNS = ["created_at", "role", "sender", "content", "tags", "trace_id"]
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _timestamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else ""


def _sender(session: ExperimentSession, message: ChatMessage) -> str:
    if message.message_type == ChatMessage.Type.HUMAN:
        return session.participant.identifier
    version = (message.metadata or {}).get("version")
    return f"{session.experiment.name} v{version}" if version else session.experiment.name


def filename(session: ExperimentSession, fmt: str) -> str:
    name = slugify(session.experiment.name) or "chatbot"
    return f"transcript-{name}-{session.public_id}.{fmt}"


def as_markdown(session: ExperimentSession, messages: Iterable[ChatMessage]) -> str:
    participant = session.participant
    lines = [
        f"# Transcript: {session.experiment.name}",
        "",
        f"- Participant: {participant.identifier} ({session.platform})",
        f"- Session: {session.public_id}",
        f"- Status: {session.get_status_display()}",
        f"- Started: {_timestamp(session.created_at)}",
        "",
    ]
    for message in messages:
        lines += ["---", "", f"**{_sender(session, message)}** · {_timestamp(message.created_at)}", ""]
        lines += [message.content.strip() or "_(empty)_", ""]
        if message.tags:
            lines += ["Tags: " + ", ".join(str(tag) for tag in message.tags), ""]
    return "\n".join(lines)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def as_csv(session: ExperimentSession, messages: Iterable[ChatMessage]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for message in messages:
        writer.writerow(
            [
                timezone.localtime(message.created_at).isoformat(),
                message.message_type,
                _cell(_sender(session, message)),
                _cell(message.content),
                _cell(";".join(str(tag) for tag in message.tags or [])),
                (message.metadata or {}).get("trace_id", ""),
            ]
        )
    return out.getvalue()
