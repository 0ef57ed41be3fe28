"""The registry's references to its own persons and households, checked by the database once
per statement rather than once per row.

A membership, every fact (income, asset, expenditure, life event, enrolment) and a household's
head name a person or a household. A foreign-key constraint checks each such row on its own:
PostgreSQL queues an event per row and, at the end, looks up and locks the row it names, one
query each. An import writes millions of rows: a 1,000,000-row register spent some 14 s of the
server's time on those checks, alone at the commit, about a fifth of the whole import
(docs/ingest.md, session 8).

How each database keeps the rule (migration ``registry.0009``):

- **PostgreSQL: triggers** (``install``). After every statement that inserts or updates rows of such a table (an ORM
  save, an ``UPDATE``, an import's ``COPY``), one query looks up every reference of the rows it
  wrote (a transition table) by primary key and raises ``foreign_key_violation`` (a Django
  ``IntegrityError``) naming the first that is missing. After a statement that deletes persons
  or households, one query looks for rows that still name them. A person's or household's id
  never changes: changing one is refused.
- **SQLite keeps its foreign keys.** A trigger there costs more than the foreign key it
  would replace (a 300,000-row register: 22 s against 13 s; any trigger on the memberships
  table added some 15 µs to every row inserted), and SQLite's deferred foreign key is a
  look-up, with no lock and no queue. The model state says ``db_constraint=False`` on both
  databases; migration ``registry.0009`` drops the constraints on PostgreSQL only.

Two differences, on PostgreSQL, from the foreign keys they replace:

- **Checked when the statement ends, not at the commit**: a person or household must be
  written before the rows that name it. Every write of the platform does so.
- **No lock on the row named.** The foreign key locked it (``FOR KEY SHARE``) until the
  commit, against another transaction deleting it meanwhile. Persons and households are never
  deleted (``PROTECT`` stops the ORM; design.md: nothing is deleted, only closed); the delete
  check stays as the last guard.

``tests/registry/test_references.py`` writes a dangling reference in every column through the
ORM, an update and an import's insert, on both databases. On SQLite a later migration that
rebuilds one of these tables (an ``AlterField`` there copies it into a new one, from the model
state) would drop the table's foreign keys; that test then fails.
"""

from __future__ import annotations

from typing import Any

Reference = tuple[str, str, str]  # table, column, table named

# Every reference checked this way.
REFERENCES: tuple[Reference, ...] = (
    ("registry_household", "head_id", "registry_person"),
    *(
        (f"registry_{fact}", column, f"registry_{named}")
        for fact in ("membership", "income", "asset", "expenditure", "lifeevent", "enrolment")
        for column, named in (("person_id", "person"), ("household_id", "household"))
    ),
)

NAMED = ("registry_person", "registry_household")


def _by_table(references: tuple[Reference, ...]) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, named in references:
        tables.setdefault(table, []).append((column, named))
    return tables


def _naming(references: tuple[Reference, ...], named: str) -> list[tuple[str, str]]:
    return [(table, column) for table, column, target in references if target == named]


def _raise_if_found(query: str, message: str, detail: str, table: str, column: str) -> str:
    """A PL/pgSQL step: ``query`` (selecting into ``found_id``), then the error if a row came."""
    return f"""
    {query}
    IF FOUND THEN
      RAISE EXCEPTION '{message}'
        USING ERRCODE = 'foreign_key_violation', DETAIL = format('{detail}', found_id),
              TABLE = '{table}', COLUMN = '{column}';
    END IF;"""


def _function(name: str, steps: list[str]) -> str:
    return f"""CREATE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE found_id bigint;
BEGIN{"".join(steps)}
  RETURN NULL;
END $$"""


def _postgresql_install(references: tuple[Reference, ...]) -> list[str]:
    statements = []
    for table, columns in _by_table(references).items():
        # A lateral look-up with a limit is a nested loop by primary key whatever the planner
        # estimates for the transition table (a hash join would read the whole table named).
        steps = [
            _raise_if_found(
                f"SELECT n.{column} INTO found_id FROM written n LEFT JOIN LATERAL "
                f"(SELECT 1 AS here FROM {named} r WHERE r.id = n.{column} LIMIT 1) x ON true "
                f"WHERE n.{column} IS NOT NULL AND x.here IS NULL LIMIT 1;",
                f'insert or update on table "{table}" violates reference of "{column}"',
                f'Key ({column})=(%s) is not present in table "{named}".',
                table,
                column,
            )
            for column, named in columns
        ]
        statements.append(_function(f"{table}_references_checked", steps))
        for event in ("insert", "update"):
            statements.append(
                f"CREATE TRIGGER {table}_references_on_{event} AFTER {event.upper()} ON {table} "
                "REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {table}_references_checked()"
            )
    for named in NAMED:
        steps = [
            _raise_if_found(
                f"SELECT o.id INTO found_id FROM gone o JOIN LATERAL "
                f"(SELECT 1 FROM {table} t WHERE t.{column} = o.id LIMIT 1) x ON true LIMIT 1;",
                f'delete on table "{named}" violates reference of "{table}.{column}"',
                f'Key (id)=(%s) is still referenced from table "{table}".',
                table,
                column,
            )
            for table, column in _naming(references, named)
        ]
        statements.append(_function(f"{named}_references_kept", steps))
        statements.append(
            f"CREATE TRIGGER {named}_references_on_delete AFTER DELETE ON {named} "
            "REFERENCING OLD TABLE AS gone FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {named}_references_kept()"
        )
        statements.append(
            f"""CREATE FUNCTION {named}_id_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the id of a row of "{named}" does not change'
    USING ERRCODE = 'foreign_key_violation', TABLE = '{named}', COLUMN = 'id';
END $$"""
        )
        statements.append(
            f"CREATE TRIGGER {named}_id_on_update BEFORE UPDATE OF id ON {named} "
            f"FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION {named}_id_kept()"
        )
    return statements


def _postgresql_remove(references: tuple[Reference, ...]) -> list[str]:
    statements = []
    for table in _by_table(references):
        statements.append(f"DROP FUNCTION IF EXISTS {table}_references_checked() CASCADE")
    for named in NAMED:
        statements.append(f"DROP FUNCTION IF EXISTS {named}_references_kept() CASCADE")
        statements.append(f"DROP FUNCTION IF EXISTS {named}_id_kept() CASCADE")
    return statements


def install(connection: Any, references: tuple[Reference, ...] = REFERENCES) -> None:
    """Create the checks of ``references`` on PostgreSQL (replacing any there).

    A migration passes the references as they stood when it was written."""
    remove(connection, references)
    with connection.cursor() as cursor:
        for statement in _postgresql_install(references):
            cursor.execute(statement)


def remove(connection: Any, references: tuple[Reference, ...] = REFERENCES) -> None:
    """Drop the checks of ``references`` from PostgreSQL."""
    with connection.cursor() as cursor:
        for statement in _postgresql_remove(references):
            cursor.execute(statement)
