"""数据归集: department feeds brought into the registry.

Feeds are declared in code (``ingest.feeds``), one per source, with the columns as the
department sends them. ``run_import`` reads a file (.xlsx, .csv in UTF-8 or GBK/GB18030, JSON),
checks every row, lands the good ones in one transaction and writes the bad ones to an error
file the clerk corrects and uploads again. Pages under ``/registry/imports/``, the command
``minzheng import FEED FILE`` and the API ``/api/registry/imports/`` all end in ``run_import``.

    from minzheng.registry.ingest import run_import
    batch = run_import(feed_code="police_hukou", path="户籍.xlsx", by=user)
"""

from minzheng.registry.ingest.feeds import FEEDS, get_feed
from minzheng.registry.ingest.pipeline import CHUNK_SIZE, Counters
from minzheng.registry.ingest.selectors import IMPORT_ACTION
from minzheng.registry.ingest.services import (
    batch_create,
    batch_submit,
    fail_stale_batches,
    import_batch_task,
    run_import,
    seed_feeds,
    tidy_after,
)
from minzheng.registry.ingest.spec import Column, FeedSpec

__all__ = [
    "CHUNK_SIZE",
    "FEEDS",
    "IMPORT_ACTION",
    "Column",
    "Counters",
    "FeedSpec",
    "batch_create",
    "batch_submit",
    "fail_stale_batches",
    "get_feed",
    "import_batch_task",
    "run_import",
    "seed_feeds",
    "tidy_after",
]
