"""Reads of the API: a presented token, a person's tokens, and what the JSON routes list
(each a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.api.models import PersonalAccessToken, secret_hash
from lms.attendance.models import AttendanceRecord, Meeting
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db


def token_for_secret(secret: str) -> PersonalAccessToken | None:
    """The token of a presented secret, with its owner (one query)."""
    if not secret or len(secret) > 200:
        return None
    return db.session.scalar(
        db.select(PersonalAccessToken)
        .options(joinedload(PersonalAccessToken.user))
        .filter_by(token_hash=secret_hash(secret))
    )


def tokens_of(user: User) -> list[PersonalAccessToken]:
    """The person's tokens, newest first (revoked and expired ones too)."""
    return list(
        db.session.scalars(
            db.select(PersonalAccessToken)
            .filter_by(user_id=user.id)
            .order_by(PersonalAccessToken.created_dt.desc(), PersonalAccessToken.id.desc())
        )
    )


def active_token_count(user: User, now: datetime) -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(PersonalAccessToken)
        .where(
            PersonalAccessToken.user_id == user.id,
            PersonalAccessToken.revoked_dt.is_(None),
            PersonalAccessToken.expires_dt > now,
        )
    )


def memberships_of(user: User) -> list[Membership]:
    """The person's classes with their role, newest first (one query)."""
    return list(
        db.session.scalars(
            db.select(Membership)
            .join(Membership.cohort)
            .options(joinedload(Membership.cohort))
            .where(Membership.user_id == user.id)
            .order_by(Cohort.start_date.desc(), Cohort.code)
        )
    )


@dataclass
class MeetingRow:
    meeting: Meeting
    #: The person's own record (participants), None otherwise.
    record: AttendanceRecord | None


def meetings_with_own_records(cohort: Cohort, user: User) -> list[MeetingRow]:
    """The cohort's meetings by start, each with the user's record (one query)."""
    rows = db.session.execute(
        db.select(Meeting, AttendanceRecord)
        .outerjoin(
            AttendanceRecord,
            (AttendanceRecord.meeting_id == Meeting.id) & (AttendanceRecord.user_id == user.id),
        )
        .where(Meeting.cohort_id == cohort.id)
        .order_by(Meeting.start_dt, Meeting.id)
    ).all()
    return [MeetingRow(meeting, record) for meeting, record in rows]
