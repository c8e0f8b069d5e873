"""Model instances from hand-written SQL, through Django's public APIs only (ADR 0020).

The few statements every chat message runs (API key, session, history, a reply) cost Django two to
four times their database round trip to build and compile as querysets. Those are written as SQL
by hand in the owning app's selectors, each with a test comparing its result with the equivalent
queryset. This module keeps the hand-written part small and the column handling the ORM's own:
the column list comes from the model's fields (`Model._meta.get_fields()`), values read back go
through each field's `from_db_value` (decryption, JSON) and become instances with `Model.from_db`,
and values written go through `Field.pre_save` and `Field.get_db_prep_save`, as `save()` does.
All of these are documented for custom fields and models; no compiler internals are used."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@functools.cache
def fields_of(model: type[Model]) -> tuple[Field, ...]:
    """The model's columns, in a fixed order: concrete fields, not many-to-many."""
    return tuple(
        field
        for field in model._meta.get_fields()
        if isinstance(field, Field) and field.concrete and not field.many_to_many
    )


def columns(model: type[Model], alias: str) -> str:
    """`alias."col", ...` for every field of `fields_of(model)`: a SELECT list `instance` reads back."""
    return ", ".join(f'{alias}."{field.column}"' for field in fields_of(model))


def table(model: type[Model]) -> str:
    """The model's table name, quoted."""
    return f'"{model._meta.db_table}"'


def width(model: type[Model]) -> int:
    return len(fields_of(model))


def db_value(field: Field, value: Any) -> Any:
    """A value read from `field`'s column as the queryset would give it (decrypted, JSON decoded)."""
    if value is None or not hasattr(field, "from_db_value"):
        return value
    return field.from_db_value(value, None, connection)


def instance(model: type[M], row: Sequence[Any], start: int = 0) -> M:
    """The instance a queryset would give for the columns `columns(model, …)` put at `start` in `row`."""
    fields = fields_of(model)
    values = [db_value(field, row[start + index]) for index, field in enumerate(fields)]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def loaded(instance: M) -> M:
    """`instance` as a saved one (what `from_db` makes), from the values it holds: for a row just
    written by hand, so that a later `save()` updates it."""
    fields = fields_of(type(instance))
    values = [getattr(instance, field.attname) for field in fields]
    return type(instance).from_db(connection.alias, [field.attname for field in fields], values)


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def saved_values(instance: Model) -> tuple[list[str], list[Any]]:
    """For an INSERT of the new `instance`, as `save()` would send it: the columns (all but an unset
    auto primary key) and their values, after each field's `pre_save` (auto_now and the like)."""
    names, values = [], []
    for field in fields_of(type(instance)):
        if field.primary_key and getattr(instance, field.attname) is None:
            continue  # the database's sequence gives it
        if getattr(field, "generated", False):
            continue
        names.append(f'"{field.column}"')
        values.append(field.get_db_prep_save(field.pre_save(instance, True), connection))
    return names, values
