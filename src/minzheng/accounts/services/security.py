"""Writes for signing in: TOTP devices (enrol, confirm, verify, reset), login records, unlock."""

from __future__ import annotations

from base64 import b32encode

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import User
from minzheng.accounts.services._common import ensure_may
from minzheng.audit.services import record_event

DEVICE_NAME = "手机验证器"


def _division_code(user: User) -> str:
    return user.org_unit.division.code if user.org_unit is not None else ""


def totp_enrol(*, user: User) -> tuple[TOTPDevice, str, str]:
    """Start (or resume) TOTP enrolment: an unconfirmed device with a fresh secret.

    Returns the device, its secret in base32 (to type into an authenticator app) and the
    ``otpauth://`` URI (for the QR code). Calling again before confirming returns the same
    secret, so a reload of the enrolment page does not invalidate a scanned code.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
            device.full_clean(exclude=["user"])
            device.save()
            record_event(
                actor=user,
                action="user.totp_enrol",
                obj=user,
                after={"device_id": device.pk},
                division_code=_division_code(user),
            )
    secret = b32encode(device.bin_key).decode("ascii")
    return device, secret, device.config_url


def totp_confirm(*, user: User, token: str) -> TOTPDevice | None:
    """Confirm the user's pending device with a code from it; None if the code is wrong.

    Confirming replaces any earlier confirmed device: one person, one authenticator.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        raise ValidationError(_("没有待绑定的验证器，请重新开始绑定。"))
    if not device.verify_token(_clean(token)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_event(
            actor=user,
            action="user.totp_confirm",
            obj=user,
            after={"device_id": device.pk},
            division_code=_division_code(user),
        )
    return device


def totp_verify(*, user: User, token: str) -> TOTPDevice | None:
    """The user's confirmed device if ``token`` is its current code, else None.

    django-otp refuses a code used before and slows down repeated failures.
    """
    token = _clean(token)
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def totp_reset(*, by: User | None, user: User, reason: str = "") -> int:
    """Remove the user's authenticator (lost phone): they enrol again at next sign-in.

    A device secret is a credential, not a record, so it is removed; the event stays.
    """
    if user.org_unit is not None:
        ensure_may(by, "user.manage", user.org_unit.division)
    with transaction.atomic():
        count, _detail = TOTPDevice.objects.filter(user=user).delete()
        record_event(
            actor=by,
            action="user.totp_reset",
            obj=user,
            after={"devices_removed": count},
            reason=reason,
            division_code=_division_code(user),
        )
    return count


def totp_current_code(*, user: User) -> str:
    """The code the user's authenticator shows now (for demos and tests).

    Uses the confirmed device, else the pending one; raises ``TOTPDevice.DoesNotExist``.
    """
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        raise TOTPDevice.DoesNotExist(f"{user.username} has no authenticator")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def record_login(*, user: User, two_factor: bool = False) -> None:
    """Record a completed sign-in (with or without a second factor) in the audit trail."""
    with transaction.atomic():
        record_event(
            actor=user,
            action="user.login_two_factor" if two_factor else "user.login",
            obj=user,
            division_code=_division_code(user),
        )


def _clean(token: str) -> str:
    return "".join(ch for ch in (token or "") if ch.isdigit())


def user_unlock(*, by: User | None, user: User) -> int:
    """Lift a lockout now (the person proved who they are another way); returns attempts cleared."""
    if user.org_unit is not None:
        ensure_may(by, "user.manage", user.org_unit.division)
    with transaction.atomic():
        cleared = axes_reset(username=user.username)
        record_event(
            actor=by,
            action="user.unlock",
            obj=user,
            after={"attempts_cleared": cleared},
            division_code=_division_code(user),
        )
    return cleared
