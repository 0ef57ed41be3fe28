"""Look-up hashes and fingerprints stored as their 32 bytes instead of 64 hexadecimal characters.

Every value is converted where it is: PostgreSQL changes the column's type with
``decode(…, 'hex')`` (its unique index rebuilt with it); SQLite rebuilds the table with the
column declared ``BLOB`` and then turns each text into its bytes. Reversible the same way.
"""

from typing import Any

from django.db import migrations

import minzheng.registry.models

COLUMNS = (
    ("person", "id_number_hash"),
    ("membership", "fingerprint"),
    ("income", "fingerprint"),
    ("asset", "fingerprint"),
    ("expenditure", "fingerprint"),
    ("lifeevent", "fingerprint"),
    ("enrolment", "fingerprint"),
)


def _hex_to_bytes(value: Any) -> Any:
    return bytes.fromhex(value) if isinstance(value, str) else value


def _bytes_to_hex(value: Any) -> Any:
    return bytes(value).hex() if isinstance(value, bytes | memoryview) else value


def _sqlite_convert(schema_editor: Any, table: str, column: str, function: Any) -> None:
    quote = schema_editor.quote_name
    raw = schema_editor.connection.connection
    raw.create_function("registry_digest_convert", 1, function, deterministic=True)
    schema_editor.execute(
        f"UPDATE {quote(table)} SET {quote(column)} = registry_digest_convert({quote(column)})"
    )


def _fields(apps: Any, model_name: str, field_name: str) -> tuple[Any, Any, Any]:
    """The historical model (before this migration), its text field and the digest field."""
    model = apps.get_model("registry", model_name)
    text = model._meta.get_field(field_name)
    digest = minzheng.registry.models.DigestField(text.verbose_name, unique=True)
    digest.set_attributes_from_name(field_name)
    digest.model = model
    return model, text, digest


def _convert(apps: Any, schema_editor: Any, *, to_bytes: bool) -> None:
    quote = schema_editor.quote_name
    for model_name, field_name in COLUMNS:
        model, text, digest = _fields(apps, model_name, field_name)
        table, column = quote(model._meta.db_table), quote(text.column)
        if schema_editor.connection.vendor == "postgresql":
            kind, using = ("bytea", "decode") if to_bytes else ("varchar(64)", "encode")
            schema_editor.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind} "
                f"USING {using}({column}, 'hex')"
            )
        elif to_bytes:
            schema_editor.alter_field(model, text, digest)
            _sqlite_convert(schema_editor, model._meta.db_table, text.column, _hex_to_bytes)
        else:
            _sqlite_convert(schema_editor, model._meta.db_table, text.column, _bytes_to_hex)
            schema_editor.alter_field(model, digest, text)


def forwards(apps: Any, schema_editor: Any) -> None:
    _convert(apps, schema_editor, to_bytes=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    _convert(apps, schema_editor, to_bytes=False)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_drop_unread_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model_name,
                    name=field_name,
                    field=minzheng.registry.models.DigestField(
                        verbose_name="身份证号码索引" if model_name == "person" else "去重指纹",
                        unique=True,
                    ),
                )
                for model_name, field_name in COLUMNS
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
