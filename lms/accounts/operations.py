"""Account writes. Each function flushes; the caller commits once."""

from __future__ import annotations

import secrets
from typing import Any

from lms import audit
from lms.accounts import civil_service as cs
from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.lazytext import lazy_gettext as _l

PROFILE_FIELDS = (
    "full_name",
    "employment_status",
    "nip",
    "rank",
    "sex",
    "position",
    "office",
    "phone",
)
_dummy_hash: list[str] = []


class DuplicateError(DomainError):
    """An email or NIP that already belongs to another account."""


class ProfileError(DomainError):
    """A status, number, rank or sex that do not fit together (the forms say so first)."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_identifier(identifier: str) -> User | None:
    """An email address or an NIP written with or without spaces."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return db.session.scalar(db.select(User).filter_by(email=normalize_email(identifier)))
    try:
        digits = cs.compact_number(identifier)
    except cs.NIPError:
        return None
    if digits.isascii() and digits.isdigit() and len(digits) == 18:
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
    employment_status: str | None = None,
    nip: str | None = None,
    rank: str | None = None,
    sex: str | None = None,
    position: str = "",
    office: str = "",
    phone: str = "",
    locale: str = "id",
    is_admin: bool = False,
    actor: User | None = None,
) -> User:
    """A new account; without ``employment_status`` it is guessed from the number and rank
    (:func:`lms.accounts.civil_service.guess_status`)."""
    person = _person(
        {
            "employment_status": employment_status,
            "nip": nip,
            "rank": rank,
            "sex": sex,
            "phone": phone,
        }
    )
    check_unique(email, person["nip"])
    user = User(
        email=normalize_email(email),
        full_name=full_name.strip(),
        position=(position or "").strip(),
        office=(office or "").strip(),
        locale=locale,
        is_admin=is_admin,
        **person,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, after=_snapshot(user))
    return user


def _snapshot(user: User) -> dict[str, Any]:
    return {f: getattr(user, f) for f in (*PROFILE_FIELDS, "email", "is_admin", "locale")}


def _person(data: dict[str, Any]) -> dict[str, Any]:
    """Status, number, rank, sex and phone cleaned and checked together; raises ProfileError
    naming the field. Numbers are stored in ASCII digits only."""
    try:
        nip = cs.compact_number(data.get("nip")) or None
        phone = cs.normalize_phone(data.get("phone"))
    except cs.NIPError as exc:
        raise ProfileError(str(exc), field="nip") from None
    except cs.PhoneError as exc:
        raise ProfileError(str(exc), field="phone") from None
    if nip is not None and not (nip.isascii() and nip.isdigit() and len(nip) == 18):
        raise ProfileError(_l("NIP atau NI PPPK harus 18 angka."), field="nip")
    rank = (data.get("rank") or "").strip() or None
    sex = data.get("sex") or None
    status = data.get("employment_status") or cs.guess_status(nip, rank)
    if status not in cs.STATUSES:
        raise ProfileError(_l("Status kepegawaian tidak dikenal."), field="employment_status")
    if status == "non_asn" and nip:
        try:
            cs.parse_number(nip, status)
        except cs.NIPError as exc:
            raise ProfileError(str(exc), field="nip") from None
    if rank is not None and rank not in cs.RANK_CODES:
        raise ProfileError(_l("Pangkat/golongan tidak dikenal."), field="rank")
    if sex is not None and sex not in cs.SEXES:
        raise ProfileError(_l("Jenis kelamin harus L atau P."), field="sex")
    for field, message in (
        ("rank", cs.rank_problem(status, rank)),
        ("sex", cs.sex_problem(status, nip, sex)),
    ):
        if message:
            raise ProfileError(message, field=field)
    return {
        "employment_status": status,
        "nip": nip,
        "rank": rank,
        "sex": sex,
        "phone": phone,
    }


def update_profile(user: User, data: dict[str, Any], *, actor: User | None = None) -> User:
    """Change the fields given in ``data``; the person's status, number, rank and sex must
    still fit together afterwards."""
    person_keys = ("employment_status", "nip", "rank", "sex", "phone")
    person = _person({k: data[k] if k in data else getattr(user, k) for k in person_keys})
    check_unique(None, person["nip"], exclude=user)
    before = _snapshot(user)
    office = user.office
    for field in (*PROFILE_FIELDS, "locale"):
        if field in person:
            setattr(user, field, person[field])
        elif field in data:
            value = data[field]
            setattr(user, field, value.strip() if isinstance(value, str) else value)
    if user.office != office:
        # The matched office stood for the old text; the coordinator matches the new one.
        user.office_id = None
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
