"""Evidence uploads (type, content and size checked; stored under the media root; audited) and
the printable PDFs with Chinese text (审批表, 救助证明, 不予救助告知书)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from minzheng.audit.models import AuditEvent
from minzheng.cases import pdf, services
from minzheng.cases.models import Case, CaseDocument, WorkflowSettings
from tests.cases import factories as f

pytestmark = pytest.mark.django_db

K = CaseDocument.Kind


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_an_accepted_upload_is_stored_with_its_digest_and_audited(media_root: Path) -> None:
    case = f.open_case()
    document = services.document_upload(
        case=case, by=None, kind=K.VISIT_PHOTO, upload=f.png_upload(), note="厨房"
    )
    stored = Path(document.file.path)
    assert stored.is_relative_to(media_root / "cases")
    assert stored.read_bytes().startswith(b"\x89PNG")
    assert (document.content_type, document.size, len(document.sha256)) == ("image/png", 72, 64)
    assert (
        AuditEvent.objects.filter(action="case.document.upload", object_id=str(document.pk)).count()
        == 1
    )


@pytest.mark.parametrize(
    ("kind", "upload", "message"),
    [
        (K.OTHER, SimpleUploadedFile("病历.exe", b"MZ\x90\x00"), "类型不能上传"),
        (K.OTHER, SimpleUploadedFile("授权书.pdf", b"MZ\x90\x00 not a pdf"), "内容与扩展名不符"),
        (K.VISIT_PHOTO, SimpleUploadedFile("照片.pdf", b"%PDF-1.4"), "类型不能上传"),
        (K.OTHER, SimpleUploadedFile("空.pdf", b""), "空文件"),
    ],
)
def test_a_bad_upload_is_refused(kind: str, upload: SimpleUploadedFile, message: str) -> None:
    case = f.open_case()
    with pytest.raises(ValidationError, match=message):
        services.document_upload(case=case, by=None, kind=kind, upload=upload)
    assert CaseDocument.objects.filter(case=case).count() == 0


def test_an_upload_over_the_configured_size_is_refused() -> None:
    WorkflowSettings.objects.create(upload_max_mb=1)
    big = SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="超过 1 MB"):
        services.document_upload(case=f.open_case(), by=None, kind=K.OTHER, upload=big)


def test_a_withdrawn_document_is_kept_and_marked() -> None:
    case = f.open_case()
    document = services.document_upload(case=case, by=None, kind=K.OTHER, upload=f.pdf_upload())
    with pytest.raises(ValidationError, match="作废原因"):
        services.document_withdraw(document=document, by=None, reason="")
    services.document_withdraw(document=document, by=None, reason="传错了")
    document.refresh_from_db()
    assert document.closed_at is not None
    assert CaseDocument.objects.filter(case=case).count() == 1


def _approved_case() -> Case:
    worker, officer = f.worker(), f.officer()
    household = f.elderly_household(name="欧阳秀兰", spouse=False, age=66)
    return f.walk(
        f.open_case(household, by=worker), Case.Status.IN_PAYMENT, by=worker, county=officer
    )


def test_the_approval_form_and_certificate_carry_the_household_in_chinese() -> None:
    case = _approved_case()
    form = pdf.approval_form(case)
    assert form.startswith(b"%PDF")
    text = _text(form)
    assert "社会救助审核确认审批表" in text
    assert "欧阳秀兰" in text
    assert case.number in text
    certificate = _text(pdf.certificate(case))
    assert "社会救助证明" in certificate and "欧阳秀兰" in certificate
    assert "1,001.00" in certificate
    assert [k for k, _t in pdf.available(case)] == ["approval_form", "certificate"]


def test_the_refusal_notice_states_the_reasons() -> None:
    case = f.open_case(f.elderly_household(name="赵铁柱"))
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.REFUSED,
        decision=Case.Decision.REFUSED,
        decided_on=dt.date(2026, 11, 20),
        accepted_on=dt.date(2026, 11, 2),
        decision_reasons="家庭成员名下登记有小型汽车一辆。",
    )
    case.refresh_from_db()
    text = _text(pdf.refusal_notice(case))
    assert "不予救助告知书" in text
    assert "赵铁柱" in text
    assert "家庭成员名下登记有小型汽车一辆" in text
    assert "行政复议" in text


def test_printing_is_a_logged_pdf_download(client: Client) -> None:
    worker = f.worker()
    case = f.open_case(f.elderly_household(name="钱多多"), by=worker)
    services.case_accept(case=case, by=worker, expected_version=1)
    client.force_login(worker)
    response = client.get(reverse("cases:print", args=[case.number, "approval_form"]))
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert "钱多多" in _text(response.content)
    assert AuditEvent.objects.filter(action="pii.view", object_id=str(case.pk)).count() == 1
    missing = client.get(reverse("cases:print", args=[case.number, "certificate"]))
    assert missing.status_code == 404
