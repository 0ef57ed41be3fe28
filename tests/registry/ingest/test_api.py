"""The ingest API: partner systems post rows or a file with a token, then poll the batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minzheng.accounts import services as account_services
from minzheng.registry.ingest import import_batch_task
from minzheng.registry.models import ImportBatch, Person
from tests.registry.ingest.files import HUKOU, family, write_csv
from tests.scope import make_scoped_user

pytestmark = pytest.mark.usefixtures("feeds")


def _token_for(actions: list[str], division: str = "500101") -> str:
    user = make_scoped_user(actions, division=division)
    _token, raw = account_services.apitoken_create(by=None, user=user, name="公安接口")
    return raw


def test_a_partner_posts_json_rows_with_a_token_and_polls_the_batch(client: Client) -> None:
    token = _token_for(["registry.import"])
    rows = [dict(zip(HUKOU, row, strict=True)) for row in family("004001")]
    headers = {"Authorization": f"Bearer {token}"}

    response = client.post(
        reverse("api:registry_import_create", kwargs={"feed": "police_hukou"}),
        json.dumps({"rows": rows, "division": "500101"}, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 202
    created = response.json()
    assert (created["status"], created["feed"], created["file_name"][-5:]) == (
        "pending",
        "police_hukou",
        ".json",
    )
    import_batch_task.call(batch_id=created["id"])
    polled = client.get(
        reverse("api:registry_import_detail", kwargs={"batch_id": created["id"]}), headers=headers
    ).json()
    assert (polled["status"], polled["rows_total"], polled["rows_created"]) == ("succeeded", 3, 3)
    assert Person.objects.count() == 3


def test_a_file_upload_and_its_errors_over_the_api(client: Client, tmp_path: Path) -> None:
    token = _token_for(["registry.import"])
    rows = family("004101", size=2)
    rows[0][0] = "500101197503020010"  # bad check character
    content = write_csv(tmp_path / "x.csv", HUKOU, rows).read_bytes()

    response = client.post(
        reverse("api:registry_import_create", kwargs={"feed": "police_hukou"}),
        {"file": SimpleUploadedFile("户籍.csv", content)},
        headers={"Authorization": f"Bearer {token}"},
    )
    batch_id = response.json()["id"]
    import_batch_task.call(batch_id=batch_id)
    polled = client.get(
        reverse("api:registry_import_detail", kwargs={"batch_id": batch_id}),
        headers={"Authorization": f"Bearer {token}"},
    ).json()

    assert response.status_code == 202
    assert (polled["status"], polled["rows_failed"]) == ("partial", 1)
    assert polled["errors"] == [
        {
            "row": 2,
            "column": "身份证号码",
            "value": "500101********0010",
            "message": "身份证号码校验位错误（应为4）",
        }
    ]


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"rows": "not a list"}, 400, "rows 应为对象数组"),
        ({"rows": [], "division": "500237"}, 404, "Not Found"),
    ],
)
def test_bad_requests(client: Client, payload: dict[str, Any], status: int, detail: str) -> None:
    token = _token_for(["registry.import"])
    response = client.post(
        reverse("api:registry_import_create", kwargs={"feed": "police_hukou"}),
        json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)
    assert ImportBatch.objects.count() == 0


def test_an_unknown_feed_is_not_found(client: Client) -> None:
    token = _token_for(["registry.import"])
    response = client.post(
        reverse("api:registry_import_create", kwargs={"feed": "tax_returns"}),
        "[]",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404
