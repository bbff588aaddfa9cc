"""The workflow status is one rule written twice: in Python (the grading page) and in SQL (the
grade book and the queue). For every combination of states both say the same."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from lms.cohorts.models import Membership
from lms.grading.models import Allocation, Grade, Review
from lms.grading.queries import gradebook, queue
from lms.grading.queries import submission as grading_queries
from lms.grading.status import STATUSES, grade_status, workflow_status
from lms.submissions.models import Submission, SubmissionVersion

NOW = datetime(2023, 9, 5, 2, 0, tzinfo=UTC)

#: The grade of the newest version: (status, released) or None.
GRADES = [
    None,
    ("agreed", False),
    ("agreed", True),
    ("flagged", False),
    ("reconciled", False),
    ("reconciled", True),
]
#: The reviews of the newest version: (kind, state) each, by a trainer of its own.
REVIEWS = [
    (),
    (("marking", "superseded"),),
    (("marking", "in_progress"),),
    (("marking", "done"),),
    (("marking", "superseded"), ("marking", "done")),
    (("reconciliation", "done"),),
]


def _version(db, submission, number):
    version = SubmissionVersion(
        submission_id=submission.id, number=number, fields={}, content_hash=f"h{number}"
    )
    db.session.add(version)
    db.session.flush()
    return version


def _grade(db, submission, version, status, released):
    db.session.add(
        Grade(
            submission_id=submission.id,
            version_id=version.id,
            status=status,
            released_dt=NOW if released else None,
        )
    )


def test_sql_and_python_agree_on_every_combination(app, db, grading_world, make_user):
    w = grading_world
    with app.test_request_context():
        rubric = grading_queries.rubric_for(w.assignment)
        combinations = []
        # Never started, and a draft never submitted.
        combinations += [("nothing",), ("draft",)]
        # The newest version is the first, or the second after a released first grade.
        for numbers, grade, reviews in itertools.product((1, 2), GRADES, REVIEWS):
            combinations.append((numbers, grade, reviews))
        people = []
        for n, combination in enumerate(combinations):
            person = make_user(full_name=f"Kombinasi {n:03d}")
            db.session.add(Membership(cohort_id=w.cohort.id, user_id=person.id, role="participant"))
            people.append(person)
            if combination == ("nothing",):
                continue
            submission = Submission(assignment_id=w.assignment.id, user_id=person.id)
            db.session.add(submission)
            db.session.flush()
            if combination == ("draft",):
                continue
            newest, grade, reviews = combination
            if newest == 2:
                first = _version(db, submission, 1)
                _grade(db, submission, first, "agreed", True)
            version = _version(db, submission, newest)
            submission.latest_number = newest
            if grade is not None:
                _grade(db, submission, version, *grade)
            for trainer, (kind, state) in zip(w.trainers, reviews, strict=False):
                db.session.add(
                    Review(
                        submission_id=submission.id,
                        version_id=version.id,
                        trainer_id=trainer.id,
                        rubric_id=rubric.id,
                        kind=kind,
                        state=state,
                    )
                )
        for person in [*w.participants, *people]:
            db.session.add(
                Allocation(
                    assignment_id=w.assignment.id,
                    participant_id=person.id,
                    trainer_id=w.trainers[0].id,
                )
            )
        db.session.flush()

        book = gradebook.gradebook(w.cohort)
        rows = queue.trainer_queue(w.cohort, w.trainers[0]).rows
        in_sql = {row.user.id: row.cells[w.assignment.id].status for row in book.rows}
        grade_in_sql = {row.participant.id: row.grade_status for row in rows}
        seen = set()
        for person in [*w.participants, *people]:
            submission = grading_queries.submission_of(w.assignment.id, person.id)
            latest = grading_queries.latest_version(submission) if submission else None
            grade = grading_queries.grade_of(latest) if latest else None
            markings = (
                db.session.scalars(
                    db.select(Review).filter_by(version_id=latest.id, kind="marking")
                ).all()
                if latest
                else []
            )
            expected = workflow_status(submission, latest, markings, grade)
            assert in_sql[person.id] == expected, person.full_name
            assert grade_in_sql[person.id] == grade_status(grade), person.full_name
            seen.add(expected)
        # The combinations reach every status, and the counts are the same rule again.
        assert seen == set(STATUSES)
        (column,) = book.columns
        assert sum(column.counts.values()) == len(in_sql)
        for status in STATUSES:
            assert column.counts[status] == list(in_sql.values()).count(status), status
