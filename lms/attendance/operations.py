"""Attendance writes: meetings, check-in, marks, closing a meeting, excuse requests.

Each function flushes; the unit of work commits once."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from lms import audit
from lms.accounts.models import User
from lms.attendance import codes, permissions, queries
from lms.attendance.models import ATTENDED, STATUSES, AttendanceRecord, ExcuseRequest, Meeting
from lms.cohorts.models import Cohort, Membership
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import gettext as _
from lms.timefmt import local_datetime, to_utc

MEETING_FIELDS = (
    "title",
    "venue",
    "start_dt",
    "end_dt",
    "jp",
    "opens_before_minutes",
    "closes_after_minutes",
    "late_after_minutes",
)


class AttendanceError(DomainError):
    """An attendance rule refused the action; the message is for the person who asked."""


def _import_refused(exc: DomainError) -> AttendanceError:
    return AttendanceError(_("Impor dibatalkan, tidak ada yang disimpan: %(msg)s", msg=str(exc)))


# --- meetings -----------------------------------------------------------------------------


def _meeting_snapshot(meeting: Meeting) -> dict[str, Any]:
    data = {f: getattr(meeting, f) for f in MEETING_FIELDS}
    data["start_dt"] = meeting.start_dt.isoformat()
    data["end_dt"] = meeting.end_dt.isoformat()
    data["trainer_ids"] = sorted(u.id for u in meeting.trainers)
    return data


def _check_times(data: dict[str, Any]) -> None:
    if data["end_dt"] <= data["start_dt"]:
        raise AttendanceError(_("Waktu selesai harus setelah waktu mulai."), field="end_time")


def create_meeting(
    cohort: Cohort, data: dict[str, Any], *, trainers: list[User] = (), actor: Any = None
) -> Meeting:
    _check_times(data)
    meeting = Meeting(cohort_id=cohort.id, **{f: data[f] for f in MEETING_FIELDS if f in data})
    meeting.trainers = list(trainers)
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.create",
        meeting,
        actor=actor,
        after=_meeting_snapshot(meeting),
        cohort_id=cohort.id,
    )
    return meeting


def create_recurring(
    cohort: Cohort,
    data: dict[str, Any],
    *,
    days: int,
    trainers: list[User] = (),
    actor: Any = None,
) -> list[Meeting]:
    """The same meeting on ``days`` consecutive days (e.g. each day of a 3-day class)."""
    meetings = []
    for offset in range(days):
        shifted = dict(data)
        shifted["start_dt"] = _same_local_time_later(data["start_dt"], cohort.timezone, offset)
        shifted["end_dt"] = _same_local_time_later(data["end_dt"], cohort.timezone, offset)
        if days > 1:
            shifted["title"] = _("%(title)s (hari ke-%(n)d)", title=data["title"], n=offset + 1)
        meetings.append(create_meeting(cohort, shifted, trainers=trainers, actor=actor))
    return meetings


def _same_local_time_later(dt: datetime, tz: str, days: int) -> datetime:
    local = dt.astimezone(ZoneInfo(tz))
    return to_utc(local.date() + timedelta(days=days), local.time(), tz)


def update_meeting(
    meeting: Meeting, data: dict[str, Any], *, trainers: list[User], actor: Any
) -> Meeting:
    _check_times(data)
    before = _meeting_snapshot(meeting)
    for f in MEETING_FIELDS:
        if f in data:
            setattr(meeting, f, data[f])
    meeting.trainers = list(trainers)
    db.session.flush()
    audit.record_change(
        "meeting.update",
        meeting,
        before,
        _meeting_snapshot(meeting),
        actor=actor,
        cohort_id=meeting.cohort_id,
    )
    return meeting


def import_schedule(
    cohort: Cohort, rows: Iterable[Any], trainers: dict[str, User], *, actor: Any
) -> list[Meeting]:
    """Schedule every checked import row (``ScheduleRow``), or none (one refused row refuses
    the import). ``trainers``: the cohort's trainers by email."""
    meetings = []
    for row in rows:
        data = {
            "title": row.title,
            "venue": row.venue,
            "start_dt": row.start_dt,
            "end_dt": row.end_dt,
            "jp": row.jp,
        }
        chosen = [trainers[e] for e in row.trainer_emails]
        try:
            meetings.append(create_meeting(cohort, data, trainers=chosen, actor=actor))
        except DomainError as exc:
            raise _import_refused(exc) from exc
    return meetings


# --- check-in -----------------------------------------------------------------------------


@dataclass
class CheckIn:
    record: AttendanceRecord
    #: False when the participant had already checked in (or been marked).
    created: bool
    #: The same queued check-in (its ``client_id``) had been received before.
    replay: bool = False

    @property
    def message(self) -> str:
        """What the participant reads: what was recorded (a replay: the first answer again), or
        what was there already."""
        record, meeting = self.record, self.record.meeting
        tz = meeting.cohort.timezone
        if not self.created and not self.replay:
            if record.checked_in_dt is not None:
                return _(
                    "Anda sudah presensi untuk %(meeting)s pada %(time)s.",
                    meeting=meeting.title,
                    time=local_datetime(record.checked_in_dt, tz),
                )
            return _(
                "Kehadiran Anda untuk %(meeting)s sudah dicatat panitia.", meeting=meeting.title
            )
        if record.status == "late":
            return _(
                "Presensi tercatat: Terlambat, %(time)s, untuk %(meeting)s.",
                time=local_datetime(record.checked_in_dt, tz),
                meeting=meeting.title,
            )
        return _(
            "Presensi tercatat: Hadir, %(time)s, untuk %(meeting)s.",
            time=local_datetime(record.checked_in_dt, tz),
            meeting=meeting.title,
        )


class CheckInRefused(AttendanceError):
    """A queued check-in was refused; ``reason`` says which rule (lms.api turns it into its
    problem code): ``client_id``, ``ahead``, ``code``, ``too_late``, ``participant`` (403),
    ``window``, ``client_id_reused`` (409: the id of an earlier check-in with other content)
    or ``marked`` (409: an organizer marked the person Izin, Sakit or Alpa already)."""

    def __init__(self, message: object, *, reason: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


# The check-in's statements are built once per process with bound parameters: a request then
# only executes them, so the write lock is held for less time (see check_in).
_CHECKIN_COLUMNS = (
    "meeting_id",
    "user_id",
    "status",
    "checked_in_dt",
    "source",
    "note",
    "updated_dt",
    "version",
    "synced_late",
    "client_id",
)


@functools.cache
def _checkin_statements(dialect: str) -> tuple[Any, Any]:
    """(the participant's membership with any existing row of :meeting_id, an INSERT of the
    row that does nothing when one exists for the same meeting and person)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    found = (
        db.select(Membership.id, AttendanceRecord)
        .select_from(Membership)
        .outerjoin(
            AttendanceRecord,
            (AttendanceRecord.meeting_id == sa.bindparam("meeting_id"))
            & (AttendanceRecord.user_id == Membership.user_id),
        )
        .where(
            Membership.cohort_id == sa.bindparam("cohort_id"),
            Membership.user_id == sa.bindparam("user_id"),
            Membership.role == "participant",
        )
    )
    add = (
        insert(AttendanceRecord)
        .values({name: sa.bindparam(name) for name in _CHECKIN_COLUMNS})
        .on_conflict_do_nothing(index_elements=["meeting_id", "user_id"])
        .returning(AttendanceRecord)
    )
    return found, add


def _membership_and_record(meeting: Meeting, user: User) -> tuple[bool, AttendanceRecord | None]:
    """(whether ``user`` is a participant of the meeting's cohort, their row if any): as the
    user loader selected them on the scan's page (queries.scanned), else one query."""
    loaded = queries.scanned(user)
    if loaded is not None and loaded[0] is meeting:
        return loaded[1]
    found_statement, _add = _checkin_statements(db.session.get_bind().dialect.name)
    params = {"meeting_id": meeting.id, "cohort_id": meeting.cohort_id, "user_id": user.id}
    found = db.session.execute(found_statement, params).first()
    return found is not None, (found[1] if found is not None else None)


def _insert_check_in(
    meeting: Meeting,
    user: User,
    when: datetime,
    *,
    synced_late: bool = False,
    client_id: str | None = None,
) -> CheckIn:
    _found, insert_statement = _checkin_statements(db.session.get_bind().dialect.name)
    status = "present" if when <= meeting.late_dt else "late"
    values = {
        "meeting_id": meeting.id,
        "user_id": user.id,
        "status": status,
        "checked_in_dt": when,
        "source": "checkin",
        "note": "",
        "updated_dt": utcnow(),
        "version": 1,
        "synced_late": synced_late,
        "client_id": client_id,
    }
    record = db.session.scalars(insert_statement, values).first()
    if record is None:
        # The same person, twice at once (PostgreSQL; SQLite writers queue): the other won.
        record = db.session.scalar(
            db.select(AttendanceRecord).filter_by(meeting_id=meeting.id, user_id=user.id)
        )
        return CheckIn(record, False)
    after: dict[str, Any] = {"user_id": user.id, "meeting_id": meeting.id, "status": status}
    if client_id is not None:
        after.update(claimed=when.isoformat(), client_id=client_id, synced_late=synced_late)
    audit.record("attendance.checkin", record, actor=user, after=after, cohort_id=meeting.cohort_id)
    return CheckIn(record, True)


def check_in(meeting: Meeting, user: User, *, when: datetime | None = None) -> CheckIn:
    """Record a participant's own check-in at ``when`` (now). Idempotent.

    On SQLite the request holds the write lock from its first query to its commit, while a
    whole room checks in at once; so this runs two statements: one read (membership and any
    existing row together) and one INSERT ... ON CONFLICT DO NOTHING, then the audit row. Load
    ``meeting`` with its cohort (``joinedload(Meeting.cohort)``) to save one more."""
    when = when or utcnow()
    participant, existing = _membership_and_record(meeting, user)
    if existing is not None and existing.source == "checkin":
        return CheckIn(existing, False)
    reason = permissions.why_not_check_in(meeting, user, when, participant=participant)
    if reason:
        raise AttendanceError(reason)
    if existing is not None:
        # An organizer marked this person already; their own check-in does not overwrite it.
        return CheckIn(existing, False)
    return _insert_check_in(meeting, user, when)


def _client_id(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value or "")))
    except ValueError:
        raise CheckInRefused(
            _("Presensi ini tidak dapat dibaca (id antrean rusak). Ketik kode lagi."),
            reason="client_id",
        ) from None


def _same_claim(record: AttendanceRecord, claimed_at: datetime, meeting_id: int | None) -> bool:
    """A replay sends what the first request sent: the same claimed time and meeting."""
    if meeting_id is not None and meeting_id != record.meeting_id:
        return False
    if claimed_at.tzinfo is None or record.checked_in_dt is None:
        return False
    return abs((claimed_at - record.checked_in_dt).total_seconds()) < 1


def check_in_queued(
    user: User,
    *,
    code: str,
    claimed_at: datetime,
    client_id: str,
    meeting_id: int | None = None,
    now: datetime | None = None,
    max_delay: timedelta | None = None,
) -> CheckIn:
    """A check-in the participant's phone made at ``claimed_at`` (maybe offline) and sends
    ``now``: what ``POST /api/v1/checkins`` does. Raises :class:`CheckInRefused` with the
    participant's message.

    Accepted when ``claimed_at`` is not ahead of the server's clock (beyond
    ``permissions.CLOCK_SKEW``), ``code`` was shown for the meeting (``meeting_id``, from the
    scanned QR code; any meeting when None) at the 30-second step of ``claimed_at`` or the
    step before (as a live check-in at that time), the check-in arrives within
    ``max_delay`` of ``claimed_at`` (``LMS_CHECKIN_SYNC_HOURS``, 12 hours, when None) and
    ``claimed_at`` lies inside the meeting's check-in window. Present or late is decided from
    ``claimed_at``. The row notes ``synced_late`` when the code had left the screen by
    ``now`` (it was recorded on the strength of the code shown at ``claimed_at``) and keeps
    ``client_id``.

    Harmless to repeat: the same ``client_id`` again returns its row (``replay``); a
    participant already checked in, or marked Hadir or Terlambat by an organizer, keeps their
    row (``created`` False); one marked Izin, Sakit or Alpa is told so (``marked``): an
    organizer's mark is never overwritten."""
    now = now or utcnow()
    if max_delay is None:
        max_delay = timedelta(hours=float(current_app.config.get("LMS_CHECKIN_SYNC_HOURS", 12)))
    client_id = _client_id(client_id)
    seen = db.session.scalar(
        db.select(AttendanceRecord)
        .options(joinedload(AttendanceRecord.meeting).joinedload(Meeting.cohort))
        .filter_by(client_id=client_id)
    )
    if seen is not None:
        if seen.user_id != user.id:
            raise CheckInRefused(
                _("Presensi ini tidak dapat dibaca (id antrean rusak). Ketik kode lagi."),
                reason="client_id",
            )
        if not _same_claim(seen, claimed_at, meeting_id):
            raise CheckInRefused(
                _(
                    "Id antrean presensi ini sudah dipakai untuk presensi lain. Ketik kode lagi "
                    "agar tercatat sebagai presensi baru."
                ),
                reason="client_id_reused",
                status=409,
            )
        return CheckIn(seen, False, replay=True)
    if claimed_at.tzinfo is None:
        raise CheckInRefused(
            _("Waktu presensi dari ponsel tidak lengkap (tanpa zona waktu)."), reason="ahead"
        )
    claimed = claimed_at.astimezone(UTC)
    reason = permissions.why_claim_ahead(claimed, now)
    if reason:
        raise CheckInRefused(reason, reason="ahead")
    if meeting_id is not None:
        meeting = queries.meeting_by_id(meeting_id)
        if meeting is not None and not codes.matches(meeting.secret, code, claimed):
            meeting = None
    else:
        meeting = queries.meeting_for_code(code, claimed)
    if meeting is None:
        raise CheckInRefused(permissions.wrong_code_for_time(codes.normalize(code)), reason="code")
    participant, existing = _membership_and_record(meeting, user)
    if existing is not None:
        # Checked in already (another phone, the live page) or marked by an organizer.
        if existing.status not in ATTENDED:
            raise CheckInRefused(
                _(
                    "Kehadiran Anda untuk %(meeting)s sudah dicatat panitia: %(status)s. "
                    "Presensi dari ponsel tidak mengubahnya; hubungi panitia bila keliru.",
                    meeting=meeting.title,
                    status=queries.status_label(existing.status),
                ),
                reason="marked",
                status=409,
            )
        return CheckIn(existing, False)
    if not participant:
        raise CheckInRefused(
            _("Anda bukan peserta kelas pertemuan ini."), reason="participant", status=403
        )
    reason = permissions.why_sync_too_late(meeting, claimed, now, max_delay=max_delay)
    if reason:
        raise CheckInRefused(reason, reason="too_late")
    reason = permissions.why_not_check_in(meeting, user, claimed, participant=True)
    if reason:
        raise CheckInRefused(reason, reason="window")
    return _insert_check_in(
        meeting,
        user,
        claimed,
        synced_late=not codes.matches(meeting.secret, code, now),
        client_id=client_id,
    )


# --- marks --------------------------------------------------------------------------------


def set_mark(
    meeting: Meeting,
    user: User,
    status: str,
    *,
    note: str = "",
    actor: Any,
    expected_version: int | None = None,
    source: str = "organizer",
) -> AttendanceRecord | None:
    """Set one participant's status. ``expected_version`` is the row version the organizer
    saw (None: the row did not exist); a different one raises Conflict."""
    if status not in STATUSES:
        raise AttendanceError(_("Status kehadiran tidak dikenal."))
    if not permissions.is_participant(user, meeting):
        raise AttendanceError(_("%(name)s bukan peserta kelas pertemuan ini.", name=user.full_name))
    record = db.session.scalar(
        db.select(AttendanceRecord).filter_by(meeting_id=meeting.id, user_id=user.id)
    )
    seen = record.version if record is not None else None
    if seen != expected_version:
        raise Conflict()
    note = (note or "").strip()[:500]
    if record is None:
        record = AttendanceRecord(
            meeting_id=meeting.id,
            user_id=user.id,
            status=status,
            source=source,
            note=note,
            marked_by_id=getattr(actor, "id", None),
        )
        db.session.add(record)
        db.session.flush()
        audit.record(
            "attendance.mark",
            record,
            actor=actor,
            after={"user_id": user.id, "status": status, "note": note, "source": source},
            cohort_id=meeting.cohort_id,
        )
        return record
    if record.status == status and record.note == note:
        return record
    before = {"user_id": user.id, "status": record.status, "note": record.note}
    record.status = status
    record.note = note
    record.source = source
    record.marked_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        "attendance.mark",
        record,
        actor=actor,
        before=before,
        after={"user_id": user.id, "status": status, "note": note, "source": source},
        cohort_id=meeting.cohort_id,
    )
    return record


def save_marks(meeting: Meeting, changes: Iterable[Any], *, actor: Any) -> int:
    """The rows an organizer changed on the marking grid, all or none; returns how many were
    written.

    ``changes``: entries with ``user``, ``status``, ``note`` and ``seen_version`` (the row's
    version when the grid was shown; None for no row), as ``MarkingGridForm.changes()``
    gives. A row someone else changed since raises Conflict before anything is written; a row
    already stored as chosen is left alone."""
    changes = list(changes)
    records = queries.records_by_user(meeting)
    if any(
        permissions.is_stale(records.get(c.user.id), c.seen_version, c.status, c.note)
        for c in changes
    ):
        raise Conflict()
    written = 0
    for change in changes:
        if permissions.same_mark(records.get(change.user.id), change.status, change.note):
            continue
        set_mark(
            meeting,
            change.user,
            change.status,
            note=change.note,
            actor=actor,
            expected_version=change.seen_version,
        )
        written += 1
    return written


def import_marks(meeting: Meeting, rows: list[Any], *, actor: Any) -> int:
    """The mark of every checked import row (``MarkRow`` with its ``user_id``), or none; an
    empty note keeps the note already written. Returns how many rows."""
    people = queries.users(r.user_id for r in rows)
    records = queries.records_by_user(meeting)
    for row in rows:
        record = records.get(row.user_id)
        try:
            set_mark(
                meeting,
                people[row.user_id],
                row.status,
                note=row.note or (record.note if record else ""),
                actor=actor,
                expected_version=record.version if record else None,
                source="import",
            )
        except Conflict:
            raise
        except DomainError as exc:
            raise _import_refused(exc) from exc
    return len(rows)


def close_meeting(meeting: Meeting, *, actor: Any) -> int:
    """Mark everyone not yet marked as absent (Alpa); returns how many."""
    marked = set(
        db.session.scalars(db.select(AttendanceRecord.user_id).filter_by(meeting_id=meeting.id))
    )
    count = 0
    for person in queries.participants(meeting.cohort_id):
        if person.id not in marked:
            set_mark(meeting, person, "absent", actor=actor, source="close")
            count += 1
    meeting.closed_dt = utcnow()
    db.session.flush()
    return count


# --- excuse requests ----------------------------------------------------------------------


def request_excuse(
    meeting: Meeting,
    user: User,
    *,
    kind: str,
    reason: str,
    file_key: str | None = None,
    file_name: str = "",
) -> ExcuseRequest:
    if kind not in ("excused", "sick"):
        raise AttendanceError(_("Pilih Izin atau Sakit."), field="kind")
    if not reason.strip() or len(reason) > 1000:
        raise AttendanceError(_("Tulis alasan (paling banyak 1000 karakter)."), field="reason")
    if not permissions.is_participant(user, meeting):
        raise AttendanceError(_("Anda bukan peserta kelas pertemuan ini."))
    pending = db.session.scalar(
        db.select(ExcuseRequest.id).filter_by(
            meeting_id=meeting.id, user_id=user.id, state="pending"
        )
    )
    if pending is not None:
        raise AttendanceError(_("Permohonan Anda untuk pertemuan ini masih menunggu keputusan."))
    excuse = ExcuseRequest(
        meeting_id=meeting.id,
        user_id=user.id,
        kind=kind,
        reason=reason.strip(),
        file_key=file_key,
        file_name=file_name,
    )
    db.session.add(excuse)
    db.session.flush()
    audit.record(
        "excuse.request",
        excuse,
        actor=user,
        after={"meeting_id": meeting.id, "kind": kind},
        cohort_id=meeting.cohort_id,
    )
    return excuse


def decide_excuse(excuse: ExcuseRequest, *, approve: bool, note: str, actor: Any) -> None:
    if excuse.state != "pending":
        raise AttendanceError(_("Permohonan ini sudah diputuskan."))
    excuse.state = "approved" if approve else "rejected"
    excuse.decided_by_id = getattr(actor, "id", None)
    excuse.decided_dt = utcnow()
    excuse.decision_note = (note or "").strip()[:500]
    db.session.flush()
    audit.record(
        "excuse.decide",
        excuse,
        actor=actor,
        before={"state": "pending"},
        after={"state": excuse.state, "note": excuse.decision_note},
        cohort_id=excuse.meeting.cohort_id,
    )
    if approve:
        record = queries.own_record(excuse.meeting, excuse.user)
        set_mark(
            excuse.meeting,
            excuse.user,
            excuse.kind,
            note=excuse.reason[:200],
            actor=actor,
            expected_version=record.version if record is not None else None,
            source="excuse",
        )
