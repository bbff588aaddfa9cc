"""The grading workflow in operations: marking, double marking, reconciliation, release,
revisions, audit and locking."""

from __future__ import annotations

import pytest

from lms.audit import AuditEvent
from lms.catalog.models import Rubric
from lms.grading import operations as grading
from lms.grading.models import Grade
from lms.grading.queries import submission as grading_queries
from lms.grading.scoring import MarkingInput
from tests.grading.conftest import allocate, mark, submit_proposal


@pytest.fixture
def ctx(app, grading_world):
    with app.test_request_context():
        yield grading_world


def test_a_single_marker_done_gives_an_agreed_grade_hidden_until_release(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    allocate(ctx.assignment, ani, ctx.trainers[0])
    review = mark(submission, ctx.trainers[0], kebaruan=2, manfaat=1)
    assert review.total == 80.0 and review.band == "Baik" and review.passed is True
    grade = grading_queries.grade_of(grading_queries.latest_version(submission))
    assert (grade.status, grade.total, grade.released) == ("agreed", 80.0, False)
    assert submission.state == "submitted"
    assert grading.release([grade], ctx.organizer) == (1, 0)
    assert submission.state == "graded"


def test_the_first_review_freezes_the_rubric(ctx, db):
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    rubric = grading_queries.rubric_for(ctx.assignment)
    assert not rubric.frozen
    mark(ctx.submission_of(ani), ctx.trainers[0], done=False)
    assert db.session.get(Rubric, rubric.id).frozen


def test_double_marking_waits_for_both_then_takes_the_mean(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    allocate(ctx.assignment, ani, ctx.trainers[0], ctx.trainers[1])
    mark(submission, ctx.trainers[0], kebaruan=2, manfaat=2)  # 100
    version = grading_queries.latest_version(submission)
    assert grading_queries.grade_of(version) is None
    mark(submission, ctx.trainers[1], kebaruan=2, manfaat=1)  # 80: gap 20 > 10
    grade = grading_queries.grade_of(version)
    assert grade.status == "flagged" and "gap:20.0:10.0" in grade.flag_reason
    assert grading.release([grade], ctx.organizer) == (0, 1)


def test_double_marking_within_tolerance_agrees_on_the_mean(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    plan = grading.plan_for(ctx.assignment)
    plan.tolerance = 20
    allocate(ctx.assignment, ani, ctx.trainers[0], ctx.trainers[1])
    mark(submission, ctx.trainers[0], kebaruan=2, manfaat=2)
    mark(submission, ctx.trainers[1], kebaruan=2, manfaat=1)
    grade = grading_queries.grade_of(grading_queries.latest_version(submission))
    assert (grade.status, grade.total, grade.band) == ("agreed", 90.0, "Baik")


def test_pass_fail_disagreement_is_flagged_even_within_tolerance(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    grading.plan_for(ctx.assignment).tolerance = 100
    allocate(ctx.assignment, ani, ctx.trainers[0], ctx.trainers[1])
    mark(submission, ctx.trainers[0])
    mark(submission, ctx.trainers[1], gates={"memperbarui": False})
    grade = grading_queries.grade_of(grading_queries.latest_version(submission))
    assert grade.status == "flagged" and grade.flag_reason == "pass"


def test_reconciliation_sets_the_agreed_marking_with_a_note(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    allocate(ctx.assignment, ani, ctx.trainers[0], ctx.trainers[1])
    mark(submission, ctx.trainers[0], kebaruan=2, manfaat=2)
    mark(submission, ctx.trainers[1], kebaruan=1, manfaat=1)
    grade = grading_queries.grade_of(grading_queries.latest_version(submission))
    data = MarkingInput(
        points={"kebaruan": 2, "manfaat": 1}, gates={"memperbarui": True}, outcome="grade"
    )
    with pytest.raises(grading.MarkingInvalid) as problem:
        grading.reconcile(
            grade, ctx.organizer, data, "", lock_version=0, grade_lock_version=grade.lock_version
        )
    assert "note" in problem.value.errors
    grading.reconcile(
        grade,
        ctx.organizer,
        data,
        "Disepakati dalam rapat.",
        lock_version=0,
        grade_lock_version=grade.lock_version,
    )
    assert (grade.status, grade.total, grade.note) == (
        "reconciled",
        80.0,
        "Disepakati dalam rapat.",
    )
    # Markers can no longer change what was reconciled.
    with pytest.raises(grading.GradingError):
        mark(submission, ctx.trainers[0], kebaruan=1)
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"review.done", "grade.settle", "review.reconcile", "grade.reconcile"} <= actions


def test_revision_cycle_starts_the_next_marking_from_the_last(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    allocate(ctx.assignment, ani, ctx.trainers[0])
    mark(
        submission,
        ctx.trainers[0],
        outcome="revisions",
        kebaruan=1,
        manfaat=None,
        comment="Perjelas cara kerja.",
    )
    grade = grading_queries.grade_of(grading_queries.latest_version(submission))
    assert grade.outcome == "revisions"
    grading.release([grade], ctx.organizer)
    assert submission.state == "revisions_requested"
    submit_proposal(ctx.assignment, ani, cara_kerja="Lebih jelas sekarang.")
    assert submission.latest_number == 2 and submission.state == "submitted"
    version2 = grading_queries.latest_version(submission)
    previous = grading_queries.earlier_review(submission, ctx.trainers[0], version2.number)
    start = grading_queries.input_from(previous, grading_queries.rubric_for(ctx.assignment))
    assert start.overall_comment == "Perjelas cara kerja."
    assert start.points["kebaruan"] == 1


def test_revisions_need_a_comment_saying_what_to_change(ctx, db):
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    with pytest.raises(grading.MarkingInvalid) as problem:
        mark(ctx.submission_of(ani), ctx.trainers[0], outcome="revisions", comment="  ")
    assert "overall_comment" in problem.value.errors
    assert db.session.scalar(db.select(Grade)) is None


def test_a_level_that_is_not_in_the_rubric_is_refused(ctx, db):
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    with pytest.raises(grading.MarkingInvalid) as problem:
        mark(ctx.submission_of(ani), ctx.trainers[0], kebaruan=3)
    assert "level-kebaruan" in problem.value.errors


def test_a_stale_form_raises_a_conflict_and_saves_nothing(ctx, db):
    ani = ctx.participants[0]
    submission = ctx.submission_of(ani)
    allocate(ctx.assignment, ani, ctx.trainers[0])
    review = mark(submission, ctx.trainers[0], done=False, comment="Versi pertama")
    stale = review.lock_version
    mark(submission, ctx.trainers[0], done=False, comment="Versi kedua")
    version = grading_queries.latest_version(submission)
    with pytest.raises(grading.ReviewConflict):
        grading.save_review(
            submission,
            version,
            ctx.trainers[0],
            MarkingInput(overall_comment="Tab lama"),
            done=False,
            lock_version=stale,
        )
    assert grading_queries.review_of(version, ctx.trainers[0]).overall_comment == "Versi kedua"
