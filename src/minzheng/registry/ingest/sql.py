"""Fast writes for landing: many rows per statement, without building model instances.

An import writes hundreds of thousands of rows; Django's ``bulk_create`` spends most of its time
building and preparing model instances. ``Inserter`` prepares the statement once per model and
sends plain tuples with ``executemany`` (``INSERT … ON CONFLICT DO NOTHING``, which SQLite and
PostgreSQL both speak). Columns the caller does not give take the model field's default, so a
field added to a model later cannot leave the statement short. Values are adapted the way
Django would for the columns that need it (aware datetimes, JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def _adapter(field: models.Field[Any, Any]) -> Any:
    if isinstance(field, models.DateTimeField | models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _column(field: models.Field[Any, Any]) -> str:
    return connection.ops.quote_name(str(field.column))


def _concrete(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]


class Inserter:
    """``INSERT INTO <model> (...) VALUES (...) ON CONFLICT DO NOTHING`` for many tuples.

    ``columns`` are the attnames each row gives, in order; ``constants`` are the same for every
    row of a call (a batch id, a timestamp).
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        fields = {f.attname: f for f in _concrete(model)}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.model = model
        self.columns = list(columns)
        self._fields = fields
        self._adapters = [(i, _adapter(fields[c])) for i, c in enumerate(self.columns)]
        self._adapters = [(i, a) for i, a in self._adapters if a is not None]

    def insert(self, rows: Iterable[Sequence[Any]], constants: dict[str, Any]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order) with ``constants`` and defaults."""
        rest = [name for name in self._fields if name not in self.columns]
        tail = []
        for name in rest:
            field = self._fields[name]
            value = constants[name] if name in constants else field.get_default()
            tail.append(field.get_db_prep_save(value, connection))
        names = [*self.columns, *rest]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(self.model._meta.db_table)} "
            f"({', '.join(_column(self._fields[n]) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))}) ON CONFLICT DO NOTHING"
        )
        tail_tuple = tuple(tail)
        params: list[tuple[Any, ...]] = []
        for row in rows:
            if self._adapters:
                row = list(row)
                for index, adapt in self._adapters:
                    row[index] = adapt(row[index])
            params.append((*row, *tail_tuple))
        if not params:
            return
        if connection.vendor == "postgresql":
            self._copy(names, params)
            return
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)

    def _copy(self, names: list[str], params: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: COPY the rows into a temporary table, then insert what is new from it.

        COPY streams rows without a statement per row; the ``INSERT … SELECT … ON CONFLICT DO
        NOTHING`` keeps the behaviour of the plain insert. The temporary table lives as long
        as the transaction (the batch's).
        """
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        staging = quote(f"ingest_{self.model._meta.db_table}")
        columns = ", ".join(_column(self._fields[n]) for n in names)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            raw = cursor.cursor  # the driver's own cursor: psycopg's COPY support
            with raw.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"TRUNCATE {staging}")


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """``UPDATE <model> SET <columns> WHERE id = …`` for tuples ``(*values, id)``."""
    fields = {f.attname: f for f in _concrete(model)}
    adapters = [(i, _adapter(fields[c])) for i, c in enumerate(columns)]
    active = [(i, a) for i, a in adapters if a is not None]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET "
        + ", ".join(f"{_column(fields[c])} = %s" for c in columns)
        + f" WHERE {quote(str(model._meta.pk.column))} = %s"
    )
    params = []
    for row in rows:
        values = list(row)
        for index, adapt in active:
            values[index] = adapt(values[index])
        params.append(tuple(values))
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def select_in(
    model: type[models.Model],
    columns: Sequence[str],
    key: str,
    values: Iterable[Any],
    *,
    where: str = "",
    params: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """``SELECT <columns> FROM <model> WHERE <key> IN (values) [AND where]`` as plain tuples.

    The ORM spends more time preparing an ``IN`` of thousands of values than the database does
    answering it; a chunk's look-ups go through here. ``columns``/``key`` are attnames;
    ``where`` is raw SQL over column names, with ``params``. Values come back as the database
    driver returns them (dates as dates; decimals on SQLite as numbers).
    """
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = ", ".join(_column(fields[c]) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    found: list[tuple[Any, ...]] = []
    limit = 2000  # well below every backend's parameter limit
    condition = f" AND {where}" if where else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter, not thousands of them
            sql = f"SELECT {names} FROM {table} WHERE {_column(fields[key])} = ANY(%s){condition}"
            cursor.execute(sql, [wanted, *params])
            return list(cursor.fetchall())
        for start in range(0, len(wanted), limit):
            part = wanted[start : start + limit]
            sql = (
                f"SELECT {names} FROM {table} WHERE {_column(fields[key])} "
                f"IN ({', '.join(['%s'] * len(part))}){condition}"
            )
            cursor.execute(sql, [*part, *params])
            found.extend(cursor.fetchall())
    return found


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (…)`` (SQLite) or ``column = ANY(%s)`` (PostgreSQL), with its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
