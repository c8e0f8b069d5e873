"""Querysets compiled to SQL once per process, then run with new parameter values (ADR 0014).

Django builds and compiles a queryset's SQL on every evaluation. For the few statements every chat
message runs (API key, session, history), that costs two to four times the database round trip. A
`PreparedQuery` builds its queryset once with placeholder values of the declared types, compiles it,
notes where each placeholder landed among the SQL parameters, and from then on executes that SQL
with the caller's values. Rows become model instances (or value tuples) through the same compiler
machinery the queryset itself uses (converters, `Model.from_db`, select_related populators), so the
query stays written, and reviewed, as an ordinary queryset.

Supported: querysets of model instances (with select_related and annotations) and `values_list()`.
A queryset shape the helper cannot reproduce is refused when it is first compiled: prefetching,
other iterables, a parameter that does not reach the SQL unchanged (`__contains` wraps it), and SQL
whose text depends on the values (the queryset is compiled with two sets of placeholders, and both
must give the same SQL with the placeholders in the same places).

The compiler is shared by every thread; each call reads its rows through a copy bound to the
calling thread's connection, as the queryset's own compiler would be."""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators

T = TypeVar("T")
_placeholder_ids = itertools.count(1)
_FIRST_INT_PLACEHOLDER = 1_900_000_000  # fits a 32-bit column: Django drops comparisons that cannot match one


class PreparedQueryError(TypeError):
    pass


def _placeholder(kind: type) -> Any:
    """A value of `kind` no real parameter would equal."""
    number = next(_placeholder_ids)
    if kind is int:
        return _FIRST_INT_PLACEHOLDER + number
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


@dataclass(frozen=True)
class _Draft:
    queryset: Any
    compiler: Any
    sql: str
    params: list[Any]
    positions: dict[str, list[int]]

    def shape(self) -> tuple[str, dict[str, list[int]], list[Any]]:
        """What must not change with the placeholders' values: the SQL, where they land, and every
        other parameter."""
        placed = {index for indexes in self.positions.values() for index in indexes}
        return self.sql, self.positions, [param for index, param in enumerate(self.params) if index not in placed]


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
                # Django may wrap a value for its column (psycopg's Int4 for a 32-bit integer): wrap ours alike.
                wrapper = type(compiled.params[index])
                params[index] = value if wrapper is kind else wrapper(value)
        connection = connections[compiled.db]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection  # converters are handed this thread's connection
        if compiler.has_extra_select:  # columns added for ordering, not returned (as Django trims them)
            rows = [row[: compiler.col_count] for row in rows]
        if compiled.iterable is ModelIterable:
            return list(self._instances(compiled, compiler, rows))
        tuples = compiler.results_iter([rows], tuple_expected=True)
        if compiled.iterable is FlatValuesListIterable:
            return [row[0] for row in tuples]
        return list(tuples)

    def first(self, **values: Any) -> T | None:
        rows = self.all(**values)
        return rows[0] if rows else None

    def _compile(self) -> _Compiled:
        draft = self._draft()
        if draft.shape() != self._draft().shape():
            raise PreparedQueryError("The query's SQL depends on its values; use an ordinary queryset")
        compiler, db = draft.compiler, draft.queryset.db
        populators = []
        if compiler.klass_info:  # Django 5.2's signature; django-stubs already have Django 6's (`fetch_mode`)
            populators = get_related_populators(compiler.klass_info, compiler.select, db)  # type: ignore[call-arg]
        iterable = draft.queryset._iterable_class  # type: ignore[attr-defined]
        self._compiled = _Compiled(draft.sql, tuple(draft.params), draft.positions, compiler, db, iterable, populators)
        return self._compiled

    def _draft(self) -> _Draft:
        """The queryset built with fresh placeholders and compiled."""
        placeholders = {name: _placeholder(kind) for name, kind in self._param_types.items()}
        queryset = self._build(**placeholders)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise PreparedQueryError("A prepared query cannot prefetch or carry known related objects")
        iterable = queryset._iterable_class  # type: ignore[attr-defined]
        if iterable not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise PreparedQueryError(f"A prepared query returns instances or values_list() rows, not {iterable}")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # Django proved the query matches nothing for these values
            raise PreparedQueryError("The query's SQL depends on its values; use an ordinary queryset") from None
        positions = {
            name: [index for index, param in enumerate(params) if isinstance(param, type(value)) and param == value]
            for name, value in placeholders.items()
        }
        missing = [name for name, found in positions.items() if not found]
        if missing:
            raise PreparedQueryError(f"Parameters {missing} do not reach the SQL unchanged; use an ordinary queryset")
        return _Draft(queryset, compiler, sql, list(params), positions)

    @staticmethod
    def _instances(compiled: _Compiled, compiler: Any, rows: list[tuple[Any, ...]]):
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
