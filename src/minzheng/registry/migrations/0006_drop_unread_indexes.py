"""Drop the indexes no query reads, which every imported row wrote to.

- ``source_batch`` on every fact table and on households: facts are read by their owner and
  shown with their batch, never looked up by batch (batches are not deleted).
- ``id_number_masked`` on persons: a search by masked number goes through the index of the
  last four characters (``id_number_last4``) and compares the masked number on the few rows
  found.

On SQLite Django rebuilds each table (its rows kept); on PostgreSQL the index is dropped (and
the foreign key re-added, checked against the rows there).
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH_SOURCED = ("asset", "enrolment", "expenditure", "household", "income", "lifeevent")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_partial_indexes_entered_by_superseded_by"),
    ]

    operations = [
        *(
            migrations.AlterField(
                model_name=model_name,
                name="source_batch",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to="registry.importbatch",
                    verbose_name="来源批次",
                ),
            )
            for model_name in (*BATCH_SOURCED, "membership")
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number_masked",
            field=models.CharField(max_length=18, verbose_name="身份证号码"),
        ),
    ]
