"""Account writes. Each function flushes; the caller commits once."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_babel import lazy_gettext as _l

from lms import audit
from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db

PROFILE_FIELDS = ("full_name", "nip", "rank", "position", "office", "phone")
_dummy_hash: list[str] = []


class DuplicateError(DomainError):
    """An email or NIP that already belongs to another account."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_identifier(identifier: str) -> User | None:
    """An email address or an NIP written with or without spaces."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return db.session.scalar(db.select(User).filter_by(email=normalize_email(identifier)))
    digits = re.sub(r"[\s.\-]", "", identifier)
    if digits.isdigit() and len(digits) == 18:
        return db.session.scalar(db.select(User).filter_by(nip=digits))
    return None


def authenticate(identifier: str, password: str) -> User | None:
    from werkzeug.security import check_password_hash, generate_password_hash

    user = find_by_identifier(identifier)
    if user is None:
        # Hash anyway, so that an unknown account answers as slowly as a wrong password.
        if not _dummy_hash:
            _dummy_hash.append(generate_password_hash(secrets.token_hex(8)))
        check_password_hash(_dummy_hash[0], password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


def check_unique(email: str | None, nip: str | None, *, exclude: User | None = None) -> None:
    """Raise DuplicateError naming the field when email or NIP is taken by someone else."""
    exclude_id = exclude.id if exclude is not None else None
    if email:
        other = db.session.scalar(db.select(User).filter_by(email=normalize_email(email)))
        if other is not None and other.id != exclude_id:
            raise DuplicateError(_l("Email ini sudah dipakai akun lain."), field="email")
    if nip:
        other = db.session.scalar(db.select(User).filter_by(nip=nip))
        if other is not None and other.id != exclude_id:
            raise DuplicateError(_l("NIP ini sudah dipakai akun lain."), field="nip")


def generate_password() -> str:
    """A readable initial password for accounts an organizer creates."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def create_user(
    *,
    email: str,
    full_name: str,
    password: str,
    nip: str | None = None,
    rank: str | None = None,
    position: str = "",
    office: str = "",
    phone: str = "",
    locale: str = "id",
    is_admin: bool = False,
    actor: User | None = None,
) -> User:
    check_unique(email, nip)
    user = User(
        email=normalize_email(email),
        full_name=full_name.strip(),
        nip=nip or None,
        rank=rank or None,
        position=(position or "").strip(),
        office=(office or "").strip(),
        phone=(phone or "").strip(),
        locale=locale,
        is_admin=is_admin,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, after=_snapshot(user))
    return user


def _snapshot(user: User) -> dict[str, Any]:
    return {f: getattr(user, f) for f in (*PROFILE_FIELDS, "email", "is_admin", "locale")}


def update_profile(user: User, data: dict[str, Any], *, actor: User | None = None) -> User:
    check_unique(None, data.get("nip"), exclude=user)
    before = _snapshot(user)
    for field in (*PROFILE_FIELDS, "locale"):
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            if field in ("nip", "rank"):
                value = value or None
            setattr(user, field, value)
    db.session.flush()
    audit.record_change("user.profile", user, before, _snapshot(user), actor=actor or user)
    return user


def change_password(user: User, new_password: str, *, current: str | None = None) -> None:
    """Set a new password; with ``current``, only if it is the user's password now."""
    if current is not None and not user.check_password(current):
        raise DomainError(_l("Kata sandi sekarang salah."), field="current_password")
    user.set_password(new_password)
    db.session.flush()
    audit.record("user.password", user, actor=user)


def set_admin(user: User, is_admin: bool, *, actor: User | None) -> None:
    if user.is_admin == is_admin:
        return
    user.is_admin = is_admin
    db.session.flush()
    audit.record(
        "user.admin",
        user,
        actor=actor,
        before={"is_admin": not is_admin},
        after={"is_admin": is_admin},
    )


def set_calendar_token(user: User, *, enabled: bool) -> str | None:
    """A new secret for the personal calendar feed (the old URL stops working), or none."""
    user.calendar_token = secrets.token_urlsafe(24) if enabled else None
    db.session.flush()
    return user.calendar_token
