"""Who may reach the ingest pages and API (run by tests/test_every_page_scoped.py).

Batches are filed under 万州区 (500101); the in-scope user holds ``registry.import`` over
万州区, the out-of-scope one over 巫山县 (500237).
"""

from __future__ import annotations

from typing import Any

from minzheng.registry.ingest import seed_feeds
from minzheng.registry.ingest.services import batch_create
from minzheng.registry.models import ImportBatch
from tests.scope import scope_case

ACTION = "registry.import"
MARKER = "scope-marker-500101-hukou.csv"
ROW = {
    "身份证号码": "500101197503020014",
    "姓名": "张三",
    "区划代码": "500101001001",
    "与户主关系": "户主",
    "户号": "009901",
}


def _batch_in_wanzhou() -> ImportBatch:
    seed_feeds()
    batch = batch_create(feed_code="police_hukou", file_name=MARKER, file_sha256="0" * 64, by=None)
    ImportBatch.objects.filter(pk=batch.pk).update(
        scope_path="500000/500101/", status="partial", rows_failed=1
    )
    batch.refresh_from_db()
    return batch


def _pk() -> dict[str, int]:
    return {"pk": _batch_in_wanzhou().pk}


def _batch_id() -> dict[str, int]:
    return {"batch_id": _batch_in_wanzhou().pk}


def _with_error_file() -> dict[str, int]:
    from django.core.files.base import ContentFile

    batch = _batch_in_wanzhou()
    batch.error_file.save("batch-errors.xlsx", ContentFile(b"PK"), save=True)
    return {"pk": batch.pk}


def _listed() -> dict[str, Any]:
    _batch_in_wanzhou()
    return {}


def _feeds() -> dict[str, str]:
    seed_feeds()
    return {"feed": "police_hukou"}


def _template() -> dict[str, str]:
    seed_feeds()
    return {"code": "police_hukou"}


CASES = [
    scope_case(
        "registry:import_list",
        kwargs=_listed,
        action=ACTION,
        inside="500101",
        outside="500237",
        shows=MARKER,
    ),
    scope_case(
        "registry:import_new",
        data={"division": "500101"},
        action=ACTION,
        inside="500101",
        outside="500237",
    ),
    # The template holds no data: anyone who may import gets it, whatever their division.
    scope_case("registry:import_template", kwargs=_template, action=ACTION, no_object=True),
    scope_case(
        "registry:import_detail", kwargs=_pk, action=ACTION, inside="500101", outside="500237"
    ),
    scope_case(
        "registry:import_progress", kwargs=_pk, action=ACTION, inside="500101", outside="500237"
    ),
    scope_case(
        "registry:import_error_file",
        kwargs=_with_error_file,
        action=ACTION,
        inside="500101",
        outside="500237",
    ),
    scope_case(
        "api:registry_import_list",
        kwargs=_listed,
        action=ACTION,
        inside="500101",
        outside="500237",
        shows=MARKER,
    ),
    scope_case(
        "api:registry_import_detail",
        kwargs=_batch_id,
        action=ACTION,
        inside="500101",
        outside="500237",
    ),
    scope_case(
        "api:registry_import_create",
        kwargs=_feeds,
        method="post",
        data={"rows": [ROW], "division": "500101"},
        action=ACTION,
        inside="500101",
        outside="500237",
        expect=202,
    ),
]
