"""PostgreSQL: drop the ``varchar_pattern_ops`` twins of the registry's hashed and searched columns.

Django gives every indexed or unique ``CharField`` on PostgreSQL a second index (``…_like``) for
``LIKE 'prefix%'`` outside the C locale. Nothing queries these columns with ``LIKE``: look-up
hashes and fingerprints are found by equality, masked numbers and last four characters by
equality, names and household numbers by prefix as a range (``>= q AND < q || U+FFFF``, see
``registry.selectors.search``), which the plain index answers. Each twin still costs every
insert an index entry: a register row wrote six of them (person four, household, membership),
each fact one. SQLite has no such indexes; nothing happens there.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# (model, field) whose ``_like`` index goes.
PATTERN_INDEXES = [
    ("person", "id_number_hash"),
    ("person", "id_number_masked"),
    ("person", "name"),
    ("person", "id_number_last4"),
    ("household", "number"),
    ("membership", "fingerprint"),
    ("income", "fingerprint"),
    ("asset", "fingerprint"),
    ("expenditure", "fingerprint"),
    ("lifeevent", "fingerprint"),
    ("enrolment", "fingerprint"),
]


def _each(apps: Any, schema_editor: Any) -> Any:
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field_name in PATTERN_INDEXES:
        model = apps.get_model("registry", model_name)
        yield model, model._meta.get_field(field_name)


def drop(apps: Any, schema_editor: Any) -> None:
    for model, field in _each(apps, schema_editor):
        name = schema_editor._create_index_name(model._meta.db_table, [field.column], "_like")
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create(apps: Any, schema_editor: Any) -> None:
    for model, field in _each(apps, schema_editor):
        schema_editor.execute(schema_editor._create_like_index_sql(model, field))


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_import_batch_scope_source_errors")]

    operations = [migrations.RunPython(drop, create, elidable=False)]
