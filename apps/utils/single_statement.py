"""An INSERT and an UPDATE sent as one statement (ADR 0014).

A bot reply is stored with the session's activity times. As two autocommitted statements that is
two round trips and two commits, each commit a WAL flush. PostgreSQL runs a data-modifying `WITH`
and its main statement together, in one statement: one round trip, one commit, and both happen or
neither does. Django compiles both halves (`InsertQuery`, `UpdateQuery`), so fields, defaults and
value adaptation are the ORM's own; only the `WITH` that joins them is ours."""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql import InsertQuery, UpdateQuery


def insert_and_update(instance: Model, rows: QuerySet[Any], **values: Any) -> None:
    """Insert the unsaved `instance` (it gets its id, as `save()` would give it) and set `values`
    on `rows`, in one statement. Unlike `save()`, no model signals are sent."""
    model = type(instance)
    meta = model._meta
    if not instance._state.adding or instance.pk is not None:
        raise ValueError("insert_and_update inserts a new instance")
    using = router.db_for_write(model, instance=instance)
    fields = [field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field]
    insert = InsertQuery(model)
    insert.insert_values(fields, [instance])
    insert_compiler = insert.get_compiler(using=using)
    insert_compiler.returning_fields = meta.db_returning_fields
    [(insert_sql, insert_params)] = insert_compiler.as_sql()
    update = rows.query.chain(UpdateQuery)
    assert isinstance(update, UpdateQuery)
    update.add_update_values(values)
    update_sql, update_params = update.get_compiler(using=using).as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(f"WITH updated AS ({update_sql}) {insert_sql}", (*update_params, *insert_params))
        returned = cursor.fetchone()
    for value, field in zip(returned, meta.db_returning_fields, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = using
