"""Fast writes for landing: many rows per statement, without building model instances.

An import writes hundreds of thousands of rows; Django's ``bulk_create`` spends most of its time
building and preparing model instances. ``Inserter`` prepares the statement once per model and
sends plain tuples with ``executemany`` (``INSERT … ON CONFLICT DO NOTHING``, which SQLite and
PostgreSQL both speak). Columns the caller does not give take the model field's default, so a
field added to a model later cannot leave the statement short. Values are adapted the way
Django would for the columns that need it (aware datetimes, JSON).
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

from minzheng.registry.models import DigestField

# PostgreSQL: how often the staging table of an insert that may conflict is truncated rather
# than emptied by DELETE (see ``Inserter._copy``).
STAGING_TRUNCATE_EVERY = 8


def _adapter(field: models.Field[Any, Any]) -> Any:
    if isinstance(field, DigestField):
        return DigestField.to_db
    if isinstance(field, models.DateTimeField | models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _encoded_once(value: Any) -> Any:
    """A value the same on every row of a call, made ready to be sent many times.

    PostgreSQL: Django hands JSON to psycopg as a wrapper that psycopg encodes again for
    every row; a person created by an import carries the same ``field_sources`` on every row,
    and encoding it a million times took some 10 % of the landing process. The wrapper
    returned here hands psycopg the text encoded once.
    """
    if connection.vendor != "postgresql":
        return value
    from psycopg.types.json import Json, Jsonb

    if not isinstance(value, Json | Jsonb):
        return value
    encoded = (value.dumps or json.dumps)(value.obj)
    data = encoded.encode() if isinstance(encoded, str) else bytes(encoded)
    return type(value)(value.obj, dumps=lambda _obj: data)


def _sqlite_literal(value: Any) -> str | None:
    """``value`` (adapted for SQLite) as an SQL literal SQLite stores exactly as it stores the
    value bound (text, integer, blob, NULL; a ``Decimal`` as its text, as Django binds it),
    with ``%`` doubled for Django's cursor; ``None`` where there is no such literal."""
    if value is None:
        return "NULL"
    kind = value.__class__
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        return str(value)
    if kind is str or kind is Decimal:
        shown = str(value)
        if "\x00" in shown:
            return None
        return "'" + shown.replace("'", "''").replace("%", "%%") + "'"
    if kind is bytes:
        return f"X'{value.hex()}'"
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
    row of a call (a batch id, a timestamp). With ``skip_conflicts=False`` a row that breaks a
    unique constraint fails the statement instead (the caller has made sure there is none:
    rows with their ids given), which spares the database the conflict check and lets
    PostgreSQL COPY straight into the table.
    """

    def __init__(
        self, model: type[models.Model], columns: Sequence[str], *, skip_conflicts: bool = True
    ) -> None:
        fields = {f.attname: f for f in _concrete(model)}
        pk = model._meta.pk
        if pk is not None and pk.attname in columns:  # ids given (see ``allocate_ids``)
            fields = {pk.attname: pk, **fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.model = model
        self._table = connection.ops.quote_name(model._meta.db_table)
        self.columns = list(columns)
        self.skip_conflicts = skip_conflicts
        self._fields = fields
        self._adapters = [(i, _adapter(fields[c])) for i, c in enumerate(self.columns)]
        self._adapters = [(i, a) for i, a in self._adapters if a is not None]
        self._types: list[int] | None = None  # PostgreSQL: the columns' types, read once
        self._staged = 0  # PostgreSQL: chunks that went through the staging table
        # PostgreSQL: rows that may conflict are still copied straight into the table (no
        # conflict met so far, see ``_copy``)
        self._direct = True

    def insert(self, rows: Iterable[Sequence[Any]], constants: dict[str, Any]) -> int:
        """Insert ``rows`` (tuples in ``columns`` order) with ``constants`` and defaults;
        returns how many went in (a row that breaks a unique constraint is skipped)."""
        if connection.vendor == "sqlite":
            return self._insert_sqlite(rows, constants)
        names, params = self._prepared(rows, constants)
        if not params:
            return 0
        if connection.vendor == "postgresql":
            # The copies use psycopg's cursor: its errors (a reference to a missing person,
            # say) raised as Django's, as from any other statement.
            with connection.wrap_database_errors:
                return self._copy(names, params)
        with connection.cursor() as cursor:
            cursor.executemany(self._sql(names), params)
            return int(cursor.rowcount)

    def hold(
        self, rows: Iterable[Sequence[Any]], constants: dict[str, Any], writes: TrailingWrites
    ) -> None:
        """Insert ``rows`` as ``insert`` does, but on PostgreSQL only once ``writes`` starts
        them (see ``TrailingWrites``); rows that cannot conflict (``skip_conflicts=False``)."""
        assert not self.skip_conflicts
        if connection.vendor != "postgresql":
            self.insert(rows, constants)
            return
        names, params = self._prepared(rows, constants)
        if params:
            writes.held.append((self, self._columns(names), params))

    def _columns(self, names: list[str]) -> str:
        return ", ".join(_column(self._fields[n]) for n in names)

    def _sql(self, names: list[str]) -> str:
        return (
            f"INSERT INTO {self._table} ({self._columns(names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
            + (" ON CONFLICT DO NOTHING" if self.skip_conflicts else "")
        )

    def _tail(self, constants: dict[str, Any]) -> tuple[list[str], tuple[Any, ...]]:
        """The columns the rows do not give, and their values for every row (``constants``,
        else the field's default), adapted for the database."""
        rest = [name for name in self._fields if name not in self.columns]
        tail = []
        for name in rest:
            field = self._fields[name]
            value = constants[name] if name in constants else field.get_default()
            tail.append(_encoded_once(field.get_db_prep_save(value, connection)))
        return rest, tuple(tail)

    def _adapted(self, rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
        if not self._adapters:
            return rows
        adapted = []
        for row in rows:
            row = list(row)
            for index, adapt in self._adapters:
                row[index] = adapt(row[index])
            adapted.append(row)
        return adapted

    def _prepared(
        self, rows: Iterable[Sequence[Any]], constants: dict[str, Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The columns written and the rows adapted for the database, constants and defaults
        appended."""
        rest, tail = self._tail(constants)
        return [*self.columns, *rest], [(*row, *tail) for row in self._adapted(rows)]

    def _insert_sqlite(self, rows: Iterable[Sequence[Any]], constants: dict[str, Any]) -> int:
        """SQLite: the rows as they are given, with the values the same for every row
        (``_tail``) written into the statement as literals.

        Appending those values to every row and binding them row after row cost the landing
        some 2 µs a person (13 of a new person's 22 columns), about 10 % of inserting it (a
        script making and inserting 1,000,000 persons: 15.7–15.9 s against 17.6–18.4 s). A
        value with no exact literal is bound as before.
        """
        rest, tail = self._tail(constants)
        literals: list[str] = []
        for value in tail:
            literal = _sqlite_literal(value)
            if literal is None:
                names, bound = self._prepared(rows, constants)
                return self._execute_sqlite(self._sql(names), bound)
            literals.append(literal)
        values = ", ".join(["%s"] * len(self.columns) + literals)
        sql = (
            f"INSERT INTO {self._table} ({self._columns([*self.columns, *rest])}) "
            f"VALUES ({values})" + (" ON CONFLICT DO NOTHING" if self.skip_conflicts else "")
        )
        return self._execute_sqlite(sql, self._adapted(rows))

    def _execute_sqlite(self, sql: str, params: Iterable[Sequence[Any]]) -> int:
        params = params if isinstance(params, list) else list(params)
        if not params:
            return 0
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
            return int(cursor.rowcount)

    def _copy(self, names: list[str], params: list[tuple[Any, ...]]) -> int:
        """PostgreSQL: COPY the rows into a temporary table, then insert what is new from it.

        COPY (binary) streams rows without a statement per row; the ``INSERT … SELECT … ON
        CONFLICT DO NOTHING`` keeps the behaviour of the plain insert. The temporary table
        lives as long as the transaction (the batch's). Without ``skip_conflicts``, and with
        it until a row already in the table is met, the rows are copied straight into the
        table.
        """
        quote = connection.ops.quote_name
        table = self._table
        columns = self._columns(names)
        # One staging table per table and set of columns (facts of one kind may differ).
        staging = quote(f"ingest_{self.model._meta.db_table}_{zlib.crc32(columns.encode()):x}")
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's own cursor: psycopg's COPY support
            if not self.skip_conflicts:
                self._copy_into(raw, table, columns, params)
                return len(params)
            if self._direct and connection.in_atomic_block:  # a savepoint, not a commit
                # Until a row is found there already, rows are copied straight into the table
                # in a savepoint, which a row already there rolls back (then and from then on
                # they go through the staging table). A first import of a feed meets no such
                # row; the staging table had cost it some 3 µs of the server's CPU a row.
                from psycopg.errors import UniqueViolation

                try:
                    with transaction.atomic():
                        self._copy_into(raw, table, columns, params)
                    return len(params)
                except UniqueViolation:
                    self._direct = False
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            self._copy_into(raw, staging, columns, params)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
                "ON CONFLICT DO NOTHING"
            )
            inserted = int(cursor.rowcount)
            # Emptied by DELETE, and only every few chunks by TRUNCATE: TRUNCATE walks the
            # transaction's whole queue of deferred foreign-key checks, which grows with
            # every row the batch writes (1,000,000 医保 rows: 54.3 and 54.8 s of server CPU
            # with a TRUNCATE per chunk, 50.3 and 50.7 s so). The rows deleted meanwhile
            # (some tens of thousands at most) are skipped by the next INSERT's scan.
            self._staged += 1
            if self._staged % STAGING_TRUNCATE_EVERY == 0:
                cursor.execute(f"TRUNCATE {staging}")
            else:
                cursor.execute(f"DELETE FROM {staging}")
        return inserted

    def _copy_into(self, raw: Any, table: str, columns: str, params: list[tuple[Any, ...]]) -> None:
        """Binary ``COPY`` of ``params`` into ``table`` (quoted; ``columns`` as the rows give
        them), with ``raw``, a psycopg cursor (it needs nothing of Django's connection: the
        copy may run in ``TrailingWrites``' thread)."""
        if self._types is None:  # binary COPY is told the columns' types
            raw.execute(f"SELECT {columns} FROM {self._table} LIMIT 0")
            self._types = [d.type_code for d in raw.description]
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self._types)
            for row in params:
                copy.write_row(row)


class TrailingWrites:
    """PostgreSQL: one chunk's new rows written while the next chunk is built.

    A chunk of the household register first reads what it needs (persons, households and
    memberships already recorded; ids for its new rows), then builds its new persons,
    households and first memberships. Those rows are held (``Inserter.hold``) and copied
    into their tables in a thread of their own once the next chunk has read what it needs
    (``start``): the server writes one chunk while the landing process builds the next,
    where before each waited for the other. The copy runs on the batch's connection, in the
    batch's transaction; anything else the landing sends meanwhile waits for it (``wait``).

    The next chunk's reads do not see the held rows yet: the caller makes up for it
    (``Lander`` knows the persons and households the held rows create) or writes them first
    (``flush``). On SQLite nothing is held: rows go in at once.

    A fact feed's chunk starts its facts' copy as soon as they are built (nothing to make up
    for: the next chunk's first statement waits for it), while the landing process reports
    progress and takes the next chunk from the reading process.
    """

    def __init__(self) -> None:
        self.held: Held = []
        self._pool: Any = None
        self._running: Any = None

    def start(self) -> None:
        """Copy the held rows, in the order held, in the writing thread."""
        self.wait()
        if not self.held:
            return
        held, self.held = self.held, []
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-copy")
        connection.ensure_connection()
        self._running = self._pool.submit(_copy_held, connection.connection, held)

    def wait(self) -> None:
        """Return once the rows started are in their tables (raising what the copy raised)."""
        running, self._running = self._running, None
        if running is not None:
            with connection.wrap_database_errors:  # the driver's errors as Django's
                running.result()

    def flush(self) -> None:
        """Every held row in its table now."""
        self.start()
        self.wait()

    def close(self) -> None:
        """Wait for a copy still running (its outcome is the caller's to ignore: the batch
        failed) and let the thread go; held rows are dropped."""
        self.held = []
        try:
            # After ``flush`` nothing runs; otherwise the batch is failing already, and a copy
            # that failed too adds nothing to say.
            with contextlib.suppress(Exception):
                self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None


# Rows held: the inserter, the columns they give (quoted, in order), the rows.
Held = list[tuple[Inserter, str, list[tuple[Any, ...]]]]


def _copy_held(raw_connection: Any, held: Held) -> None:
    """``TrailingWrites``' thread: copy the held rows, on the batch's psycopg connection."""
    from psycopg import Cursor

    with Cursor(raw_connection) as raw:
        for inserter, columns, params in held:
            inserter._copy_into(raw, inserter._table, columns, params)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` unused primary keys of ``model``, for rows inserted with their ids given.

    Knowing the ids of the rows it writes spares the import reading them back. On SQLite the
    batch's transaction holds the database's write lock (``BEGIN IMMEDIATE``): the ids after
    the largest in use — in the table or in AUTOINCREMENT's record — are free until it ends.
    On PostgreSQL they are drawn from the table's sequence, as the database would.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)::regclass::oid", [quote(table), column]
            )
            sequence = int(cursor.fetchone()[0])
            # The sequence as a constant: ``pg_get_serial_sequence`` in the select list is
            # evaluated again for every id (a catalog look-up each: 5 % of the server's CPU
            # landing a register).
            cursor.execute(
                f"SELECT nextval({sequence}::regclass) FROM generate_series(1, %s)", [count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT max(coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0), "
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + count))


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
    driver returns them (dates as dates; decimals on SQLite as numbers), but for digests
    (``DigestField``), which are given and returned as hexadecimal text.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = ", ".join(_column(fields[c]) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    if isinstance(fields[key], DigestField):
        values = map(DigestField.to_db, values)
    found = query_in(f"SELECT {names} FROM {table}", _column(fields[key]), values, where, params)
    digests = [i for i, c in enumerate(columns) if isinstance(fields[c], DigestField)]
    if digests and found:
        rows = [list(row) for row in found]
        for row in rows:
            for i in digests:
                row[i] = DigestField.from_db(row[i])
        return [tuple(row) for row in rows]
    return found


def query_in(
    select: str, key: str, values: Iterable[Any], where: str = "", params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """``<select> WHERE <key> IN (values) [AND where]``: raw SQL (``key`` and ``where`` name
    columns as the database does), the values sent as one array (PostgreSQL) or in parts."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    found: list[tuple[Any, ...]] = []
    limit = 2000  # well below every backend's parameter limit
    condition = f" AND {where}" if where else ""
    if connection.vendor == "postgresql":
        # One array parameter, not thousands of them, bound by the server: Django's cursors
        # bind on the client, which quoted a chunk's 5,000 digests into the SQL text (about a
        # tenth of the landing process of a register).
        from psycopg import Cursor

        connection.ensure_connection()
        with Cursor(connection.connection) as raw:
            # %b: the array in psycopg's binary format (quoting it as text cost as much)
            raw.execute(f"{select} WHERE {key} = ANY(%b){condition}", [wanted, *params])
            return list(raw.fetchall())
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), limit):
            part = wanted[start : start + limit]
            sql = f"{select} WHERE {key} IN ({', '.join(['%s'] * len(part))}){condition}"
            cursor.execute(sql, [*part, *params])
            found.extend(cursor.fetchall())
    return found


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN (…)`` (SQLite) or ``column = ANY(%s)`` (PostgreSQL), with its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
