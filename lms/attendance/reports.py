"""Attendance read side: a meeting's list, the cohort's participants × meetings grid and one
participant's record. Each function runs a fixed number of queries, whatever the cohort's size.

Counting rules (the same on every page and export):

- a meeting counts once it is over (``end_dt <= now``) or the organizer closed it; records of
  meetings still to come or under way (an Izin asked for in advance, a check-in this morning)
  are shown but not counted, so nobody's rate drops while a meeting is still running;
- attended = Hadir or Terlambat, plus Izin and Sakit when ``cohort.excused_counts_as_attended``;
- rate = attended ÷ meetings that count (None while none does);
- JP attended = the sum of ``meeting.jp`` over the attended meetings that count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext

from lms.accounts.models import User
from lms.attendance.models import ATTENDED, EXCUSED, STATUSES, AttendanceRecord, Meeting
from lms.attendance.operations import participants as cohort_participants
from lms.cohorts.models import Cohort, Membership
from lms.db import utcnow
from lms.extensions import db

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


def _meetings(cohort: Cohort) -> list[Meeting]:
    return db.session.scalars(
        db.select(Meeting).filter_by(cohort_id=cohort.id).order_by(Meeting.start_dt, Meeting.id)
    ).all()


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
    meetings = _meetings(cohort)
    people = cohort_participants(cohort.id)
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
