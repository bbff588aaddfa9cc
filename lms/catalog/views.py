"""A course's pages (outline, lessons, done marks, media, assignment specs), and a class's
courses, progress and search."""

from __future__ import annotations

import io
from pathlib import Path

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
from flask_login import current_user

from lms.catalog import bp, exports, operations, queries
from lms.catalog.access import course_member
from lms.catalog.forms import CohortCoursesForm
from lms.catalog.models import Course
from lms.catalog.search import search_lessons
from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES, STAFF_ROLES, Cohort
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.security import writes_on_get
from lms.unit_of_work import unit_of_work

END_MARK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" viewBox="0 0 1 1"></svg>'
)


def _locale() -> str:
    return str(get_locale() or "id")


@bp.get("/courses/<course_slug>")
@course_member
def course(course_slug: str):
    outline = queries.lesson_outline(g.course)
    return render_template(
        "catalog/course.html",
        course=g.course,
        outline=outline,
        done=queries.done_ids(current_user, [row.id for row in outline]),
        specs=queries.live_specs(g.course),
        locale=_locale(),
    )


@bp.get("/courses/<course_slug>/<lesson_slug>")
@course_member
def lesson(course_slug: str, lesson_slug: str):
    outline = queries.lesson_outline(g.course)
    index = next((i for i, row in enumerate(outline) if row.slug == lesson_slug), None)
    if index is None:
        abort(404)
    current = queries.lesson_with_done(outline[index].id, current_user)
    if current is None:  # synced away since the outline was read
        abort(404)
    return render_template(
        "catalog/lesson.html",
        course=g.course,
        lesson=current,
        outline=outline,
        position=index + 1,
        previous=outline[index - 1] if index > 0 else None,
        following=outline[index + 1] if index + 1 < len(outline) else None,
        done=current.done,
        locale=_locale(),
    )


@bp.post("/courses/<course_slug>/<lesson_slug>/done")
@course_member
@unit_of_work
def mark_done(course_slug: str, lesson_slug: str):
    current = queries.live_lesson(g.course, lesson_slug) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.mark_done(current_user, current, how="button")
    flash(_("Materi \u201c%(title)s\u201d ditandai selesai.", title=current.title), "success")
    slugs = [row.slug for row in queries.lesson_outline(g.course)]
    index = slugs.index(current.slug)
    if index + 1 < len(slugs):
        return redirect(
            url_for("lms.catalog.lesson", course_slug=course_slug, lesson_slug=slugs[index + 1])
        )
    return redirect(url_for("lms.catalog.course", course_slug=course_slug))


@bp.get("/courses/<course_slug>/<lesson_slug>/end.svg")
@writes_on_get
@course_member
@unit_of_work
def reached_end(course_slug: str, lesson_slug: str):
    """A lazily loaded image at the end of the lesson: the browser asks for it only when the
    reader scrolls there, so reaching the end marks the lesson done without any script."""
    operations.mark_done(
        current_user, queries.live_lesson(g.course, lesson_slug) or abort(404), how="end"
    )
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
    spec, rubric = queries.spec_with_rubric(g.course, key)
    if spec is None:
        abort(404)
    return render_template("catalog/assignment.html", course=g.course, spec=spec, rubric=rubric)


# --- a cohort's courses --------------------------------------------------------------------


def _courses_page(problem=None, cohort_id=None, form=None):
    courses = queries.live_courses()
    if form is None:
        form = CohortCoursesForm.for_courses(courses)
    show_problem(problem)
    return render_template(
        "catalog/cohort_courses.html",
        cohort=g.cohort,
        courses=courses,
        chosen=form.positions() if form.is_submitted() else queries.chosen_positions(g.cohort),
        errors=form.problems(),
        form=form,
        locale=_locale(),
    )


@bp.route("/cohorts/<int:cohort_id>/courses", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_courses_page)
def cohort_courses(cohort_id: int):
    form = CohortCoursesForm.for_courses(queries.live_courses())
    if form.validate_on_submit():
        operations.set_cohort_courses(g.cohort, form.ordered_ids(), actor=current_user)
        flash(_("Mata pelatihan kelas sudah disimpan."), "success")
        return redirect(url_for("lms.cohorts.detail", cohort_id=cohort_id))
    return _courses_page(form=form)


@bp.get("/cohorts/<int:cohort_id>/progress")
@cohort_role(*STAFF_ROLES)
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
@cohort_role(*STAFF_ROLES)
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
@cohort_role(*MEMBER_ROLES)
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
