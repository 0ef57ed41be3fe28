"""The ingest pages: upload, the batch with live progress, the error file; the background task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from minzheng.audit.models import AuditEvent
from minzheng.registry.ingest import import_batch_task, progress
from minzheng.registry.ingest.services import batch_create
from minzheng.registry.models import Feed, ImportBatch, Person
from tests.registry.ingest.files import HUKOU, family, write_csv
from tests.scope import make_scoped_user

pytestmark = pytest.mark.usefixtures("feeds")

WANZHOU = "500101"


def _clerk(client: Client, division: str = WANZHOU) -> Any:
    user = make_scoped_user(["registry.import"], division=division)
    client.force_login(user)
    return user


def _upload(client: Client, tmp_path: Path, rows: list[list[Any]]) -> ImportBatch:
    content = write_csv(tmp_path / "户籍.csv", HUKOU, rows, encoding="gbk").read_bytes()
    response = client.post(
        reverse("registry:import_new"),
        {
            "feed": "police_hukou",
            "division": WANZHOU,
            "file": SimpleUploadedFile("万州区户籍.csv", content, content_type="text/csv"),
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_detail", kwargs={"pk": batch.pk})
    return batch


def test_upload_queues_a_background_import_that_lands(client: Client, tmp_path: Path) -> None:
    clerk = _clerk(client)

    batch = _upload(client, tmp_path, family("003001"))

    assert (batch.status, batch.file_name, batch.created_by) == ("pending", "万州区户籍.csv", clerk)
    assert batch.scope_path == "500000/500101/"
    assert batch.source_file.name is not None
    assert batch.source_file.name.startswith("imports/uploads/")
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "minzheng.registry.ingest.services.import_batch_task"
    assert queued.args_kwargs["kwargs"] == {"batch_id": batch.pk}
    pending = client.get(reverse("registry:import_detail", kwargs={"pk": batch.pk}))
    assert 'hx-trigger="every 1s"' in pending.content.decode()

    # A family's rows: too few for the tables to be tidied after them (``tidy_after``).
    assert import_batch_task.call(batch_id=batch.pk) == {
        "batch": batch.pk,
        "status": "succeeded",
        "tidied": False,
    }

    batch.refresh_from_db()
    assert (batch.status, batch.rows_created, Person.objects.count()) == ("succeeded", 3, 3)
    assert batch.source_file.name == ""  # the upload (personal data) is not kept
    page = client.get(reverse("registry:import_detail", kwargs={"pk": batch.pk})).content.decode()
    assert "全部成功" in page
    assert 'hx-trigger="every 1s"' not in page
    assert 'data-testid="rows-created">3<' in page


def test_the_batch_page_lists_errors_and_serves_the_error_file(
    client: Client, tmp_path: Path
) -> None:
    clerk = _clerk(client)
    rows = family("003101", size=2)
    rows[1][4] = "500101999999"
    batch = _upload(client, tmp_path, rows)
    import_batch_task.call(batch_id=batch.pk)

    page = client.get(reverse("registry:import_detail", kwargs={"pk": batch.pk})).content.decode()
    download = client.get(reverse("registry:import_error_file", kwargs={"pk": batch.pk}))

    assert "部分成功" in page
    assert "区划代码在行政区划表中不存在" in page
    assert "万州区户籍.csv 第3行【区划代码】“500101999999”：区划代码在行政区划表中不存在" in page
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Disposition"].endswith("xlsx")
    logged = AuditEvent.objects.get(action="pii.view", object_id=str(batch.pk))
    assert (logged.actor, logged.reason) == (clerk, "下载导入错误行文件，更正后重新导入")


def test_progress_is_read_from_the_running_import(client: Client, tmp_path: Path) -> None:
    _clerk(client)
    batch = batch_create(
        feed_code="police_hukou",
        file_name="大文件.csv",
        file_sha256="0" * 64,
        by=None,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", scope_path="500000/500101/")
    progress.write(
        batch.pk,
        {
            "rows_total": 20000,
            "rows_done": 5000,
            "rows_created": 4990,
            "rows_unchanged": 0,
            "rows_failed": 10,
        },
    )

    fragment = client.get(reverse("registry:import_progress", kwargs={"pk": batch.pk}), {"poll": 1})

    html = fragment.content.decode()
    assert 'aria-valuenow="25"' in html
    assert 'data-testid="rows-done">5000<' in html
    assert 'hx-trigger="every 1s"' in html
    assert "HX-Refresh" not in fragment


def test_a_finished_batch_ends_the_polling_with_a_reload(client: Client) -> None:
    _clerk(client)
    batch = batch_create(
        feed_code="police_hukou",
        file_name="x.csv",
        file_sha256="0" * 64,
        by=None,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status="succeeded", scope_path="500000/500101/")

    fragment = client.get(reverse("registry:import_progress", kwargs={"pk": batch.pk}), {"poll": 1})

    assert fragment["HX-Refresh"] == "true"
    assert 'hx-trigger="every 1s"' not in fragment.content.decode()


def test_a_wrong_file_type_is_refused_on_the_form(client: Client) -> None:
    _clerk(client)
    response = client.post(
        reverse("registry:import_new"),
        {
            "feed": "police_hukou",
            "division": WANZHOU,
            "file": SimpleUploadedFile("户籍.pdf", b"%PDF", content_type="application/pdf"),
        },
    )

    assert response.status_code == 200
    assert "请上传 .xlsx、.csv 或 .json 文件" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_list_shows_the_batches_in_scope(client: Client) -> None:
    _clerk(client)
    mine = batch_create(
        feed_code="vehicles", file_name="万州车辆.csv", file_sha256="1" * 64, by=None
    )
    ImportBatch.objects.filter(pk=mine.pk).update(scope_path="500000/500101/")
    batch_create(feed_code="vehicles", file_name="巫山车辆.csv", file_sha256="2" * 64, by=None)

    page = client.get(reverse("registry:import_list")).content.decode()

    assert "万州车辆.csv" in page
    assert "巫山车辆.csv" not in page  # filed city-wide: only city-wide importers see it


def test_a_queued_batch_whose_upload_is_gone_fails(client: Client, tmp_path: Path) -> None:
    _clerk(client)
    batch = _upload(client, tmp_path, family("003201"))
    batch.source_file.delete(save=False)

    assert import_batch_task.call(batch_id=batch.pk)["status"] == "failed"
    batch.refresh_from_db()
    assert batch.message == "上传的文件已不存在，请重新上传。"


def test_an_inactive_feed_takes_no_batches() -> None:
    Feed.objects.filter(code="vehicles").update(is_active=False)

    with pytest.raises(ValidationError) as refused:
        batch_create(feed_code="vehicles", file_name="车辆.csv", file_sha256="3" * 64, by=None)

    assert refused.value.message_dict == {"feed": ["数据源“车管·车辆”已停用"]}
