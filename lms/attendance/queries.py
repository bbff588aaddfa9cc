"""Attendance reads: schedule, records, check-in lookups, excuses, feeds, import rows, reports.

The reports are a meeting's list, the cohort's participants × meetings grid and one
participant's record. Each read runs a fixed number of queries, whatever the cohort's size.

Counting rules of the reports (the same on every page and export):

- a meeting counts once it is over (``end_dt <= now``) or the organizer closed it; records of
  meetings still to come or under way (an Izin asked for in advance, a check-in this morning)
  are shown but not counted, so nobody's rate drops while a meeting is still running;
- attended = Hadir or Terlambat, plus Izin and Sakit when ``cohort.excused_counts_as_attended``;
- rate = attended ÷ meetings that count (None while none does);
- JP attended = the sum of ``meeting.jp`` over the attended meetings that count.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import aliased, attributes, joinedload, selectinload

from lms.accounts import queries as account_queries
from lms.accounts.civil_service import sex_of
from lms.accounts.models import User
from lms.attendance import codes
from lms.attendance.importing.marks import MarkRow, ParsedMarks
from lms.attendance.models import (
    ATTENDED,
    EXCUSED,
    STATUSES,
    AttendanceRecord,
    ExcuseRequest,
    Meeting,
)
from lms.cohorts.models import Cohort, Membership
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import gettext as _
from lms.i18n import pgettext
from lms.tabular import Problem, shorten

EXCUSE_STATES = ("pending", "approved", "rejected", "withdrawn")
#: A typed check-in code is looked for among meetings this close to now (any time zone).
CODE_SEARCH_HOURS = 13


# --- meetings and their records -----------------------------------------------------------


def meeting_of(cohort: Cohort, meeting_id: int) -> Meeting:
    """The cohort's meeting ``meeting_id``; 404 for none, or one of another cohort."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.cohort_id != cohort.id:
        abort(404)
    return meeting


def schedule(cohort: Cohort) -> list[Meeting]:
    """The cohort's meetings by start, with their trainers (two queries)."""
    return db.session.scalars(
        db.select(Meeting)
        .filter_by(cohort_id=cohort.id)
        .options(selectinload(Meeting.trainers))
        .order_by(Meeting.start_dt)
    ).all()


def own_records(cohort: Cohort, user: User) -> dict[int, AttendanceRecord]:
    """meeting id -> the user's record, over the cohort's meetings."""
    return {
        r.meeting_id: r
        for r in db.session.scalars(
            db.select(AttendanceRecord)
            .join(Meeting)
            .where(Meeting.cohort_id == cohort.id, AttendanceRecord.user_id == user.id)
        )
    }


def own_record(meeting: Meeting, user: User) -> AttendanceRecord | None:
    return db.session.scalar(
        db.select(AttendanceRecord).filter_by(meeting_id=meeting.id, user_id=user.id)
    )


def records_by_user(meeting: Meeting) -> dict[int, AttendanceRecord]:
    """user id -> their record of the meeting."""
    return {
        r.user_id: r
        for r in db.session.scalars(db.select(AttendanceRecord).filter_by(meeting_id=meeting.id))
    }


def participants(cohort_id: int) -> list[User]:
    """The cohort's participants by name."""
    return db.session.scalars(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == "participant")
        .order_by(User.full_name)
    ).all()


def participant_count(cohort_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(Membership)
        .filter_by(cohort_id=cohort_id, role="participant")
    )


def checked_in_count(meeting: Meeting) -> int:
    """Participants present or late at the meeting."""
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(AttendanceRecord)
        .where(
            AttendanceRecord.meeting_id == meeting.id,
            AttendanceRecord.status.in_(ATTENDED),
        )
    )


def users(ids: Iterable[int]) -> dict[int, User]:
    """id -> user, for the ids given (one query; none for no ids)."""
    ids = list(ids)
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


def trainers(cohort: Cohort) -> list[User]:
    """The cohort's trainers by name."""
    return db.session.scalars(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role == "trainer")
        .order_by(User.full_name)
    ).all()


def scheduled(cohort: Cohort) -> set[tuple[str, datetime]]:
    """(title.casefold(), start) of the cohort's meetings: what an import must not repeat."""
    return {
        (title.casefold(), start)
        for title, start in db.session.execute(
            db.select(Meeting.title, Meeting.start_dt).filter_by(cohort_id=cohort.id)
        )
    }


# --- check-in -----------------------------------------------------------------------------


@functools.cache
def _meeting_with_cohort() -> Any:
    """The meeting :id with its cohort (the check-in needs its time zone): one query, not two;
    built once per process."""
    return (
        db.select(Meeting)
        .options(joinedload(Meeting.cohort))
        .where(Meeting.id == sa.bindparam("id"))
    )


def meeting_by_id(meeting_id: int) -> Meeting | None:
    """The meeting with its cohort, in one query."""
    return db.session.scalars(_meeting_with_cohort(), {"id": meeting_id}).first()


def meeting_id_of(token: str) -> int | None:
    """The meeting id a scanned QR token (``<meeting id>-<code>``) names; None for anything
    else (a number too large for an id included)."""
    head = token.partition("-")[0]
    return int(head) if re.fullmatch(r"[0-9]{1,9}", head) else None


def meeting_for_token(token: str, when: datetime) -> Meeting | None:
    """The meeting of a scanned QR token whose code is valid now (as the user loader
    selected it with the account on the scan's page: :func:`scanned`)."""
    meeting_id = meeting_id_of(token)
    if meeting_id is None:
        return None
    loaded = scanned(current_user) if has_request_context() else None
    meeting = loaded[0] if loaded is not None else meeting_by_id(meeting_id)
    if meeting is None or meeting.id != meeting_id:
        return None
    if not codes.matches(meeting.secret, token.partition("-")[2], when):
        return None
    return meeting


#: The page a QR code opens: a room scans at once, and on SQLite each scan holds the write
#: lock from its first statement to its commit, so the user loader selects, with the
#: account, the token's meeting and class, the account's participant membership of it and any
#: row of it already there (lms.accounts.queries.select_with_account): one statement for three.
SCAN_ENDPOINT = "lms.attendance.checkin_token"
_SCANNED = aliased(Meeting, name="scanned_meeting")
_SCANNED_COHORT = aliased(Cohort, name="scanned_cohort")
_SCANNED_MEMBER = aliased(Membership, name="scanned_member")
_SCANNED_RECORD = aliased(AttendanceRecord, name="scanned_record")


def _scanned_columns(_user_id: Any) -> dict[str, Any]:
    return {
        "scanned_meeting": _SCANNED,
        "scanned_cohort": _SCANNED_COHORT,
        "scanned_member": _SCANNED_MEMBER.id,
        "scanned_record": _SCANNED_RECORD,
    }


def _scanned_joins(joined: Any) -> Any:
    return (
        sa.outerjoin(
            joined,
            _SCANNED,
            _SCANNED.id == sa.bindparam("scanned_meeting_id", type_=sa.Integer),
        )
        .outerjoin(_SCANNED_COHORT, _SCANNED_COHORT.id == _SCANNED.cohort_id)
        .outerjoin(
            _SCANNED_MEMBER,
            (_SCANNED_MEMBER.cohort_id == _SCANNED.cohort_id)
            & (_SCANNED_MEMBER.user_id == User.id)
            & (_SCANNED_MEMBER.role == "participant"),
        )
        .outerjoin(
            _SCANNED_RECORD,
            (_SCANNED_RECORD.meeting_id == _SCANNED.id) & (_SCANNED_RECORD.user_id == User.id),
        )
    )


def _scanned_params() -> dict[str, Any]:
    return {"scanned_meeting_id": meeting_id_of(str((request.view_args or {}).get("token")))}


account_queries.select_with_account(
    SCAN_ENDPOINT, _scanned_columns, _scanned_params, joins=_scanned_joins
)


def scanned(user: Any) -> tuple[Meeting | None, tuple[bool, AttendanceRecord | None]] | None:
    """What the user loader selected with ``user`` on the scan's page: the token's meeting
    with its class (None: no such meeting), and (whether ``user`` is a participant of that
    class, their row of the meeting if so); None when it was not loaded so (another page,
    nobody signed in, another user loader)."""
    loaded = account_queries.loaded_for(user, SCAN_ENDPOINT)
    if loaded is None:
        return None
    meeting = loaded["scanned_meeting"]
    if meeting is not None:
        attributes.set_committed_value(meeting, "cohort", loaded["scanned_cohort"])
    participant = loaded["scanned_member"] is not None
    return meeting, (participant, loaded["scanned_record"] if participant else None)


def meeting_for_code(code: str, when: datetime) -> Meeting | None:
    """The meeting whose screen shows the typed ``code`` now."""
    candidates = db.session.scalars(
        db.select(Meeting).where(
            Meeting.start_dt <= when + timedelta(hours=CODE_SEARCH_HOURS),
            Meeting.end_dt >= when - timedelta(hours=CODE_SEARCH_HOURS),
        )
    ).all()
    return next((m for m in candidates if codes.matches(m.secret, code, when)), None)


# --- excuse requests ----------------------------------------------------------------------


def excuse_of(cohort: Cohort, excuse_id: int) -> ExcuseRequest:
    """The request with its meeting and person; 404 for none, or one of another cohort."""
    excuse = db.session.scalar(
        db.select(ExcuseRequest)
        .options(joinedload(ExcuseRequest.meeting), joinedload(ExcuseRequest.user))
        .filter_by(id=excuse_id)
    )
    if excuse is None or excuse.meeting.cohort_id != cohort.id:
        abort(404)
    return excuse


def own_excuses(meeting: Meeting, user: User) -> list[ExcuseRequest]:
    """The user's requests for the meeting, newest first."""
    return db.session.scalars(
        db.select(ExcuseRequest)
        .filter_by(meeting_id=meeting.id, user_id=user.id)
        .order_by(ExcuseRequest.created_dt.desc(), ExcuseRequest.id.desc())
    ).all()


def excuses(cohort: Cohort, state: str = "") -> list[ExcuseRequest]:
    """The cohort's requests (of one ``state`` when known), pending first, then newest; one
    query."""
    stmt = (
        db.select(ExcuseRequest)
        .join(ExcuseRequest.meeting)
        .where(Meeting.cohort_id == cohort.id)
        .options(joinedload(ExcuseRequest.meeting), joinedload(ExcuseRequest.user))
    )
    if state in EXCUSE_STATES:
        stmt = stmt.where(ExcuseRequest.state == state)
    pending_first = db.case((ExcuseRequest.state == "pending", 0), else_=1)
    return db.session.scalars(
        stmt.order_by(pending_first, ExcuseRequest.created_dt.desc(), ExcuseRequest.id.desc())
    ).all()


# --- calendar feeds -----------------------------------------------------------------------


def user_by_calendar_token(token: str) -> User | None:
    """The active account whose personal feed this secret opens."""
    user = db.session.scalar(db.select(User).filter_by(calendar_token=token))
    return user if user is not None and user.active else None


def person_meetings(user: User) -> list[Meeting]:
    """The meetings of every cohort the user belongs to, with cohort and trainers."""
    cohort_ids = db.select(Membership.cohort_id).filter_by(user_id=user.id)
    return db.session.scalars(
        db.select(Meeting)
        .where(Meeting.cohort_id.in_(cohort_ids))
        .options(joinedload(Meeting.cohort), selectinload(Meeting.trainers))
        .order_by(Meeting.start_dt)
    ).all()


def cohorts_of(user: User) -> list[Cohort]:
    """The user's cohorts, newest first."""
    return db.session.scalars(
        db.select(Cohort)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == user.id)
        .order_by(Cohort.start_date.desc(), Cohort.code)
    ).all()


# --- the marks import's people ------------------------------------------------------------


def resolve_people(parsed: ParsedMarks, cohort_id: int) -> None:
    """Match rows to participants of the cohort (three queries, whatever the size);
    add a problem for unknown people, people of other roles or classes and duplicates."""
    rows = [r for r in parsed.rows if r.nip or r.email]
    nips = {r.nip for r in rows if r.nip}
    emails = {r.email for r in rows if r.email}
    by_nip: dict[str, User] = {}
    by_email: dict[str, User] = {}
    if nips:
        by_nip = {u.nip: u for u in db.session.scalars(db.select(User).where(User.nip.in_(nips)))}
    if emails:
        by_email = {
            u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))
        }
    ids = {u.id for u in (*by_nip.values(), *by_email.values())}
    roles: dict[int, str] = {}
    if ids:
        roles = dict(
            db.session.execute(
                db.select(Membership.user_id, Membership.role).where(
                    Membership.cohort_id == cohort_id, Membership.user_id.in_(ids)
                )
            ).all()
        )

    seen: dict[int, int] = {}
    for row in rows:
        if any(p.column in ("nip", "email") for p in row.problems):
            continue

        def problem(column: str, message: str, row: MarkRow = row) -> None:
            row.problems.append(Problem(row=row.row, column=column, message=message))

        user_nip = by_nip.get(row.nip) if row.nip else None
        user_email = by_email.get(row.email) if row.email else None
        if row.nip and user_nip is None:
            problem("nip", _("Tidak ada peserta dengan NIP %(nip)s.", nip=row.nip))
            continue
        if row.email and user_email is None and user_nip is None:
            problem(
                "email", _("Tidak ada peserta dengan email %(email)s.", email=shorten(row.email))
            )
            continue
        if user_nip is not None and user_email is not None and user_nip.id != user_email.id:
            problem(
                "email",
                _(
                    "NIP dan email menunjuk dua orang berbeda (%(a)s dan %(b)s).",
                    a=user_nip.full_name,
                    b=user_email.full_name,
                ),
            )
            continue
        user = user_nip or user_email
        column = "nip" if user_nip is not None else "email"
        role = roles.get(user.id)
        if role is None:
            problem(column, _("%(name)s bukan peserta kelas ini.", name=user.full_name))
            continue
        if role != "participant":
            problem(
                column,
                _(
                    "%(name)s bukan peserta di kelas ini (perannya panitia atau widyaiswara).",
                    name=user.full_name,
                ),
            )
            continue
        row.user_id, row.name = user.id, user.full_name
        if user.id in seen:
            problem(
                column,
                _(
                    "%(name)s sudah ada di baris %(row)d; satu orang satu baris.",
                    name=user.full_name,
                    row=seen[user.id],
                ),
            )
            continue
        seen[user.id] = row.row
    parsed.collect()


# --- reports ------------------------------------------------------------------------------

#: The key of participants without a status for a meeting in ``MeetingSummary.counts``.
UNMARKED = "unmarked"


def status_words() -> dict[str, str]:
    """The status names printed on lists: Hadir, Terlambat, Izin, Sakit, Alpa."""
    return {
        "present": _("Hadir"),
        "late": _("Terlambat"),
        "excused": _("Izin"),
        "sick": _("Sakit"),
        "absent": _("Alpa"),
    }


def status_label(status: str) -> str:
    """One status's name (Hadir, ...); an unknown value as it is."""
    return status_words().get(status, status)


def status_symbols() -> dict[str, str]:
    """One letter per status for the participants × meetings grid (with a legend)."""
    return {
        "present": pgettext("simbol status Hadir", "H"),
        "late": pgettext("simbol status Terlambat", "T"),
        "excused": pgettext("simbol status Izin", "I"),
        "sick": pgettext("simbol status Sakit", "S"),
        "absent": pgettext("simbol status Alpa", "A"),
    }


def attended_statuses(cohort: Cohort) -> frozenset[str]:
    return frozenset(ATTENDED + EXCUSED if cohort.excused_counts_as_attended else ATTENDED)


def has_started(meeting: Meeting, now: datetime) -> bool:
    """Whether the meeting counts yet: it is over, or its organizer closed it."""
    return meeting.end_dt <= now or meeting.closed_dt is not None


@dataclass
class Tally:
    """Attendance over the meetings that have started."""

    held: int = 0
    attended: int = 0
    jp: int = 0

    @property
    def rate(self) -> float | None:
        return self.attended / self.held if self.held else None

    def add(self, other: Tally) -> None:
        self.held += other.held
        self.attended += other.attended
        self.jp += other.jp


def _tally(
    meetings: Iterable[Meeting],
    status_of: Mapping[int, str],
    attended: frozenset[str],
    now: datetime,
) -> Tally:
    """``status_of``: meeting id -> status of one participant."""
    tally = Tally()
    for meeting in meetings:
        if not has_started(meeting, now):
            continue
        tally.held += 1
        if status_of.get(meeting.id) in attended:
            tally.attended += 1
            tally.jp += meeting.jp
    return tally


# --- one meeting --------------------------------------------------------------------------


@dataclass
class MeetingSummary:
    meeting: Meeting
    #: (participant, their record or None), ordered by name.
    rows: list[tuple[User, AttendanceRecord | None]]
    #: status (and ``UNMARKED``) -> number of participants.
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return len(self.rows)


def meeting_summary(meeting: Meeting) -> MeetingSummary:
    """Every participant of the meeting's cohort with their record; one query."""
    rows = db.session.execute(
        db.select(User, AttendanceRecord)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            AttendanceRecord,
            (AttendanceRecord.user_id == User.id) & (AttendanceRecord.meeting_id == meeting.id),
        )
        .where(Membership.cohort_id == meeting.cohort_id, Membership.role == "participant")
        .order_by(User.full_name, User.id)
    ).all()
    counts = dict.fromkeys((*STATUSES, UNMARKED), 0)
    for _user, record in rows:
        counts[record.status if record is not None else UNMARKED] += 1
    return MeetingSummary(meeting, [(user, record) for user, record in rows], counts)


# --- the cohort's grid --------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """What the grid and the exports need of an attendance record."""

    status: str
    checked_in_dt: datetime | None
    note: str


@dataclass
class ParticipantRow:
    user: User
    tally: Tally

    @property
    def sex(self) -> str:
        """ "L" or "P" for the L/P column (stated, else from the NIP), "" when unknown."""
        return sex_of(self.user) or ""


@dataclass
class OfficeGroup:
    """Participants of one office (unit kerja), with subtotals."""

    office: str
    rows: list[ParticipantRow] = field(default_factory=list)
    total: Tally = field(default_factory=Tally)
    #: meeting id -> how many of the group attended it.
    attended_by_meeting: dict[int, int] = field(default_factory=dict)


@dataclass
class CohortReport:
    cohort: Cohort
    #: All meetings of the cohort, by start.
    meetings: list[Meeting]
    #: Ids of the meetings that have started (the ones counted).
    started_ids: set[int]
    #: One row per participant: by name, or by office then name when grouped.
    rows: list[ParticipantRow]
    #: (user id, meeting id) -> the record, for participants only.
    marks: dict[tuple[int, int], Mark]
    #: Set when grouped by office.
    groups: list[OfficeGroup] | None
    #: The statuses that count as attended in this cohort.
    attended: frozenset[str]

    @property
    def participants(self) -> list[User]:
        return [row.user for row in self.rows]

    @property
    def statuses(self) -> dict[tuple[int, int], str]:
        """(user id, meeting id) -> status."""
        return {key: mark.status for key, mark in self.marks.items()}

    def status(self, user_id: int, meeting_id: int) -> str | None:
        mark = self.marks.get((user_id, meeting_id))
        return mark.status if mark is not None else None


def cohort_report(
    cohort: Cohort, group_by_office: bool = False, *, now: datetime | None = None
) -> CohortReport:
    """Participants × meetings with each participant's tally; three queries."""
    now = now or utcnow()
    meetings = db.session.scalars(
        db.select(Meeting).filter_by(cohort_id=cohort.id).order_by(Meeting.start_dt, Meeting.id)
    ).all()
    people = participants(cohort.id)
    ids = {person.id for person in people}
    marks: dict[tuple[int, int], Mark] = {}
    for user_id, meeting_id, status, checked_in_dt, note in db.session.execute(
        db.select(
            AttendanceRecord.user_id,
            AttendanceRecord.meeting_id,
            AttendanceRecord.status,
            AttendanceRecord.checked_in_dt,
            AttendanceRecord.note,
        )
        .join(Meeting, Meeting.id == AttendanceRecord.meeting_id)
        .where(Meeting.cohort_id == cohort.id)
    ):
        if user_id in ids:
            marks[(user_id, meeting_id)] = Mark(status, checked_in_dt, note)

    attended = attended_statuses(cohort)
    by_user: dict[int, dict[int, str]] = {}
    for (user_id, meeting_id), mark in marks.items():
        by_user.setdefault(user_id, {})[meeting_id] = mark.status
    rows = [
        ParticipantRow(person, _tally(meetings, by_user.get(person.id, {}), attended, now))
        for person in people
    ]
    groups = None
    if group_by_office:
        # Named offices alphabetically, people without one last; names keep their order.
        rows.sort(key=lambda row: (not row.user.office.strip(), row.user.office.strip().casefold()))
        groups = []
        for row in rows:
            office = row.user.office.strip()
            if not groups or groups[-1].office.casefold() != office.casefold():
                groups.append(
                    OfficeGroup(
                        office, attended_by_meeting=dict.fromkeys((m.id for m in meetings), 0)
                    )
                )
            group = groups[-1]
            group.rows.append(row)
            group.total.add(row.tally)
            for meeting_id, status in by_user.get(row.user.id, {}).items():
                if status in attended and meeting_id in group.attended_by_meeting:
                    group.attended_by_meeting[meeting_id] += 1
    return CohortReport(
        cohort=cohort,
        meetings=meetings,
        started_ids={m.id for m in meetings if has_started(m, now)},
        rows=rows,
        marks=marks,
        groups=groups,
        attended=attended,
    )


# --- one participant ----------------------------------------------------------------------


@dataclass
class ParticipantRecord:
    user: User
    #: (meeting, the participant's record or None), by start.
    meetings: list[tuple[Meeting, AttendanceRecord | None]]
    started_ids: set[int]
    tally: Tally
    #: JP of all the meetings that have started (what could have been attended).
    jp_held: int


def participant_record(
    cohort: Cohort, user: User, *, now: datetime | None = None
) -> ParticipantRecord:
    """One participant's attendance at each meeting of the cohort; one query."""
    now = now or utcnow()
    rows = db.session.execute(
        db.select(Meeting, AttendanceRecord)
        .outerjoin(
            AttendanceRecord,
            (AttendanceRecord.meeting_id == Meeting.id) & (AttendanceRecord.user_id == user.id),
        )
        .where(Meeting.cohort_id == cohort.id)
        .order_by(Meeting.start_dt, Meeting.id)
    ).all()
    meetings = [meeting for meeting, _record in rows]
    status_of = {meeting.id: record.status for meeting, record in rows if record is not None}
    started = [m for m in meetings if has_started(m, now)]
    return ParticipantRecord(
        user=user,
        meetings=[(meeting, record) for meeting, record in rows],
        started_ids={m.id for m in started},
        tally=_tally(meetings, status_of, attended_statuses(cohort), now),
        jp_held=sum(m.jp for m in started),
    )
