"""Catalog writes: syncing packs, choosing a cohort's courses, lesson progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.catalog.models import (
    AssignmentSpec,
    CohortCourse,
    Course,
    Lesson,
    LessonProgress,
    Rubric,
    RubricCriterion,
)
from lms.catalog.packs import Pack, Problem, load_pack
from lms.db import utcnow
from lms.extensions import db
from lms.markdown import plain_text, render


@dataclass
class SyncReport:
    problems: list[Problem] = field(default_factory=list)
    #: "slug: 3 new, 1 changed, 0 archived lessons" lines.
    lines: list[str] = field(default_factory=list)


def _lesson_media(course_slug: str):
    # Lesson pages live at /courses/<course>/<lesson>: relative links resolve beside them.
    return lambda target: f"media/lessons/{target}"


def sync_all(pack_dirs: list[Path]) -> SyncReport:
    """Load every pack that passes its check; a broken pack is reported and left as it was."""
    report = SyncReport()
    seen: set[str] = set()
    for path in pack_dirs:
        pack, problems = load_pack(path)
        if pack is None:
            report.problems.extend(problems)
            seen.add(Path(path).name)  # a broken pack is not "removed"
            continue
        seen.add(pack.slug)
        report.lines.append(sync_pack(pack))
    for course in db.session.scalars(db.select(Course).filter_by(archived=False)):
        if course.slug not in seen:
            course.archived = True
            for lesson in course.lessons:
                lesson.archived = True
            report.lines.append(f"{course.slug}: archived (the pack is gone)")
    db.session.flush()
    return report


def sync_pack(pack: Pack) -> str:
    course = db.session.scalar(db.select(Course).filter_by(slug=pack.slug))
    if course is None:
        course = Course(slug=pack.slug)
        db.session.add(course)
    elif course.content_hash == pack.content_hash and not course.archived:
        course.source_path = str(pack.path)
        return f"{pack.slug}: unchanged"
    course.title = pack.title
    course.title_en = pack.title_en
    course.description_html = render(
        pack.description, rewrite_url=lambda t: f"{pack.slug}/media/{t}"
    )
    course.description_en_html = render(
        pack.description_en, rewrite_url=lambda t: f"{pack.slug}/media/{t}"
    )
    course.version = pack.version
    course.jp = pack.jp
    course.objectives = pack.objectives
    course.objectives_en = pack.objectives_en
    course.sources = pack.sources
    course.source_path = str(pack.path)
    course.content_hash = pack.content_hash
    course.archived = False
    course.synced_dt = utcnow()
    db.session.flush()

    new = changed = archived = 0
    existing = {lesson.slug: lesson for lesson in course.lessons}
    for position, data in enumerate(pack.lessons, 1):
        lesson = existing.pop(data.slug, None)
        if lesson is None:
            lesson = Lesson(course_id=course.id, slug=data.slug, content_hash="")
            db.session.add(lesson)
            new += 1
        elif lesson.content_hash != data.content_hash or lesson.archived:
            changed += 1
        lesson.position = position
        lesson.archived = False
        if lesson.content_hash != data.content_hash:
            html = render(data.body, rewrite_url=_lesson_media(pack.slug))
            lesson.title = data.title
            lesson.body_html = html
            lesson.body_text = plain_text(html)
            lesson.word_count = len(lesson.body_text.split())
            lesson.content_hash = data.content_hash
            lesson.updated_dt = utcnow()
    for lesson in existing.values():
        if not lesson.archived:
            lesson.archived = True
            archived += 1

    rubrics_changed = _sync_rubrics(course, pack)
    _sync_assignments(course, pack)
    db.session.flush()
    return f"{pack.slug}: {new} new, {changed} changed, {archived} archived lessons" + (
        f"; {rubrics_changed} rubric(s) updated" if rubrics_changed else ""
    )


def _fill_rubric(rubric: Rubric, data: Any) -> None:
    rubric.title = data.title
    rubric.description_html = render(data.description)
    rubric.pass_mark = data.pass_mark
    rubric.bands = data.bands
    rubric.gates = data.gates
    rubric.content_hash = data.content_hash
    if rubric.criteria:
        rubric.criteria = []
        db.session.flush()  # the old rows go before new ones reuse their keys
    rubric.criteria = [
        RubricCriterion(
            key=c.key,
            position=i,
            title=c.title,
            weight=c.weight,
            levels=c.levels,
            zero_level=c.zero_level,
            parts=list(c.parts),
        )
        for i, c in enumerate(data.criteria, 1)
    ]


def _sync_rubrics(course: Course, pack: Pack) -> int:
    changed = 0
    for data in pack.rubrics:
        current = db.session.scalar(
            db.select(Rubric).filter_by(course_id=course.id, key=data.key, current=True)
        )
        if current is not None and current.content_hash == data.content_hash:
            continue
        changed += 1
        if current is None:
            rubric = Rubric(course_id=course.id, key=data.key, version=1)
            db.session.add(rubric)
        elif current.frozen:
            # Reviews were made against this version: keep it, add the next one.
            current.current = False
            rubric = Rubric(course_id=course.id, key=data.key, version=current.version + 1)
            db.session.add(rubric)
        else:
            rubric = current
        _fill_rubric(rubric, data)
        db.session.flush()
    return changed


def _sync_assignments(course: Course, pack: Pack) -> None:
    existing = {
        spec.key: spec
        for spec in db.session.scalars(db.select(AssignmentSpec).filter_by(course_id=course.id))
    }
    for data in pack.assignments:
        spec = existing.pop(data.key, None)
        if spec is None:
            spec = AssignmentSpec(course_id=course.id, key=data.key)
            db.session.add(spec)
        spec.title = data.title
        spec.kind = data.kind
        spec.instructions_html = render(data.instructions)
        spec.rubric_key = data.rubric_key
        spec.settings = data.settings
        spec.content_hash = data.content_hash
        spec.archived = False
    for spec in existing.values():
        spec.archived = True


def set_cohort_courses(cohort: Any, course_ids: list[int], *, actor: Any) -> None:
    """The cohort follows exactly these courses, in this order."""
    rows = {
        row.course_id: row
        for row in db.session.scalars(db.select(CohortCourse).filter_by(cohort_id=cohort.id))
    }
    before = [cid for cid, _ in sorted(rows.items(), key=lambda kv: kv[1].position)]
    for position, course_id in enumerate(course_ids, 1):
        row = rows.pop(course_id, None)
        if row is None:
            row = CohortCourse(cohort_id=cohort.id, course_id=course_id)
            db.session.add(row)
        row.position = position
    for row in rows.values():
        db.session.delete(row)
    db.session.flush()
    if before != list(course_ids):
        audit.record(
            "cohort.courses",
            cohort,
            actor=actor,
            before={"course_ids": before},
            after={"course_ids": list(course_ids)},
            cohort_id=cohort.id,
        )


def mark_done(user: Any, lesson: Lesson, *, how: str = "button") -> bool:
    """Record that ``user`` finished ``lesson``; False when it already was."""
    exists = db.session.scalar(
        db.select(LessonProgress.id).filter_by(user_id=user.id, lesson_id=lesson.id)
    )
    if exists:
        return False
    try:
        with db.session.begin_nested():  # the same reader twice at once: one row, no error
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, how=how))
    except IntegrityError:
        return False
    return True
