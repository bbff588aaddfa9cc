"""Writes of the API: making and revoking tokens, an organizer's marks row by row (a device's
check-in is lms.attendance.operations.check_in_queued). Each flushes and writes its audit
rows; the unit of work commits."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lms import audit
from lms.accounts.models import User
from lms.api import permissions, queries
from lms.api.models import SECRET_PREFIX, PersonalAccessToken, secret_hash
from lms.attendance import operations as attendance
from lms.attendance import permissions as attendance_rules
from lms.attendance import queries as attendance_queries
from lms.attendance.models import AttendanceRecord, Meeting
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import gettext as _


class TokenError(DomainError):
    """A token could not be made or revoked; the message says why."""


# --- tokens ---------------------------------------------------------------------------------


@dataclass
class NewToken:
    token: PersonalAccessToken
    #: The secret, shown once; only its hash is stored.
    secret: str


def create_token(
    user: User, *, name: str, scopes: Iterable[str], days: int, now: datetime | None = None
) -> NewToken:
    now = now or utcnow()
    chosen = [s for s in permissions.SCOPES if s in set(scopes)]
    if not chosen:
        raise TokenError(_("Pilih sekurang-kurangnya satu izin."), field="scopes")
    if days not in permissions.LIFETIME_DAYS:
        raise TokenError(_("Pilih masa berlaku dari daftar."), field="days")
    reason = permissions.why_not_create(queries.active_token_count(user, now))
    if reason:
        raise TokenError(reason)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken(
        user_id=user.id,
        name=name.strip()[:100],
        token_hash=secret_hash(secret),
        hint=secret[: len(SECRET_PREFIX) + 4],
        scopes=chosen,
        created_dt=now,
        expires_dt=now + permissions.lifetime(days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.create",
        token,
        actor=user,
        after={"name": token.name, "scopes": chosen, "expires": token.expires_dt.isoformat()},
    )
    return NewToken(token, secret)


def revoke_token(token: PersonalAccessToken, *, actor: Any, now: datetime | None = None) -> None:
    if token.revoked_dt is not None:
        raise TokenError(_("Token ini sudah dicabut."))
    token.revoked_dt = now or utcnow()
    db.session.flush()
    audit.record(
        "api_token.revoke", token, actor=actor, after={"revoked": token.revoked_dt.isoformat()}
    )


# --- an organizer's marks -------------------------------------------------------------------


@dataclass(frozen=True)
class MarkChange:
    user_id: int
    status: str
    note: str
    #: The row's version the organizer saw; None when there was no row.
    expected_version: int | None


@dataclass
class MarkOutcome:
    user_id: int
    #: "saved", "unchanged", "conflict" or "refused".
    result: str
    record: AttendanceRecord | None
    detail: str | None = None


def save_marks_by_row(
    meeting: Meeting, changes: Iterable[MarkChange], *, actor: Any
) -> list[MarkOutcome]:
    """Each row on its own: a row someone changed since ``expected_version`` (to something
    else) is answered with the stored value and not written; a person who is not a
    participant is refused; every other row is saved. (The marking page saves all or none:
    there the organizer sees the whole grid again; a device syncing marks made offline keeps
    the rows nobody else touched.)"""
    participants = {u.id: u for u in attendance_queries.participants(meeting.cohort_id)}
    records = attendance_queries.records_by_user(meeting)
    outcomes = []
    for change in changes:
        person = participants.get(change.user_id)
        record = records.get(change.user_id)
        note = (change.note or "").strip()[:500]
        if person is None:
            outcomes.append(
                MarkOutcome(
                    change.user_id,
                    "refused",
                    None,
                    _("Orang ini bukan peserta kelas pertemuan ini."),
                )
            )
        elif attendance_rules.same_mark(record, change.status, note):
            outcomes.append(MarkOutcome(change.user_id, "unchanged", record))
        elif attendance_rules.is_stale(record, change.expected_version, change.status, note):
            outcomes.append(
                MarkOutcome(change.user_id, "conflict", record, str(Conflict().message))
            )
        else:
            saved = attendance.set_mark(
                meeting,
                person,
                change.status,
                note=note,
                actor=actor,
                expected_version=change.expected_version,
            )
            outcomes.append(MarkOutcome(change.user_id, "saved", saved))
    return outcomes
