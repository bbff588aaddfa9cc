"""Submissions read side: what staff pages show. Each function runs a fixed number of
queries, whatever the size of the cohort."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, load_only

from lms.accounts.models import User
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
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


def display_state_of(submission: Submission | None, latest: SubmissionVersion | None) -> str:
    """:func:`lms.submissions.operations.display_state`, given the newest version instead of
    loading every version of the submission."""
    if submission is None or (submission.latest_number == 0 and not submission.draft_dt):
        return "not_started"
    if submission.state == "submitted" and latest is not None and latest.late:
        return "late"
    if submission.state == "withdrawn":
        return "draft"
    return submission.state


def assignment_of(cohort: Cohort, assignment_id: int) -> CohortAssignment:
    """The cohort's assignment with its spec; 404 for an id of another cohort."""
    assignment = db.session.scalar(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec))
        .filter_by(id=assignment_id, cohort_id=cohort.id)
    )
    if assignment is None:
        abort(404)
    return assignment


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
    people = db.session.scalars(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == assignment.cohort_id, Membership.role == "participant")
        .order_by(User.full_name, User.id)
    ).all()
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
