"""A membership's fingerprint is no longer unique (see ``Membership.fingerprint``).

The model state changes on both databases; the unique constraint is dropped by hand. On SQLite
an ``AlterField`` would copy the table into a new one made from the model state, which has no
foreign keys (``registry.references``: SQLite keeps them, the model says ``db_constraint=False``).
So the table is rebuilt here from its own definition, without ``UNIQUE`` on the fingerprint,
its foreign keys and indexes kept (SQLite's own procedure for changing a table's definition).
"""

from django.db import migrations

import minzheng.registry.models

TABLE = "registry_membership"
UNIQUE = '"fingerprint" BLOB NOT NULL UNIQUE'
PLAIN = '"fingerprint" BLOB NOT NULL'


def _rebuild_sqlite(schema_editor, old: str, new: str) -> None:
    """Rebuild the memberships' table with ``old`` in its definition replaced by ``new``.

    Runs inside the schema editor, which has SQLite's foreign key checks off."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        (definition,) = cursor.fetchone()
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name = %s AND sql IS NOT NULL",
            [TABLE],
        )
        dependents = [row[0] for row in cursor.fetchall()]
    if old not in definition:
        raise RuntimeError(f"{TABLE}: {old} not in its definition: {definition}")
    rebuilt = definition.replace(old, new, 1).replace(
        f"CREATE TABLE {quote(TABLE)}", f"CREATE TABLE {quote(TABLE + '__rebuilt')}", 1
    )
    schema_editor.execute(rebuilt)
    schema_editor.execute(f"INSERT INTO {quote(TABLE + '__rebuilt')} SELECT * FROM {quote(TABLE)}")
    schema_editor.execute(f"DROP TABLE {quote(TABLE)}")
    schema_editor.execute(f"ALTER TABLE {quote(TABLE + '__rebuilt')} RENAME TO {quote(TABLE)}")
    for sql in dependents:
        schema_editor.execute(sql)


def _unique_constraints(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["unique"] and not info["primary_key"] and info["columns"] == ["fingerprint"]
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _rebuild_sqlite(schema_editor, UNIQUE, PLAIN)
        return
    quote = schema_editor.quote_name
    for name in _unique_constraints(schema_editor):
        schema_editor.execute(f"ALTER TABLE {quote(TABLE)} DROP CONSTRAINT {quote(name)}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _rebuild_sqlite(schema_editor, PLAIN, UNIQUE)
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(TABLE)} ADD CONSTRAINT {quote(TABLE + '_fingerprint_key')} "
        "UNIQUE (fingerprint)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_references_checked_per_statement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="membership",
                    name="fingerprint",
                    field=minzheng.registry.models.DigestField(verbose_name="去重指纹"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
