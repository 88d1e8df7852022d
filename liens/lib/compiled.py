"""Querysets compiled to SQL once per process, run again with new values.

Building a queryset (filters resolved into joins) and compiling it to SQL is most of what a
page's small queries cost: a visit list of five joined tables takes about 2 ms of Python to
build and compile and 0.2 ms in the database. The same page asks the same shapes of query on
every request with only the values changed (whose visits, which moment), so a shape is built
and compiled once, and each call only puts its values into the parameters of that SQL.

    @compiled(volunteer=int, now=datetime.datetime)
    def visits_to_report(volunteer, now):
        return Visit.objects.filter(match__volunteer=volunteer, starts_at__lte=now)...

    visits_to_report(volunteer=7, now=timezone.now())  # a list of visits

The queryset stays the one definition of what is read: the function builds it as any selector
does. What makes the reuse safe:

- the function is compiled twice, with two sets of sentinels for the declared values (numbers,
  moments, days), and the parameters where the two differ by their sentinels are where each
  call's values go; the SQL and everything else must be the same in both;
- a compiled shape may hold constants (a status, a flag), never a number, a day or a moment
  that is not one of its declared values: a `timezone.now()`, or an id the function reads from
  elsewhere, would be frozen into the SQL, so compiling refuses it; text is taken as a
  constant, so a function never builds from text it reads elsewhere (a search typed);
- the tenant scope active at the call (liens.scopes) is part of the shape's key: its
  association ids are the only other numbers a shape may hold, so one association's SQL is never
  run for another;
- positional arguments are shape, not values (a limit, a choice among variants): each distinct
  tuple of them is compiled apart, as is each length of a declared list of numbers;
- with settings.LIENS_CHECK_COMPILED_QUERIES (on in the tests), each call also builds and
  compiles the queryset with its real values and refuses to answer if the SQL or its parameters
  differ from the reused ones.

Model rows (with select_related, only(), annotations) and values() rows are supported;
prefetch_related and the other iterables are not (compiling them refuses).

A page whose queries do not depend on one another reads them together: `query.later(...)` is
the call not run yet (a Reading, which `.then(make)` turns into the selector's answer), and
`together(*readings)` sends every statement before reading any answer, in one round trip on
PostgreSQL (psycopg's pipeline mode):

    attention, referrals = together(attention_reading(...), referral_counts_reading(...))
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
from collections.abc import Callable, KeysView
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, Value
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from liens.scopes import scope_current

_KINDS = (int, datetime.datetime, datetime.date, list)
# Shapes kept per function: each association's staff scope, each length of a list of ids is
# its own shape.
MAX_SHAPES = 256


class CompiledQueryError(RuntimeError):
    """A function that cannot be compiled once for all its calls, or a compiled shape that no
    longer matches what the function builds."""


def _sentinels(kinds: dict[str, type], lengths: dict[str, int], base: int) -> dict:
    """A value per declared name, distinct from one another and from the scope's ids, and in the
    range of the smallest integer field (Django answers "no row" for a value outside a field's
    range, which would be compiled as the shape's answer)."""
    values, n = {}, 0
    if sum(lengths.values()) + len(kinds) > 900:
        raise CompiledQueryError("more than 900 values: compile such a query each time")
    for name, kind in kinds.items():
        if kind is list:
            values[name] = [base + (n := n + 1) for _ in range(lengths[name])]
        elif kind is int:
            values[name] = base + (n := n + 1)
        elif kind is datetime.datetime:
            n += 1
            values[name] = datetime.datetime(base // 10, 1, 1, 0, 0, 0, n, tzinfo=datetime.UTC)
        else:
            n += 1
            values[name] = datetime.date(base // 10, 1, 1) + datetime.timedelta(days=n)
    return values


def _adapt(connection, value):
    """The value as the ORM hands it to the driver (a moment becomes text on SQLite)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


@dataclass
class _Shape:
    sql: str
    params: list  # the compiled parameters, sentinels in place
    slots: list[tuple[int, str, int | None]]  # (position, name, index in a list or None)
    compiler: object | None  # None: the query can match no row (Django's EmptyResultSet)
    values: bool  # values() rows rather than model instances
    # How its rows are read, by database alias, made at the first call there (_reader).
    readers: dict = field(default_factory=dict, repr=False, compare=False)


class CompiledQuery:
    def __init__(self, build: Callable, kinds: dict[str, type]):
        self.build = build
        self.kinds = kinds
        self._shapes: dict[tuple, _Shape] = {}
        functools.update_wrapper(self, build)

    def __call__(self, *shape, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        return _run([self._call(shape, using, values)])[0]

    def later(self, *shape, using: str = DEFAULT_DB_ALIAS, **values) -> Reading:
        """The same call, not run yet: together() runs it with other readings."""
        return Reading((self._call(shape, using, values),), _rows_as_they_are)

    def _call(self, shape: tuple, using: str, values: dict) -> _Call:
        if set(values) != set(self.kinds):
            raise TypeError(f"{self.__name__} takes the values {sorted(self.kinds)}")
        if not all(map(_storable, values.values())):
            # A number no column can hold: the ORM decides what it means (no row, every row), as
            # it does for the value a field's range excludes.
            return _Call(None, [], using, fallback=self.build(*shape, **values).using(using))
        lengths = {name: len(values[name]) for name, kind in self.kinds.items() if kind is list}
        key = (shape, using, scope_current(), tuple(sorted(lengths.items())))
        compiled = self._shapes.get(key)
        if compiled is None:
            compiled = self._compile(shape, using, lengths)
            if len(self._shapes) >= MAX_SHAPES:  # the oldest goes: one per scope adds up on a large site
                with contextlib.suppress(RuntimeError, StopIteration):  # another thread's change
                    self._shapes.pop(next(iter(self._shapes)), None)
            self._shapes[key] = compiled
        connection = connections[using]
        params = list(compiled.params)
        for position, name, index in compiled.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = _adapt(connection, value)
        if settings.LIENS_CHECK_COMPILED_QUERIES:
            self._check(shape, using, values, compiled.sql, params)
        return _Call(compiled, params, using)

    def _compile(self, shape: tuple, using: str, lengths: dict) -> _Shape:
        """Compile twice, with two sets of sentinels: a declared value is where the two differ by
        their sentinels, and anything else must be the same constant in both."""
        scope = scope_current()
        taken = scope.ids if scope.kind == "active" and scope.ids else frozenset()
        bases = [base for base in range(19_000, 32_000, 1_000) if not any(base < i <= base + 999 for i in taken)]
        first, second = (self._compile_with(shape, using, lengths, base) for base in bases[:2])
        if first is None or second is None:
            if first is not None or second is not None:
                raise CompiledQueryError(f"{self.__name__}: whether a row can match depends on the values")
            return _Shape("", [], [], None, False)
        (sql, params, slots, compiler, values), (sql_b, params_b, slots_b, *_) = first, second
        if sql != sql_b or slots != slots_b:
            raise CompiledQueryError(f"{self.__name__}: the SQL's shape depends on the values")
        positions = {position for position, *_ in slots}
        for position, (param, param_b) in enumerate(zip(params, params_b, strict=True)):
            if position in positions:
                continue
            if param != param_b or _frozen(param, scope):
                raise CompiledQueryError(
                    f"{self.__name__}: the parameter {param!r} is neither a declared value nor a constant; "
                    "a number, day or moment read from elsewhere would be frozen into the SQL"
                )
        return _Shape(sql, params, slots, compiler, values)

    def _compile_with(self, shape: tuple, using: str, lengths: dict, base: int):
        sentinels = _sentinels(self.kinds, lengths, base)
        queryset = self.build(*shape, **sentinels).using(using)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise CompiledQueryError(f"{self.__name__}: prefetch_related and related managers are not compiled")
        if queryset._iterable_class not in (ModelIterable, ValuesIterable):
            raise CompiledQueryError(f"{self.__name__}: only model rows and values() rows are compiled")
        compiler, sql, params = _sql(queryset, using)
        if compiler is None:
            return None
        connection = connections[using]
        where = {}
        for name, value in sentinels.items():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    where[item] = (name, index)
            else:
                where[_adapt(connection, value)] = (name, None)
        slots = []
        for position, param in enumerate(params):
            plain = isinstance(param, int | str | datetime.date) and not isinstance(param, bool)
            slot = where.get(param) if plain else None
            if slot is not None:
                slots.append((position, *slot))
        missing = set(where.values()) - {slot[1:] for slot in slots}
        if missing:
            names = sorted({name for name, _ in missing})
            raise CompiledQueryError(f"{self.__name__}: {names} do not reach the SQL as they were given")
        return sql, params, slots, compiler, queryset._iterable_class is ValuesIterable

    def _check(self, shape: tuple, using: str, values: dict, sql: str, params: list) -> None:
        _compiler, fresh_sql, fresh_params = _sql(self.build(*shape, **values).using(using), using)
        if fresh_sql != sql or fresh_params != params:
            raise CompiledQueryError(f"{self.__name__}: the compiled SQL no longer matches what the function builds")


@dataclass
class _Call:
    """One call's statement and values, not run yet."""

    shape: _Shape | None  # None: `fallback`, a queryset the ORM runs, or `raw`, plain SQL
    params: list
    using: str
    fallback: QuerySet | None = None
    raw: str | None = None  # plain SQL whose rows are answered as the driver gives them

    @property
    def sql(self) -> str:
        return self.shape.sql if self.raw is None else self.raw

    def answer(self, rows: list) -> list:
        """The model or values() rows the fetched rows make (plain SQL's rows as they are)."""
        if self.raw is not None:
            return rows
        reader = self.shape.readers.get(self.using)
        if reader is None:
            reader = self.shape.readers[self.using] = _reader(self.shape, self.using)
        return reader(rows, connections[self.using])


def _rows_as_they_are(rows: list) -> list:
    return rows


@dataclass(frozen=True)
class Reading:
    """What a selector reads: some compiled calls not run yet, and what it makes of their rows
    (`finish`, given each call's rows in order). Called, it runs them; together() runs the
    readings of a page at once."""

    calls: tuple[_Call, ...]
    finish: Callable[..., Any]

    def __call__(self):
        return self.finish(*_run(list(self.calls)))

    def then(self, make: Callable[[Any], Any]) -> Reading:
        """The same reading, its answer passed through `make`."""
        finish = self.finish
        return Reading(self.calls, lambda *rows: make(finish(*rows)))

    @classmethod
    def raw(cls, sql: str, params: list, *, using: str = DEFAULT_DB_ALIAS) -> Reading:
        """A query in plain SQL (the matching engine's), its rows as the driver gives them:
        sent with a page's other readings like a compiled call."""
        return cls((_Call(None, list(params), using, raw=sql),), _rows_as_they_are)

    @classmethod
    def known(cls, answer) -> Reading:
        """A reading already answered (a selector's other way, through the ORM)."""
        return cls((), lambda: answer)

    @classmethod
    def all(cls, readings, make: Callable[..., Any]) -> Reading:
        """Several readings as one, whose answer is `make` given each one's answer."""
        readings = tuple(readings)

        def finish(*rows):
            answers, start = [], 0
            for reading in readings:
                end = start + len(reading.calls)
                answers.append(reading.finish(*rows[start:end]))
                start = end
            return make(*answers)

        return cls(tuple(call for reading in readings for call in reading.calls), finish)


def together(*readings: Reading) -> list:
    """Each reading's answer. The statements go to the database at once: on PostgreSQL in one
    pipeline (psycopg's pipeline mode), so a page's independent queries cost one round trip and
    one wake-up of each process, not one per query (eight queries: about 0.5 ms less of the
    machine's time); elsewhere one after another. Only reads that do not depend on one another
    belong together: each is sent before any answer is read."""
    return Reading.all(readings, lambda *answers: list(answers))()


def _run(calls: list[_Call]) -> list[list]:
    """Each call's rows, its statements sent together per database."""
    answers: list = [None] * len(calls)
    sent: dict[str, list[int]] = {}
    for i, call in enumerate(calls):
        if call.fallback is not None:
            answers[i] = list(call.fallback)
        elif call.raw is None and call.shape.compiler is None:  # it can match no row
            answers[i] = []
        else:
            sent.setdefault(call.using, []).append(i)
    for using, positions in sent.items():
        connection = connections[using]
        pipelined = len(positions) > 1 and connection.vendor == "postgresql"
        with contextlib.ExitStack() as stack:
            if pipelined:
                connection.ensure_connection()
                stack.enter_context(connection.connection.pipeline())
            cursors = [stack.enter_context(connection.cursor()) for _ in positions]
            for cursor, i in zip(cursors, positions, strict=True):
                cursor.execute(calls[i].sql, calls[i].params)
            fetched = [cursor.fetchall() for cursor in cursors]
        for rows, i in zip(fetched, positions, strict=True):
            answers[i] = calls[i].answer(rows)
    return answers


def _sql(queryset: QuerySet, using: str) -> tuple:
    """(compiler, SQL, parameters) of the queryset; (None, "", []) when it can match no row."""
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None, "", []
    return compiler, sql, list(params)


def _storable(value) -> bool:
    if isinstance(value, list):
        return all(map(_storable, value))
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _frozen(param, scope) -> bool:
    """A parameter that must not stay fixed in a compiled shape: a number (other than the
    active scope's association ids), a day or a moment. Flags are numbers to Python, not here."""
    if isinstance(param, bool) or param is None:
        return False
    if isinstance(param, int):
        return not (scope.kind == "active" and scope.ids is not None and param in scope.ids)
    return isinstance(param, datetime.date)


def _reader(shape: _Shape, using: str) -> Callable[[list, Any], list]:
    """What Django's iterables make of a shape's rows: each model with its select_related rows
    and annotations (ModelIterable), or a dict per row (ValuesIterable), given the calling
    thread's connection. What they work out again at every query is worked out here once: the
    columns' converters (about 1 µs a column: the memberships' query of every page has 53), the
    related rows' populators, the names. The converters are the fields' and expressions' own,
    and the backend's for its column types (none on PostgreSQL; on SQLite they read the
    connection's time zone, the same setting on every connection of an alias)."""
    kept = copy.copy(shape.compiler)
    kept.connection = connections[using]
    converters = kept.get_converters([column[0] for column in kept.select[0 : kept.col_count]])
    # results_iter asks for the converters of the same columns at every call: these.
    kept.get_converters = lambda expressions: converters

    def compiler_for(connection):
        compiler = copy.copy(kept)
        compiler.connection = connection  # the calling thread's, which the converters are given
        return compiler

    if shape.values:
        query = kept.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]

        def dicts(rows: list, connection) -> list[dict]:
            # A row may carry more columns than names (an ordering's), as Django's ValuesIterable allows.
            return [dict(zip(names, row, strict=False)) for row in compiler_for(connection).results_iter([rows])]

        return dicts
    select, klass_info = kept.select, kept.klass_info
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    make = _maker(model_cls, _columns(f[0].target.attname for f in select[start:end]), using)
    related_populators = get_related_populators(klass_info, select, using)  # they keep no row
    _with_makers(related_populators)
    annotations = list((kept.annotation_col_map or {}).items())

    def models(rows: list, connection) -> list:
        objects = []
        for row in compiler_for(connection).results_iter([rows]):
            obj = make(row[start:end])
            for populator in related_populators:
                populator.populate(row, obj)
            for attr_name, col_pos in annotations:
                setattr(obj, attr_name, row[col_pos])
            objects.append(obj)
        return objects

    return models


def _columns(attnames) -> KeysView:
    """The columns a model's row holds, in their order, as Model.from_db reads them: it asks
    `attname in` them for each of the model's fields, a scan of a list for a row read with
    only() (half of from_db's time for a few columns of a model of 20 to 40 fields), one
    lookup here."""
    return dict.fromkeys(attnames).keys()


# The descriptors of the columns Model.__init__ sets as plain entries of the instance's __dict__:
# a field's value (DeferredAttribute has no __set__), a foreign key's id (whose __set__ only
# forgets a cached related row, which a new instance has not).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _maker(model_cls: type[Model], attnames: KeysView, using: str) -> Callable[[tuple], Model]:
    """What model_cls.from_db(using, attnames, values) answers for a row of these columns.

    Django's Model.__init__ walks every field of the model for each row, the deferred ones too:
    5 µs for a person's four columns of 42 (about 15 % of the association home's time, whose
    lists read a few columns of six models a row). What it leaves is an instance whose __dict__
    holds its state and each column's value, which is made here directly: 0.6 µs. A model that
    runs code of its own at that step is made Django's way: an overridden from_db or __init__,
    a column whose descriptor is not one of Django's plain ones, or any pre_init or post_init
    receiver (looked at for each row, since Django sends them for each)."""
    names = tuple(attnames)
    plain = (
        model_cls.from_db.__func__ is Model.from_db.__func__
        and model_cls.__init__ is Model.__init__
        and all(type(getattr(model_cls, name, None)) in _PLAIN_DESCRIPTORS for name in names)
    )

    def make(values) -> Model:
        if not plain or pre_init.receivers or post_init.receivers:
            return model_cls.from_db(using, attnames, values)
        obj = model_cls.__new__(model_cls)
        state = ModelState()
        state.adding = False
        state.db = using
        entries = obj.__dict__
        entries["_state"] = state
        entries.update(zip(names, values, strict=True))
        return obj

    return make


class _MadeBy:
    """A related populator's model class, as RelatedPopulator.populate uses it: its from_db is
    the maker's, anything else is the class's."""

    def __init__(self, model_cls: type[Model], make: Callable[[tuple], Model]):
        self._model_cls, self._make = model_cls, make

    def from_db(self, db, field_names, values) -> Model:
        return self._make(values)

    def __getattr__(self, name):
        return getattr(self._model_cls, name)


def _with_makers(populators: list) -> None:
    """The related rows' populators, each making its rows with _maker (their model class and
    columns are read only when a row is made, once they are built)."""
    for populator in populators:
        model_cls = populator.model_cls
        populator.model_cls = _MadeBy(model_cls, _maker(model_cls, _columns(populator.init_list), populator.db))
        _with_makers(populator.related_populators)


def totals(queryset: QuerySet, **aggregates) -> QuerySet:
    """What queryset.aggregate(**aggregates) answers, as a values() query a compiled function
    can return (its one row): grouped by a constant, which the SQL leaves out, so the aggregates
    cover every row and an empty set still gives its one row of zeros."""
    return queryset.order_by().annotate(_all=Value(1)).values("_all").annotate(**aggregates).values(*aggregates)


def compiled(**kinds: type) -> Callable[[Callable], CompiledQuery]:
    """Decorate a function building a queryset from the named values (int, datetime.date,
    datetime.datetime, list of ints): calling it runs the queryset compiled once per shape."""
    for name, kind in kinds.items():
        if kind not in _KINDS:
            raise TypeError(f"{name}: a compiled value is an int, a date, a datetime or a list of ints")
    return lambda build: CompiledQuery(build, kinds)
