"""Evidence on a case: uploads (checked for size and type) and withdrawing a wrong one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.audit.services import record_event, record_pii_access
from minzheng.cases import uploads, workflow
from minzheng.cases.models import Case, CaseDocument, WorkflowSettings
from minzheng.cases.services._common import ensure_may, subject_key

UPLOAD_KINDS = tuple(k for k in CaseDocument.Kind.values if k != CaseDocument.Kind.GENERATED)


@transaction.atomic
def document_upload(
    *, case: Case, by: Any, kind: str, upload: Any, note: str = "", action: str = workflow.WORK
) -> CaseDocument:
    """Attach ``upload`` to ``case`` as ``kind`` (stored under var/media/cases/…).

    Photos must be images; every file must be of an accepted type whose content matches its
    name, and within the configured size. Documents are never deleted, only withdrawn.
    """
    if kind not in UPLOAD_KINDS:
        raise ValidationError({"kind": "请选择材料类型。"})
    if case.status == Case.Status.CLOSED:
        raise ValidationError("案件已办结，不能再上传材料。")
    ensure_may(by, action, case.division)
    checked = uploads.check_upload(
        upload,
        max_mb=WorkflowSettings.current().upload_max_mb,
        images_only=kind == CaseDocument.Kind.VISIT_PHOTO,
    )
    document = CaseDocument(
        case=case,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        note=note.strip()[:200],
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    document.file.save(checked.name, upload, save=False)
    document.full_clean()
    document.save()
    record_event(
        actor=by,
        action="case.document.upload",
        obj=document,
        after={
            "case": case.number,
            "kind": kind,
            "name": checked.name,
            "size": checked.size,
            "sha256": checked.sha256,
        },
        division_code=case.division.code,
        subject_key=subject_key(case.household),
    )
    return document


@transaction.atomic
def document_withdraw(*, document: CaseDocument, by: Any, reason: str) -> CaseDocument:
    """Withdraw a document uploaded by mistake (kept, marked withdrawn; reason required)."""
    if not reason.strip():
        raise ValidationError({"reason": "请说明作废原因。"})
    case = document.case
    ensure_may(by, workflow.WORK, case.division)
    if document.closed_at is not None:
        return document
    document.closed_at = timezone.now()
    document.save(update_fields=["closed_at"])
    record_event(
        actor=by,
        action="case.document.withdraw",
        obj=document,
        before={"closed_at": None},
        after={"closed_at": document.closed_at},
        reason=reason.strip(),
        division_code=case.division.code,
        subject_key=subject_key(case.household),
    )
    return document


def document_viewed(*, document: CaseDocument, by: Any) -> None:
    """Record that ``by`` opened an uploaded document (it holds personal data)."""
    with transaction.atomic():
        record_pii_access(
            actor=by,
            obj=document,
            purpose=f"查看案件 {document.case.number} 的{document.get_kind_display()}",
            division_code=document.case.division.code,
            subject_key=subject_key(document.case.household),
        )


def document_printed(*, case: Case, by: Any, title: str) -> None:
    """Record that ``by`` printed ``title`` (a generated PDF with personal data) for ``case``."""
    with transaction.atomic():
        record_pii_access(
            actor=by,
            obj=case,
            purpose=f"打印{title}",
            division_code=case.division.code,
            subject_key=subject_key(case.household),
        )
