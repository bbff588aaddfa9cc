"""Submissions read side: assignments with their deadlines, a participant's work, the staff
list, files and versions. List reads run a fixed number of queries, whatever the cohort's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import abort, url_for
from sqlalchemy.orm import joinedload, load_only, selectinload

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.i18n import gettext as _
from lms.submissions.models import (
    CohortAssignment,
    Extension,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)

#: The states a participant's work is shown in, in the order of the workflow.
DISPLAY_STATES = ("not_started", "draft", "submitted", "late", "revisions_requested", "graded")


def state_labels() -> dict[str, str]:
    """Display state -> the word people see (Belum mulai, Draf, Dikumpulkan, ...)."""
    return {
        "not_started": _("Belum mulai"),
        "draft": _("Draf"),
        "submitted": _("Dikumpulkan"),
        "late": _("Terlambat"),
        "revisions_requested": _("Perlu revisi"),
        "graded": _("Dinilai"),
    }


def display_state(submission: Submission | None) -> str:
    """What a participant sees: not_started, draft, submitted, late, revisions_requested,
    graded."""
    latest = None
    if submission is not None and submission.state == "submitted" and submission.versions:
        latest = submission.versions[-1]
    return display_state_of(submission, latest)


def display_state_of(submission: Submission | None, latest: SubmissionVersion | None) -> str:
    """:func:`display_state`, given the newest version instead of loading every version of
    the submission."""
    if submission is None or (submission.latest_number == 0 and not submission.draft_dt):
        return "not_started"
    if submission.state == "submitted" and latest is not None and latest.late:
        return "late"
    if submission.state == "withdrawn":
        return "draft"
    return submission.state


def assignment_of(cohort: Cohort, assignment_id: int) -> CohortAssignment:
    """The cohort's assignment with its spec and course; 404 for an id of another cohort."""
    assignment = db.session.scalar(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec).joinedload(AssignmentSpec.course))
        .filter_by(id=assignment_id, cohort_id=cohort.id)
    )
    if assignment is None:
        abort(404)
    return assignment


# --- deadlines ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    open_dt: datetime | None
    due_dt: datetime | None
    #: None: no cut-off at all (no due date, or late work allowed without an end).
    cutoff_dt: datetime | None
    late_allowed: bool
    extended: bool

    @classmethod
    def of(cls, assignment: CohortAssignment) -> Deadlines:
        """The assignment's own dates, as set for everyone (no extension)."""
        return cls(
            assignment.open_dt,
            assignment.due_dt,
            assignment.cutoff_dt,
            assignment.late_allowed,
            False,
        )


def deadlines_for(assignment: CohortAssignment, user: Any) -> Deadlines:
    """The dates that hold for ``user``: their extension, if any, moves due date and cut-off."""
    extension = db.session.scalar(
        db.select(Extension).filter_by(assignment_id=assignment.id, user_id=user.id)
    )
    due, cutoff = assignment.due_dt, assignment.cutoff_dt
    if extension is not None:
        due = extension.due_dt
        cutoff = extension.cutoff_dt or (max(cutoff, due) if cutoff else None)
    if not assignment.late_allowed and due is not None:
        cutoff = due if cutoff is None or cutoff > due else cutoff
    return Deadlines(
        assignment.open_dt, due, cutoff, assignment.late_allowed, extension is not None
    )


# --- the list of a cohort's assignments ---------------------------------------------------


@dataclass
class ListRow:
    assignment: CohortAssignment
    deadlines: Deadlines
    submission: Submission | None
    state: str
    not_open_yet: bool
    closed: bool
    overdue: bool


def assignment_list(
    assignments: list[CohortAssignment], participant: Any | None, now: datetime
) -> list[ListRow]:
    """The assignments in their order with spec and course; for a ``participant`` their own
    work and deadlines, else the dates set for everyone."""
    order = {row.id: i for i, row in enumerate(assignments)}
    loaded = db.session.scalars(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec).joinedload(AssignmentSpec.course))
        .where(CohortAssignment.id.in_(order))
    ).all()
    submissions: dict[int, Submission] = {}
    if participant is not None and loaded:
        submissions = {
            s.assignment_id: s
            for s in db.session.scalars(
                db.select(Submission)
                .options(selectinload(Submission.versions))
                .where(
                    Submission.user_id == participant.id,
                    Submission.assignment_id.in_(order),
                )
            )
        }
    rows = []
    for assignment in sorted(loaded, key=lambda a: order[a.id]):
        if participant is not None:
            d = deadlines_for(assignment, participant)
        else:
            d = Deadlines.of(assignment)
        submission = submissions.get(assignment.id)
        rows.append(
            ListRow(
                assignment=assignment,
                deadlines=d,
                submission=submission,
                state=display_state(submission),
                not_open_yet=bool(d.open_dt and now < d.open_dt),
                closed=bool(d.cutoff_dt and now > d.cutoff_dt),
                overdue=bool(d.due_dt and now > d.due_dt),
            )
        )
    return rows


# --- one participant's work ---------------------------------------------------------------


def submission_of(assignment: CohortAssignment, user_id: int) -> Submission | None:
    return db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment.id, user_id=user_id)
    )


def own_submission(assignment: CohortAssignment, user: Any) -> Submission | None:
    """The user's own work on the assignment (None before their first save)."""
    return submission_of(assignment, user.id)


def submission_in(cohort: Cohort, submission_id: int) -> Submission:
    """A submission to one of the cohort's assignments, with its assignment, spec and person;
    404 for an id of another cohort (one query)."""
    submission = db.session.scalar(
        db.select(Submission)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .options(
            joinedload(Submission.assignment).joinedload(CohortAssignment.spec),
            joinedload(Submission.user),
        )
        .where(Submission.id == submission_id, CohortAssignment.cohort_id == cohort.id)
    )
    if submission is None:
        abort(404)
    return submission


def current_files(submission: Submission | None) -> list[SubmissionFile]:
    """The files of the working copy (not those taken off it)."""
    if submission is None:
        return []
    return [f for f in submission.files if not f.removed]


def current_file(submission: Submission | None, role: str) -> SubmissionFile | None:
    """The working copy's newest file of ``role`` ("video", "thumbnail")."""
    files = [f for f in current_files(submission) if f.role == role]
    return files[-1] if files else None


def own_file(assignment: CohortAssignment, user: Any, file_id: int) -> SubmissionFile | None:
    """A file still on the user's own working copy of the assignment; None for anything else."""
    return db.session.scalar(
        db.select(SubmissionFile)
        .join(Submission, Submission.id == SubmissionFile.submission_id)
        .where(
            SubmissionFile.id == file_id,
            SubmissionFile.removed.is_(False),
            Submission.assignment_id == assignment.id,
            Submission.user_id == user.id,
        )
    )


def version_of(submission: Submission, number: int) -> SubmissionVersion | None:
    return db.session.scalar(
        db.select(SubmissionVersion).filter_by(submission_id=submission.id, number=number)
    )


def version_list(submission: Submission) -> list[Any]:
    """(number, submitted_dt, late) of every version, oldest first, without their content."""
    return list(
        db.session.execute(
            db.select(
                SubmissionVersion.number, SubmissionVersion.submitted_dt, SubmissionVersion.late
            )
            .filter_by(submission_id=submission.id)
            .order_by(SubmissionVersion.number)
        ).all()
    )


def file_of(cohort: Cohort, submission_id: int, file_id: int) -> SubmissionFile:
    """A file of a submission to one of the cohort's assignments, with its submission; 404 when
    the ids do not belong together (one query, whatever was guessed)."""
    row = db.session.scalar(
        db.select(SubmissionFile)
        .join(Submission, Submission.id == SubmissionFile.submission_id)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .options(joinedload(SubmissionFile.submission))
        .where(
            SubmissionFile.id == file_id,
            Submission.id == submission_id,
            CohortAssignment.cohort_id == cohort.id,
        )
    )
    if row is None:
        abort(404)
    return row


@dataclass
class StaffRow:
    """One participant's work on one assignment."""

    user: User
    submission: Submission | None
    #: The newest submitted version (None: never submitted).
    latest: SubmissionVersion | None
    extension: Extension | None
    state: str

    @property
    def late(self) -> bool:
        return bool(self.latest and self.latest.late)


@dataclass
class StaffList:
    assignment: CohortAssignment
    #: Every participant, ordered by name.
    rows: list[StaffRow]
    #: Display state -> number of participants, over every row (not only the shown ones).
    counts: dict[str, int] = field(default_factory=dict)

    def only(self, state: str | None) -> list[StaffRow]:
        if state not in DISPLAY_STATES:
            return self.rows
        return [row for row in self.rows if row.state == state]


def staff_list(assignment: CohortAssignment) -> StaffList:
    """Every participant of the assignment's cohort with their submission state (four
    queries)."""
    people = db.session.scalars(_participants(assignment.cohort_id)).all()
    submissions = {
        s.user_id: s
        for s in db.session.scalars(
            db.select(Submission)
            .options(
                load_only(
                    Submission.id,
                    Submission.user_id,
                    Submission.assignment_id,
                    Submission.state,
                    Submission.draft_dt,
                    Submission.latest_number,
                    Submission.lock_version,
                )
            )
            .filter_by(assignment_id=assignment.id)
        )
    }
    latest = {
        v.submission_id: v
        for v in db.session.scalars(
            db.select(SubmissionVersion)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .options(
                load_only(
                    SubmissionVersion.id,
                    SubmissionVersion.submission_id,
                    SubmissionVersion.number,
                    SubmissionVersion.submitted_dt,
                    SubmissionVersion.late,
                )
            )
            .where(
                Submission.assignment_id == assignment.id,
                SubmissionVersion.number == Submission.latest_number,
            )
        )
    }
    extensions = {
        e.user_id: e
        for e in db.session.scalars(db.select(Extension).filter_by(assignment_id=assignment.id))
    }
    rows = []
    counts = dict.fromkeys(DISPLAY_STATES, 0)
    for person in people:
        submission = submissions.get(person.id)
        version = latest.get(submission.id) if submission else None
        state = display_state_of(submission, version)
        counts[state] += 1
        rows.append(StaffRow(person, submission, version, extensions.get(person.id), state))
    return StaffList(assignment, rows, counts)


def file_links(
    cohort_id: int, submission_id: int, version: SubmissionVersion
) -> tuple[dict[str, str], dict[str, str]]:
    """For a version's files: stored key -> download URL, and key -> in-page player URL for
    videos (one query)."""
    keys = [f.get("key") for f in version.files or [] if f.get("key")]
    if not keys:
        return {}, {}
    rows = db.session.execute(
        db.select(SubmissionFile.key, SubmissionFile.id, SubmissionFile.role)
        .where(SubmissionFile.submission_id == submission_id, SubmissionFile.key.in_(keys))
        .order_by(SubmissionFile.id)
    ).all()
    links: dict[str, str] = {}
    players: dict[str, str] = {}
    for key, file_id, role in rows:
        ids = {"cohort_id": cohort_id, "submission_id": submission_id, "file_id": file_id}
        links.setdefault(key, url_for("lms.submissions.download_file", **ids))
        if role == "video":
            players.setdefault(key, url_for("lms.submissions.play_video", **ids))
    return links, players


# --- an assignment's settings -------------------------------------------------------------


def _participants(cohort_id: int) -> Any:
    return (
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == "participant")
        .order_by(User.full_name, User.id)
    )


def participants(cohort: Cohort) -> list[User]:
    """The cohort's participants by name."""
    return list(db.session.scalars(_participants(cohort.id)))


def extensions(assignment: CohortAssignment) -> tuple[list[Extension], dict[int, User]]:
    """The assignment's extensions with their participants, and who granted them (2 queries)."""
    rows = db.session.scalars(
        db.select(Extension)
        .options(joinedload(Extension.user))
        .filter_by(assignment_id=assignment.id)
        .join(User, User.id == Extension.user_id)
        .order_by(User.full_name, Extension.id)
    ).all()
    ids = {e.granted_by_id for e in rows if e.granted_by_id}
    granters = (
        {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    return list(rows), granters
