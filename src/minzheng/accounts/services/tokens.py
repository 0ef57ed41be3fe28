"""Writes to API tokens: issue (the plaintext is returned once), revoke, note a use."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import ApiToken, User
from minzheng.accounts.selectors import token_hash
from minzheng.accounts.services._common import ensure_may
from minzheng.audit.services import record_event

TOKEN_PREFIX = "mz_"
PREFIX_LENGTH = 10


def _division_code(user: User) -> str:
    return user.org_unit.division.code if user.org_unit is not None else ""


def apitoken_create(*, by: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token that acts as ``user``; returns the row and the token text (shown once).

    The token reaches exactly what ``user``'s role assignments reach, through the same
    ``restrict``. The issuer needs ``apitoken.manage`` over the user's division.
    """
    if user.org_unit is None:
        raise ValidationError({"user": _("该账号没有所在机构，不能签发令牌。")})
    ensure_may(by, "apitoken.manage", user.org_unit.division)
    if not user.is_active:
        raise ValidationError({"user": _("该账号已停用。")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        user=user,
        prefix=raw[:PREFIX_LENGTH],
        token_hash=token_hash(raw),
        created_by=by,
    )
    token.full_clean(exclude=["created_by"])
    with transaction.atomic():
        token.save()
        record_event(
            actor=by,
            action="apitoken.create",
            obj=token,
            after={"name": token.name, "user": user.username, "prefix": token.prefix},
            division_code=_division_code(user),
        )
    return token, raw


def apitoken_revoke(*, by: User | None, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token at once; calls made with it answer 401 from now on."""
    if token.user.org_unit is not None:
        ensure_may(by, "apitoken.manage", token.user.org_unit.division)
    if token.revoked_at is not None:
        raise ValidationError(_("该令牌已吊销。"))
    token.revoked_at = timezone.now()
    with transaction.atomic():
        token.save(update_fields=["revoked_at"])
        record_event(
            actor=by,
            action="apitoken.revoke",
            obj=token,
            after={"revoked_at": token.revoked_at},
            reason=reason,
            division_code=_division_code(token.user),
        )
    return token


def apitoken_touch(*, token: ApiToken) -> None:
    """Note that a token was used (at most once a minute, to keep calls cheap).

    A usage timestamp, not a change of anything the token may do, so no audit event.
    """
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
