"""Read-side helpers other modules use: a cohort's courses and lesson progress."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.catalog.models import CohortCourse, Course, Lesson, LessonProgress
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db


def cohort_course_list(cohort: Cohort) -> list[Course]:
    return db.session.scalars(
        db.select(Course)
        .join(CohortCourse, CohortCourse.course_id == Course.id)
        .where(CohortCourse.cohort_id == cohort.id)
        .order_by(CohortCourse.position)
    ).all()


def progress_matrix(cohort: Cohort):
    courses = cohort_course_list(cohort)
    course_ids = [c.id for c in courses]
    totals = dict(
        db.session.execute(
            db.select(Lesson.course_id, db.func.count())
            .where(Lesson.course_id.in_(course_ids), Lesson.archived.is_(False))
            .group_by(Lesson.course_id)
        ).all()
    )
    participants = db.session.scalars(
        db.select(User)
        .join(Membership)
        .where(Membership.cohort_id == cohort.id, Membership.role == "participant")
        .order_by(User.full_name)
    ).all()
    done: dict[tuple[int, int], int] = {
        (user_id, course_id): n
        for user_id, course_id, n in db.session.execute(
            db.select(LessonProgress.user_id, Lesson.course_id, db.func.count())
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(
                Membership,
                (Membership.user_id == LessonProgress.user_id)
                & (Membership.cohort_id == cohort.id)
                & (Membership.role == "participant"),
            )
            .where(Lesson.course_id.in_(course_ids), Lesson.archived.is_(False))
            .group_by(LessonProgress.user_id, Lesson.course_id)
        ).all()
    }
    return courses, totals, participants, done


def courses_with_progress(cohort: Cohort, user: Any) -> list[tuple[Course, int, int]]:
    """The cohort's courses with the current user's done and total lesson counts."""
    courses = cohort_course_list(cohort)
    if not courses:
        return []
    ids = [c.id for c in courses]
    totals = dict(
        db.session.execute(
            db.select(Lesson.course_id, db.func.count())
            .where(Lesson.course_id.in_(ids), Lesson.archived.is_(False))
            .group_by(Lesson.course_id)
        ).all()
    )
    done = dict(
        db.session.execute(
            db.select(Lesson.course_id, db.func.count())
            .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
            .where(
                Lesson.course_id.in_(ids),
                Lesson.archived.is_(False),
                LessonProgress.user_id == user.id,
            )
            .group_by(Lesson.course_id)
        ).all()
    )
    return [(c, done.get(c.id, 0), totals.get(c.id, 0)) for c in courses]
