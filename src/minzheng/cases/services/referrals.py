"""Referrals: from a case to a partner agency, or — with the household's consent on file — to a
charity or social organisation; answered by the receiving unit in the platform or by API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import OrgUnit
from minzheng.audit.services import record_event
from minzheng.cases import workflow
from minzheng.cases.models import Case, CaseDocument, Referral, ReferralEvent, WorkflowSettings
from minzheng.cases.services._common import ensure_may, subject_key
from minzheng.cases.services.documents import document_upload
from minzheng.web import workdays

K = Referral.Kind
PARTNER_KINDS = (K.MEDICAL, K.EDUCATION, K.HOUSING, K.EMPLOYMENT)
SOCIAL_KINDS = (K.CHARITY, K.SOCIAL_SERVICE)
# Who may receive what: agencies the special assistance, social organisations and charities
# the social support (only with the household's consent).
RECEIVER_KINDS: dict[str, tuple[str, ...]] = {
    **{k: (OrgUnit.Kind.PARTNER_AGENCY,) for k in PARTNER_KINDS},
    **{k: (OrgUnit.Kind.SOCIAL_ORGANIZATION, OrgUnit.Kind.CHARITY) for k in SOCIAL_KINDS},
}
CONSENT_RECEIVERS = (OrgUnit.Kind.SOCIAL_ORGANIZATION, OrgUnit.Kind.CHARITY)


def needs_consent(org_unit: OrgUnit) -> bool:
    """A charity or social organisation receives personal data only with recorded consent."""
    return org_unit.kind in CONSENT_RECEIVERS


@transaction.atomic
def referral_send(
    *,
    case: Case,
    by: Any,
    to_org_unit: OrgUnit,
    kind: str,
    need: str,
    due_on: dt.date | None = None,
    consent_upload: Any = None,
    consent_document: CaseDocument | None = None,
    consent_note: str = "",
    on: dt.date | None = None,
) -> Referral:
    """Refer a need of ``case``'s household to ``to_org_unit`` with a deadline.

    To a charity or social organisation, the household's signed consent is required: an upload
    (``consent_upload``, stored as a consent document) or a consent document already on the case.
    ``on`` is the working day the referral was sent (default today); the deadline counts from it.
    """
    ensure_may(by, workflow.WORK, case.division)
    if case.status == Case.Status.CLOSED:
        raise ValidationError("案件已办结，不能再转介。")
    if kind not in RECEIVER_KINDS:
        raise ValidationError({"kind": "请选择转介事项。"})
    if to_org_unit.closed_at is not None:
        raise ValidationError({"to_org_unit": "该单位已撤销。"})
    if to_org_unit.kind not in RECEIVER_KINDS[kind]:
        kinds = "、".join(str(OrgUnit.Kind(k).label) for k in RECEIVER_KINDS[kind])
        raise ValidationError({"to_org_unit": f"“{Referral.Kind(kind).label}”只能转介给{kinds}。"})
    if not need.strip():
        raise ValidationError({"need": "请说明需求。"})
    today = on or timezone.localdate()
    due = due_on or workdays.add_workdays(today, WorkflowSettings.current().referral_working_days)
    if due < today:
        raise ValidationError({"due_on": "办理期限不能早于今天。"})
    if needs_consent(to_org_unit):
        if consent_upload is not None:
            consent_document = document_upload(
                case=case,
                by=by,
                kind=CaseDocument.Kind.CONSENT,
                upload=consent_upload,
                note=f"同意向{to_org_unit.name}提供信息",
            )
        if consent_document is None or consent_document.kind != CaseDocument.Kind.CONSENT:
            raise ValidationError(
                {"consent_upload": "转介给社会组织或慈善组织，须上传当事人签字的信息共享同意书。"}
            )
        if consent_document.case_id != case.pk or consent_document.closed_at is not None:
            raise ValidationError({"consent_upload": "同意书须为本案件的有效材料。"})
    referral = Referral(
        case=case,
        to_org_unit=to_org_unit,
        kind=kind,
        need=need.strip(),
        due_on=due,
        sent_by=by if getattr(by, "pk", None) else None,
        consent_document=consent_document if needs_consent(to_org_unit) else None,
        consent_note=consent_note.strip()[:200],
    )
    referral.full_clean()
    referral.save()
    ReferralEvent.objects.create(
        referral=referral,
        by=by,
        transition="send",
        from_status="",
        to_status=referral.status,
        text=referral.need,
        version=referral.version,
    )
    record_event(
        actor=by,
        action="referral.send",
        obj=referral,
        after={
            "case": case.number,
            "to_org_unit": to_org_unit.code,
            "kind": kind,
            "due_on": due,
            "consent_document": referral.consent_document_id,
        },
        division_code=case.division.code,
        subject_key=subject_key(case.household),
    )
    return referral


def referral_act(
    *, referral: Referral, by: Any, name: str, expected_version: int, text: str = ""
) -> Referral:
    """Accept, start, finish (with the outcome), decline (with the reason) or withdraw."""
    return workflow.apply_referral_transition(
        referral=referral, name=name, by=by, expected_version=expected_version, text=text
    )
