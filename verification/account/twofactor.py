"""Two-factor sign-in for staff (django-otp): TOTP apps plus single-use backup codes.

Owners and HR Admins must use it (they see names and health data); Viewers may.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.members import Role
from verification import events

BACKUP_CODES = 10


TOTP_NAME = "authenticator"


BACKUP_NAME = "backup codes"


ROLES_REQUIRING_2FA = (Role.OWNER, Role.HR_ADMIN)


def two_factor_required(role: Role | None) -> bool:
    return role in ROLES_REQUIRING_2FA


def has_authenticator(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def totp_device_for_enrolment(user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    return device or TOTPDevice.objects.create(user=user, confirmed=False, name=TOTP_NAME)


def totp_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with a first code from the app; older authenticators are removed."""
    if not device.verify_token(token.strip()):
        events.two_factor_failed(device.user, step="enrol")
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        events.two_factor_enrolled(device.user)
    return True


def backup_codes_generate(user: User) -> list[str]:
    """Replace the user's backup codes with 10 new single-use ones (shown once)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
        events.backup_codes_generated(user)
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=BACKUP_NAME).count()


def second_factor_check(*, user: User, token: str, step: str = "verify"):  # type: ignore[no-untyped-def]
    """The device that accepts ``token`` (an app code or a backup code), or None.

    ``step`` is "verify" (the sign-in's second step) or "reauth" (a signed-in person proving it
    is still them before replacing their authenticator or backup codes); both are audited.
    Devices throttle themselves after failures (django-otp), so guessing slows down fast.
    Failures are audited, never the code itself.
    """
    token = token.strip().replace(" ", "")
    # for_verify locks the devices (SELECT ... FOR UPDATE, so one code cannot pass twice at
    # once), which needs a transaction: requests run in autocommit.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                kind = "backup" if isinstance(device, StaticDevice) else "app"
                if step == "reauth":
                    events.two_factor_reauthenticated(user, device_kind=kind)
                else:
                    events.two_factor_verified(user, device_kind=kind)
                return device
    events.two_factor_failed(user, step=step)
    return None


def second_factor_locked(user: User) -> bool:
    """True while django-otp's throttle refuses to check codes on every device: after a wrong
    code it waits 1 s, then 2, 4, 8 ... with each further failure."""
    devices = list(devices_for_user(user, confirmed=True))
    return bool(devices) and all(not d.verify_is_allowed()[0] for d in devices)


def second_factor_refused_while_locked(user: User, *, step: str = "verify") -> None:
    events.two_factor_failed(user, step="locked" if step == "verify" else f"{step}-locked")


def devices_reset(*, user: User, actor: User) -> None:
    """Remove a user's authenticator and backup codes (lost phone); they enrol again."""
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        events.two_factor_reset(user, actor=actor)
