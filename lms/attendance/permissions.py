"""Attendance rules: who may check in and when, who sees whose attendance, stale marks.

Plain predicates and reasons; a query only where a rule needs one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_decimal

from lms.attendance.models import AttendanceRecord, ExcuseRequest, Meeting
from lms.cohorts.models import STAFF_ROLES, Membership
from lms.extensions import db
from lms.i18n import gettext as _
from lms.timefmt import local_datetime

#: A queued check-in may claim a time this far ahead of the server's clock (phones drift).
CLOCK_SKEW = timedelta(seconds=60)


def is_participant(user: Any, meeting: Meeting) -> bool:
    """A participant of the meeting's cohort (admins are not, unless enrolled)."""
    found = db.session.scalar(
        db.select(Membership.id).filter_by(
            cohort_id=meeting.cohort_id, user_id=user.id, role="participant"
        )
    )
    return found is not None


def why_not_check_in(
    meeting: Meeting, user: Any, now: datetime, *, participant: bool | None = None
) -> str | None:
    """Why ``user`` cannot check in at ``now``: not a participant, or the window is not open.

    ``participant``: already known (the check-in reads it with the person's row, in one
    query); looked up when None."""
    if participant is None:
        participant = is_participant(user, meeting)
    if not participant:
        return _("Anda bukan peserta kelas pertemuan ini.")
    tz = meeting.cohort.timezone
    if now < meeting.opens_dt:
        return _(
            "Presensi pertemuan ini belum dibuka. Dibuka %(time)s.",
            time=local_datetime(meeting.opens_dt, tz),
        )
    if now > meeting.closes_dt:
        return _(
            "Presensi pertemuan ini sudah ditutup pada %(time)s.",
            time=local_datetime(meeting.closes_dt, tz),
        )
    return None


def why_claim_ahead(claimed: datetime, now: datetime) -> str | None:
    """Why a check-in queued on a phone is refused at once: the time it claims is ahead of the
    server's clock by more than ``CLOCK_SKEW``."""
    if claimed > now + CLOCK_SKEW:
        return _(
            "Jam di ponsel Anda lebih cepat daripada jam server. Atur jam ponsel ke waktu "
            "otomatis, lalu presensi lagi."
        )
    return None


def why_sync_too_late(
    meeting: Meeting, claimed: datetime, now: datetime, *, max_delay: timedelta
) -> str | None:
    """Why a check-in queued on a phone is refused: it reached the server more than
    ``max_delay`` (``LMS_CHECKIN_SYNC_HOURS``) after the time it claims."""
    if now - claimed > max_delay:
        return _(
            "Presensi ini terlambat dikirim: dicatat di ponsel %(time)s, dikirim lebih dari "
            "%(hours)s jam kemudian. Hubungi panitia kelas.",
            time=local_datetime(claimed, meeting.cohort.timezone),
            hours=format_decimal(round(max_delay.total_seconds() / 3600, 1)),
        )
    return None


def wrong_code_for_time(code: str) -> str:
    """The refusal of a queued check-in whose code was not shown at the time it claims."""
    return _(
        "Kode %(code)s tidak berlaku pada waktu yang tercatat di ponsel Anda. Kode berganti "
        "setiap 30 detik: pastikan jam ponsel benar, lalu pindai atau ketik kode terbaru di "
        "layar panitia.",
        code=code,
    )


def _role(user: Any, membership: Membership | None) -> str | None:
    return membership.role if membership is not None else None


def can_manage(user: Any, membership: Membership | None) -> bool:
    """Organizers (and admins) schedule meetings, mark and decide excuses."""
    return bool(user.is_admin) or _role(user, membership) == "organizer"


def can_see_everyone(user: Any, membership: Membership | None) -> bool:
    """Admins, trainers and organizers see every participant's attendance."""
    return bool(user.is_admin) or _role(user, membership) in STAFF_ROLES


def can_download_excuse(user: Any, membership: Membership | None, excuse: ExcuseRequest) -> bool:
    """The participant who asked, and the cohort's organizers."""
    return can_manage(user, membership) or excuse.user_id == user.id


def same_mark(record: AttendanceRecord | None, status: str, note: str) -> bool:
    """The row already holds this status and note."""
    return record is not None and (record.status, record.note) == (status, note)


def is_stale(
    record: AttendanceRecord | None, seen_version: int | None, status: str, note: str
) -> bool:
    """Someone else changed the row since the organizer saw it (``seen_version``, None for no
    row), to something else than what the organizer chose now: the same change made twice
    loses nothing."""
    current = record.version if record is not None else None
    return current != seen_version and not same_mark(record, status, note)
