from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.catalog import bp, exports, operations, queries
from lms.catalog.access import course_member
from lms.catalog.models import AssignmentSpec, CohortCourse, Course, Lesson, LessonProgress, Rubric
from lms.catalog.search import search_lessons
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.security import writes_on_get

ANY_MEMBER = ("participant", "trainer", "organizer")
END_MARK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" viewBox="0 0 1 1"></svg>'
)


def _locale() -> str:
    return str(get_locale() or "id")


class OutlineRow(NamedTuple):
    id: int
    slug: str
    title: str


#: Course id -> (the course's sync stamp, its outline): lessons change only when the course is
#: synced, which sets a new ``synced_dt`` (or archives it), so a stamp that still matches the
#: row read in this request means the outline is current, in every worker.
_OUTLINES: dict[int, tuple[tuple, list[OutlineRow]]] = {}


def _lesson_outline(course: Course) -> list[OutlineRow]:
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


def _done_ids(user: User, lesson_ids: list[int]) -> set[int]:
    if not lesson_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
    )


@bp.get("/courses/<course_slug>")
@course_member
def course(course_slug: str):
    course: Course = g.course
    outline = _lesson_outline(course)
    done = _done_ids(current_user, [row.id for row in outline])
    specs = db.session.scalars(
        db.select(AssignmentSpec).filter_by(course_id=course.id, archived=False)
    ).all()
    return render_template(
        "catalog/course.html",
        course=course,
        outline=outline,
        done=done,
        specs=specs,
        locale=_locale(),
    )


@bp.get("/courses/<course_slug>/<lesson_slug>")
@course_member
def lesson(course_slug: str, lesson_slug: str):
    course: Course = g.course
    outline = _lesson_outline(course)
    index = next((i for i, row in enumerate(outline) if row.slug == lesson_slug), None)
    if index is None:
        abort(404)
    # The body and whether the reader finished it, in one query (the outline is cached).
    current = db.session.execute(
        _lesson_statement(), {"lesson_id": outline[index].id, "user_id": current_user.id}
    ).first()
    if current is None:  # synced away since the outline was read
        abort(404)
    return render_template(
        "catalog/lesson.html",
        course=course,
        lesson=current,
        outline=outline,
        position=index + 1,
        previous=outline[index - 1] if index > 0 else None,
        following=outline[index + 1] if index + 1 < len(outline) else None,
        done=current.done,
        locale=_locale(),
    )


def _lesson_or_404(course: Course, lesson_slug: str) -> Lesson:
    return db.first_or_404(
        db.select(Lesson).filter_by(course_id=course.id, slug=lesson_slug, archived=False)
    )


def _record(lesson: Lesson, how: str) -> bool:
    try:
        created = operations.mark_done(current_user, lesson, how=how)
        db.session.commit()
    except IntegrityError:  # the same reader, twice at once
        db.session.rollback()
        created = False
    return created


@bp.post("/courses/<course_slug>/<lesson_slug>/done")
@course_member
def mark_done(course_slug: str, lesson_slug: str):
    course: Course = g.course
    current = _lesson_or_404(course, lesson_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _record(current, "button")
    flash(_("Materi \u201c%(title)s\u201d ditandai selesai.", title=current.title), "success")
    outline = _lesson_outline(course)
    slugs = [row.slug for row in outline]
    index = slugs.index(current.slug)
    if index + 1 < len(slugs):
        return redirect(
            url_for("lms.catalog.lesson", course_slug=course.slug, lesson_slug=slugs[index + 1])
        )
    return redirect(url_for("lms.catalog.course", course_slug=course.slug))


@bp.get("/courses/<course_slug>/<lesson_slug>/end.svg")
@writes_on_get
@course_member
def reached_end(course_slug: str, lesson_slug: str):
    """A lazily loaded image at the end of the lesson: the browser asks for it only when the
    reader scrolls there, so reaching the end marks the lesson done without any script."""
    _record(_lesson_or_404(g.course, lesson_slug), "end")
    response = Response(END_MARK_SVG, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/courses/<course_slug>/media/<path:filename>")
@course_member
def media(course_slug: str, filename: str):
    course: Course = g.course
    if Path(filename).suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg", ".webp", ".gif"):
        abort(404)
    if not course.source_path or not Path(course.source_path).is_dir():
        abort(404)
    response = send_from_directory(course.source_path, filename, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/courses/<course_slug>/assignments/<key>")
@course_member
def assignment(course_slug: str, key: str):
    course: Course = g.course
    spec = db.first_or_404(db.select(AssignmentSpec).filter_by(course_id=course.id, key=key))
    rubric = None
    if spec.rubric_key:
        rubric = db.session.scalar(
            db.select(Rubric).filter_by(course_id=course.id, key=spec.rubric_key, current=True)
        )
    return render_template("catalog/assignment.html", course=course, spec=spec, rubric=rubric)


# --- a cohort's courses --------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/courses", methods=["GET", "POST"])
@cohort_role("organizer")
def cohort_courses(cohort_id: int):
    cohort: Cohort = g.cohort
    courses = db.session.scalars(
        db.select(Course).filter_by(archived=False).order_by(Course.title)
    ).all()
    chosen = {
        row.course_id: row.position
        for row in db.session.scalars(db.select(CohortCourse).filter_by(cohort_id=cohort.id))
    }
    errors: list[str] = []
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        known = {c.id for c in courses}
        picked: list[tuple[int, int]] = []
        for raw in request.form.getlist("course"):
            if not raw.isdigit() or int(raw) not in known:
                errors.append(_("Mata pelatihan tidak dikenal."))
                continue
            order = request.form.get(f"order-{raw}", "").strip()
            if order and not order.isdigit():
                errors.append(_("Urutan harus berupa angka."))
                continue
            picked.append((int(order) if order else 999, int(raw)))
        if not errors:
            ordered = [cid for _order, cid in sorted(picked)]
            operations.set_cohort_courses(cohort, ordered, actor=current_user)
            db.session.commit()
            flash(_("Mata pelatihan kelas sudah disimpan."), "success")
            return redirect(url_for("lms.cohorts.detail", cohort_id=cohort.id))
        chosen = {int(c): i for i, c in enumerate(request.form.getlist("course"), 1) if c.isdigit()}
    return render_template(
        "catalog/cohort_courses.html",
        cohort=cohort,
        courses=courses,
        chosen=chosen,
        errors=errors,
        form=ConfirmForm(),
        locale=_locale(),
    )


@bp.get("/cohorts/<int:cohort_id>/progress")
@cohort_role("trainer", "organizer")
def progress(cohort_id: int):
    cohort: Cohort = g.cohort
    courses, totals, participants, done = queries.progress_matrix(cohort)
    return render_template(
        "catalog/progress.html",
        cohort=cohort,
        courses=courses,
        totals=totals,
        participants=participants,
        done=done,
        locale=_locale(),
    )


@bp.get("/cohorts/<int:cohort_id>/progress.xlsx")
@cohort_role("trainer", "organizer")
def progress_xlsx(cohort_id: int):
    cohort: Cohort = g.cohort
    data = exports.progress_workbook(cohort, *queries.progress_matrix(cohort), locale=_locale())
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"progres-{cohort.code}.xlsx",
    )


@bp.get("/cohorts/<int:cohort_id>/search")
@cohort_role(*ANY_MEMBER)
def search(cohort_id: int):
    cohort: Cohort = g.cohort
    query = (request.args.get("q") or "").strip()[:200]
    hits = (
        search_lessons([c.id for c in queries.cohort_course_list(cohort)], query) if query else []
    )
    return render_template(
        "catalog/search.html",
        cohort=cohort,
        q=query,
        hits=hits,
    )
