"""Which cases, referrals and payments a user may reach; every read of the app starts here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from minzheng.accounts.models import OrgUnit
from minzheng.accounts.scope import restrict
from minzheng.cases.models import Case, CaseDocument, Payment, Referral

VIEW = "case.view"
WORK = "case.work"
DECIDE = "case.decide"
ANSWER = "referral.answer"
EXPORT = "payment.export"


def cases_visible(user: Any, action: str = VIEW) -> QuerySet[Case]:
    """The cases in ``user``'s scope under ``action``."""
    return restrict(Case.objects.all(), user, action).select_related(
        "household__head", "division__parent"
    )


def referrals_of_cases(user: Any, action: str = VIEW) -> QuerySet[Referral]:
    """Referrals of the cases in ``user``'s scope (the sending side)."""
    return restrict(Referral.objects.all(), user, action).select_related(
        "case__household__head", "case__division", "to_org_unit"
    )


def referrals_to_answer(user: Any) -> QuerySet[Referral]:
    """Referrals addressed to ``user``'s own unit (the receiving side sees only these)."""
    return restrict(Referral.objects.all(), user, ANSWER).select_related(
        "case__household__head", "case__division", "to_org_unit"
    )


def documents_visible(user: Any, action: str = VIEW) -> QuerySet[CaseDocument]:
    """Case documents in ``user``'s scope."""
    return restrict(CaseDocument.objects.all(), user, action).select_related("case")


def payments_visible(user: Any, action: str = EXPORT) -> QuerySet[Payment]:
    """Payments in ``user``'s scope under ``action`` (the payment roll)."""
    return restrict(Payment.objects.all(), user, action).select_related(
        "case__household__head", "case__division__parent"
    )


def referral_receivers() -> QuerySet[Any]:
    """Units a case may refer to: partner agencies, social organisations and charities, open,
    anywhere in the city (a county's case may go to a city-level agency)."""
    return OrgUnit.objects.filter(
        kind__in=(
            OrgUnit.Kind.PARTNER_AGENCY,
            OrgUnit.Kind.SOCIAL_ORGANIZATION,
            OrgUnit.Kind.CHARITY,
        ),
        closed_at__isnull=True,
    ).order_by("kind", "division__path", "name")
