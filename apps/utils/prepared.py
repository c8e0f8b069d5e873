"""Querysets compiled to SQL once per process, then run with new parameter values (ADR 0014).

Django builds and compiles a queryset's SQL on every evaluation. For the few statements every chat
message runs (API key, session, history), that costs two to four times the database round trip. A
`PreparedQuery` builds its queryset once with placeholder values of the declared types, compiles it,
notes where each placeholder landed among the SQL parameters, and from then on executes that SQL
with the caller's values. Rows become model instances (or value tuples) through the same compiler
machinery the queryset itself uses (converters, `Model.from_db`, select_related populators), so the
query stays written, and reviewed, as an ordinary queryset.

Supported: querysets of model instances (with select_related and annotations) and `values_list()`.
A queryset shape the helper cannot reproduce (prefetch_related, other iterables, a placeholder
that does not reach the parameters unchanged, such as one wrapped by `__contains`) is refused
when it is first compiled, not answered wrongly."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators

T = TypeVar("T")
_placeholder_ids = itertools.count(1)


class PreparedQueryError(TypeError):
    pass


def _placeholder(kind: type) -> Any:
    """A value of `kind` no real parameter would equal."""
    number = next(_placeholder_ids)
    if kind is int:
        return -(2**62) - number
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is str:
        return f"\x00prepared-query-placeholder-{number}-{uuid.uuid4().hex}"
    raise PreparedQueryError(f"Prepared query parameters can be int, str or uuid.UUID, not {kind.__name__}")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    positions: dict[str, list[int]]  # parameter name -> its indexes in `params`
    compiler: Any  # the SQLCompiler that produced `sql`; reads rows back as the queryset would
    db: str
    iterable: type
    populators: list[Any]  # select_related


class PreparedQuery(Generic[T]):
    """`PreparedQuery(lambda team_id: Model.objects.filter(team_id=team_id)[:10], team_id=int)`;
    then `.all(team_id=3)` or `.first(team_id=3)`. Each call's values are converted to the declared
    types (a malformed UUID string raises ValueError, as a queryset filter would)."""

    def __init__(self, build: Callable[..., QuerySet[Any, T]], **params: type):
        self._build = build
        self._param_types = params
        self._compiled: _Compiled | None = None

    def all(self, **values: Any) -> list[T]:
        compiled = self._compiled or self._compile()
        params = list(compiled.params)
        for name, kind in self._param_types.items():
            value = values[name] if isinstance(values[name], kind) else kind(values[name])
            for index in compiled.positions[name]:
                params[index] = value
        with connections[compiled.db].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        if compiled.iterable is ModelIterable:
            return list(self._instances(compiled, rows))
        tuples = compiled.compiler.results_iter([rows], tuple_expected=True)
        if compiled.iterable is FlatValuesListIterable:
            return [row[0] for row in tuples]
        return list(tuples)

    def first(self, **values: Any) -> T | None:
        rows = self.all(**values)
        return rows[0] if rows else None

    def _compile(self) -> _Compiled:
        placeholders = {name: _placeholder(kind) for name, kind in self._param_types.items()}
        queryset = self._build(**placeholders)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise PreparedQueryError("A prepared query cannot prefetch or carry known related objects")
        iterable = queryset._iterable_class  # type: ignore[attr-defined]
        if iterable not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise PreparedQueryError(f"A prepared query returns instances or values_list() rows, not {iterable}")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        positions = {
            name: [index for index, param in enumerate(params) if type(param) is type(value) and param == value]
            for name, value in placeholders.items()
        }
        missing = [name for name, found in positions.items() if not found]
        if missing:
            raise PreparedQueryError(f"Parameters {missing} do not reach the SQL unchanged; use an ordinary queryset")
        populators = []
        if compiler.klass_info:  # Django 5.2's signature; django-stubs already have Django 6's (`fetch_mode`)
            populators = get_related_populators(compiler.klass_info, compiler.select, queryset.db)  # type: ignore[call-arg]
        self._compiled = _Compiled(sql, tuple(params), positions, compiler, queryset.db, iterable, populators)
        return self._compiled

    @staticmethod
    def _instances(compiled: _Compiled, rows: list[tuple[Any, ...]]):
        compiler = compiled.compiler
        model: type[Model] = compiler.klass_info["model"]
        select_fields = compiler.klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        for row in compiler.results_iter([rows]):
            instance = model.from_db(compiled.db, names, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            for attribute, position in (compiler.annotation_col_map or {}).items():
                setattr(instance, attribute, row[position])
            yield instance
