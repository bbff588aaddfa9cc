"""Reads of the catalog: a cohort's courses, lesson outlines, progress, specs and rubrics."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import sqlalchemy as sa

from lms.accounts.models import User
from lms.catalog.models import (
    AssignmentSpec,
    CohortCourse,
    Course,
    Lesson,
    LessonProgress,
    Rubric,
)
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


class OutlineRow(NamedTuple):
    id: int
    slug: str
    title: str


#: Course id -> (the course's sync stamp, its outline): lessons change only when the course is
#: synced, which sets a new ``synced_dt`` (or archives it), so a stamp that still matches the
#: row read in this request means the outline is current, in every worker.
_OUTLINES: dict[int, tuple[tuple, list[OutlineRow]]] = {}


def lesson_outline(course: Course) -> list[OutlineRow]:
    """(id, slug, title) of the course's lessons in order, without their bodies; read once
    per process and sync of the course (no query while it is unchanged)."""
    stamp = (course.synced_dt, course.archived, course.content_hash)
    cached = _OUTLINES.get(course.id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    outline = [
        OutlineRow(*row)
        for row in db.session.execute(
            db.select(Lesson.id, Lesson.slug, Lesson.title)
            .filter_by(course_id=course.id, archived=False)
            .order_by(Lesson.position)
        )
    ]
    _OUTLINES[course.id] = (stamp, outline)
    return outline


@functools.cache
def _lesson_statement() -> Any:
    """One lesson with whether :user_id finished it; built once per process."""
    done = (
        sa.select(LessonProgress.id)
        .where(
            LessonProgress.lesson_id == Lesson.id,
            LessonProgress.user_id == sa.bindparam("user_id"),
        )
        .exists()
    )
    return sa.select(
        Lesson.id, Lesson.slug, Lesson.title, Lesson.body_html, done.label("done")
    ).where(Lesson.id == sa.bindparam("lesson_id"))


def lesson_with_done(lesson_id: int, user: Any) -> Any:
    """The lesson's body and whether ``user`` finished it, in one query (None if gone)."""
    return db.session.execute(
        _lesson_statement(), {"lesson_id": lesson_id, "user_id": user.id}
    ).first()


def live_lesson(course: Course, lesson_slug: str) -> Lesson | None:
    return db.session.scalar(
        db.select(Lesson).filter_by(course_id=course.id, slug=lesson_slug, archived=False)
    )


def done_ids(user: User, lesson_ids: list[int]) -> set[int]:
    if not lesson_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
    )


def live_specs(course: Course) -> list[AssignmentSpec]:
    return list(
        db.session.scalars(db.select(AssignmentSpec).filter_by(course_id=course.id, archived=False))
    )


def spec_with_rubric(course: Course, key: str) -> tuple[AssignmentSpec | None, Rubric | None]:
    spec = db.session.scalar(db.select(AssignmentSpec).filter_by(course_id=course.id, key=key))
    if spec is None or not spec.rubric_key:
        return spec, None
    rubric = db.session.scalar(
        db.select(Rubric).filter_by(course_id=course.id, key=spec.rubric_key, current=True)
    )
    return spec, rubric


def live_courses() -> list[Course]:
    return list(
        db.session.scalars(db.select(Course).filter_by(archived=False).order_by(Course.title))
    )


def chosen_positions(cohort: Cohort) -> dict[int, int]:
    return {
        row.course_id: row.position
        for row in db.session.scalars(db.select(CohortCourse).filter_by(cohort_id=cohort.id))
    }
