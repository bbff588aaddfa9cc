"""Cohort and membership writes. Each function flushes; the caller commits once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms import audit
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.cohorts import permissions
from lms.cohorts.models import Cohort, Membership
from lms.errors import DomainError
from lms.extensions import db
from lms.lazytext import lazy_gettext as _l
from lms.regions import operations as regions

COHORT_FIELDS = (
    "name",
    "code",
    "description",
    "venue",
    "start_date",
    "end_date",
    "timezone",
    "jp_total",
    "state",
    "locale",
    "excused_counts_as_attended",
    "list_position",
    "list_rank",
    "list_sex",
    "signer_name",
    "signer_title",
    "signer_nip",
    "signer_rank",
    "organized_by",
    "region_id",
)


class CohortError(DomainError):
    """A cohort or membership rule refused the change."""


def _snapshot(cohort: Cohort) -> dict[str, Any]:
    return {f: str(v) if (v := getattr(cohort, f)) is not None else None for f in COHORT_FIELDS}


def _check_code(code: str, exclude: Cohort | None = None) -> None:
    other = db.session.scalar(db.select(Cohort).filter_by(code=code))
    if other is not None and (exclude is None or other.id != exclude.id):
        raise CohortError(_l("Kode kelas ini sudah dipakai kelas lain."), field="code")


def _check_region(before: int | None, after: int | None, actor: User | None) -> None:
    if before == after:
        return
    if not (
        permissions.can_link_region(actor, before) and permissions.can_link_region(actor, after)
    ):
        raise CohortError(
            _l(
                "Hanya admin atau koordinator daerah itu yang dapat menghubungkan kelas ke "
                "daerah atau melepasnya."
            ),
            field="region_id",
        )


def create_cohort(data: dict[str, Any], *, actor: User | None) -> Cohort:
    _check_code(data["code"])
    _check_region(None, data.get("region_id"), actor)
    if data["end_date"] < data["start_date"]:
        raise CohortError(
            _l("Tanggal selesai tidak boleh sebelum tanggal mulai."), field="end_date"
        )
    cohort = Cohort(**{f: data[f] for f in COHORT_FIELDS if f in data})
    db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.create", cohort, actor=actor, after=_snapshot(cohort), cohort_id=cohort.id)
    return cohort


def update_cohort(cohort: Cohort, data: dict[str, Any], *, actor: User | None) -> Cohort:
    if "code" in data:
        _check_code(data["code"], exclude=cohort)
    if "region_id" in data:
        _check_region(cohort.region_id, data["region_id"], actor)
    before = _snapshot(cohort)
    for f in COHORT_FIELDS:
        if f in data:
            setattr(cohort, f, data[f])
    if cohort.end_date < cohort.start_date:
        raise CohortError(
            _l("Tanggal selesai tidak boleh sebelum tanggal mulai."), field="end_date"
        )
    db.session.flush()
    audit.record_change(
        "cohort.update", cohort, before, _snapshot(cohort), actor=actor, cohort_id=cohort.id
    )
    return cohort


def membership_of(cohort: Cohort, user: User) -> Membership | None:
    return db.session.scalar(db.select(Membership).filter_by(cohort_id=cohort.id, user_id=user.id))


@dataclass
class AddResult:
    membership: Membership
    user: User
    #: Set only when a new account was created: shown once to the organizer.
    initial_password: str | None
    #: "added", "role_changed" or "unchanged"
    outcome: str


def find_existing_user(email: str, nip: str | None) -> User | None:
    """The account with this email, else the one with this NIP."""
    user = db.session.scalar(db.select(User).filter_by(email=accounts.normalize_email(email)))
    if user is None and nip:
        user = db.session.scalar(db.select(User).filter_by(nip=nip))
    return user


def add_member(
    cohort: Cohort,
    *,
    email: str,
    role: str,
    actor: User | None,
    full_name: str = "",
    employment_status: str | None = None,
    nip: str | None = None,
    rank: str | None = None,
    sex: str | None = None,
    position: str = "",
    office: str = "",
    phone: str = "",
) -> AddResult:
    """Link an existing account (same email or NIP) or create one, then give it ``role``.

    An existing account keeps its profile: the organizer's data only fills empty fields. Its
    status changes only with a number it did not have (the number's status comes with it),
    and a rank is filled only when it fits the account's status.
    """
    user = find_existing_user(email, nip)
    password = None
    if user is None:
        password = accounts.generate_password()
        user = accounts.create_user(
            email=email,
            full_name=full_name,
            password=password,
            employment_status=employment_status,
            nip=nip,
            rank=rank,
            sex=sex,
            position=position,
            office=office,
            phone=phone,
            actor=actor,
        )
    else:
        if nip and user.nip and user.nip != nip:
            raise CohortError(
                _l(
                    "Email %(email)s sudah terdaftar dengan NIP lain (%(nip)s).",
                    email=user.email,
                    nip=user.nip_display,
                ),
                field="nip",
            )
        data = {
            "employment_status": employment_status,
            "nip": nip,
            "rank": rank,
            "sex": sex,
            "position": position,
            "office": office,
            "phone": phone,
        }
        empty = permissions.profile_fill(user, data)
        if empty:
            accounts.update_profile(user, empty, actor=actor)
    membership = membership_of(cohort, user)
    if membership is None:
        membership = Membership(cohort=cohort, user=user, role=role)
        db.session.add(membership)
        db.session.flush()
        audit.record(
            "membership.add",
            membership,
            actor=actor,
            after={"user_id": user.id, "role": role},
            cohort_id=cohort.id,
        )
        outcome = "added"
    elif membership.role != role:
        change_role(membership, role, actor=actor)
        outcome = "role_changed"
    else:
        outcome = "unchanged"
    return AddResult(membership, user, password, outcome)


def change_role(membership: Membership, role: str, *, actor: User | None) -> None:
    before = membership.role
    if before == role:
        return
    membership.role = role
    db.session.flush()
    audit.record(
        "membership.role",
        membership,
        actor=actor,
        before={"user_id": membership.user_id, "role": before},
        after={"user_id": membership.user_id, "role": role},
        cohort_id=membership.cohort_id,
    )


def remove_member(membership: Membership, *, actor: User | None) -> None:
    audit.record(
        "membership.remove",
        membership,
        actor=actor,
        before={"user_id": membership.user_id, "role": membership.role},
        cohort_id=membership.cohort_id,
    )
    db.session.delete(membership)
    db.session.flush()


def import_members(cohort: Cohort, rows: list[Any], *, actor: User | None) -> list[AddResult]:
    """Add every row or none: one refused row refuses the import (the request rolls back)."""
    results = []
    for row in rows:
        try:
            result = add_member(
                cohort,
                email=row.email,
                role=row.role,
                actor=actor,
                full_name=row.name,
                employment_status=row.status,
                nip=row.nip,
                rank=row.rank,
                sex=row.sex,
                position=row.position,
                office=row.office,
                phone=row.phone,
            )
        except DomainError as exc:
            raise CohortError(
                _l("Impor dibatalkan, tidak ada yang disimpan: %(msg)s", msg=str(exc))
            ) from exc
        results.append(result)
    regions.link_offices_by_text([r.user for r in results], cohort.region_id, actor=actor)
    return results
