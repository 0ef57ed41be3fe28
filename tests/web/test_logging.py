"""Structured logging: one JSON line per request, with the request id the response echoes."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from pythonjsonlogger.json import JsonFormatter


def _json_formatter() -> JsonFormatter:
    """The formatter settings.LOGGING installs on the root logger's console handler."""
    formatters = [
        h.formatter for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)
    ]
    assert len(formatters) == 1
    return formatters[0]


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_its_request_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="minzheng.request"):
        response = client.get("/health", headers={"X-Request-ID": "req-abc-123"})
    assert response["X-Request-ID"] == "req-abc-123"
    records = [r for r in caplog.records if r.name == "minzheng.request"]
    assert len(records) == 1
    line = json.loads(_json_formatter().format(records[0]))
    assert line["level"] == "INFO"
    assert line["logger"] == "minzheng.request"
    assert line["message"] == "request"
    assert line["request_id"] == "req-abc-123"
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["status"] == 200
    assert line["user"] == ""
    assert isinstance(line["ms"], float)
    assert line["time"][:4].isdigit()


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_fresh_one(client: Client) -> None:
    first = client.get("/health")["X-Request-ID"]
    second = client.get("/health")["X-Request-ID"]
    assert len(first) == 32
    assert first != second
