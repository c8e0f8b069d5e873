"""Writes to the message store that the reply path makes in one statement (ADR 0020)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

from apps.chat.models import ChatMessage
from apps.utils import sql_rows


def insert_reply_and_touch(reply: ChatMessage, session: Model, fields: list[str]) -> ChatMessage:
    """Insert the unsaved `reply` and write `session`'s `fields` (its activity times) as ONE
    statement: `WITH touched AS (UPDATE …) INSERT …`. PostgreSQL runs a data-modifying WITH with its
    main statement, so this is one round trip and one commit (a WAL flush) instead of two, and both
    rows are written or neither. Values are prepared by each field as `save()` prepares them; no
    model signals are sent (chat messages have none). Returns the stored reply, as saved (with its
    id and creation time)."""
    if reply.pk is not None:
        raise ValueError("insert_reply_and_touch inserts a new message")
    session_model = type(session)
    assignments, update_values = [], []
    for name in fields:
        field = session_model._meta.get_field(name)
        assignments.append(f'"{field.column}" = %s')
        update_values.append(field.get_db_prep_save(getattr(session, field.attname), connection))
    columns, insert_values = sql_rows.saved_values(reply)
    session_key = f'"{session_model._meta.pk.column}"'
    sql = (
        f"WITH touched AS (UPDATE {sql_rows.table(session_model)} SET {', '.join(assignments)} "
        f"WHERE {session_key} = %s) "
        f"INSERT INTO {sql_rows.table(ChatMessage)} ({', '.join(columns)}) "
        f'VALUES ({", ".join(["%s"] * len(columns))}) RETURNING "id"'
    )
    [(reply_id,)] = sql_rows.fetch(sql, [*update_values, session.pk, *insert_values])
    reply.pk = reply_id
    stored = sql_rows.loaded(reply)
    if reply.reply_to_id is not None:
        stored.reply_to = reply.reply_to  # already loaded by the caller: no query
    return stored
