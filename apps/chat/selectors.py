"""Reads of the message store on every chat message, written as SQL (apps/utils/sql_rows.py,
ADR 0020): each is the queryset in its docstring, which `apps/chat/tests/test_selectors.py`
compares it with."""

from __future__ import annotations

from apps.chat.models import ChatMessage
from apps.utils import sql_rows

_RECENT_TURNS = f"""
    SELECT "message_type", "content" FROM {sql_rows.table(ChatMessage)}
    WHERE "chat_id" = %s AND "id" < %s AND "message_type" <> %s
    ORDER BY "id" DESC LIMIT %s
"""


def recent_turns(chat_id: int, before_id: int, limit: int) -> list[tuple[str, str]]:
    """The chat's last `limit` messages before message `before_id` as (message type, text), newest
    first, without system messages: `ChatMessage.objects.filter(chat_id=chat_id, id__lt=before_id)
    .exclude(message_type="system").order_by("-id").values_list("message_type", "content")[:limit]`."""
    rows = sql_rows.fetch(_RECENT_TURNS, [chat_id, before_id, ChatMessage.Type.SYSTEM, limit])
    return [(kind, content) for kind, content in rows]
