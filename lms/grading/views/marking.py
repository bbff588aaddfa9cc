"""The grading page of one submission, reconciliation, release, and a participant's feedback.

Who sees what (lms.grading.permissions): an allocated trainer marks the newest version and sees
the other marker's marking only once both are done; organizers, admins and the assignment's
lead trainer see every marking, read-only, and reconcile or release from there; any other
trainer of the cohort gets 403.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.catalog.models import Rubric
from lms.cohorts.access import cohort_role
from lms.errors import Conflict, DomainError
from lms.forms import show_problem
from lms.grading import bp, operations, permissions, scoring
from lms.grading.forms import MarkingForm, ReconcileForm, ReleaseForm
from lms.grading.queries import cohort as cohort_queries
from lms.grading.queries import results
from lms.grading.queries import submission as queries
from lms.grading.status import status_labels, workflow_status
from lms.grading.views._common import STAFF, Loaded, load_submission, review_helpers
from lms.i18n import gettext as _
from lms.security import safe_next
from lms.submissions import queries as submission_queries
from lms.submissions import receipts
from lms.submissions.diff import diff_versions
from lms.unit_of_work import unit_of_work

BASE = "/cohorts/<int:cohort_id>/grading/submissions/<int:submission_id>"


def _mark_url(cohort_id: int, submission_id: int, **_: object) -> str:
    return url_for(".mark", cohort_id=cohort_id, submission_id=submission_id)


def _keeps_input(problem: DomainError | None) -> bool:
    """Shown again after a refusal: what was typed stays when the problem is in the input or a
    conflict; after any other refusal the page shows what is stored."""
    return problem is not None and (bool(problem.errors) or isinstance(problem, Conflict))


def _content(loaded: Loaded) -> dict[str, Any]:
    """What the submission panel shows: the version's fields and files, and the changes since
    the version before."""
    version = loaded.version
    links, players = submission_queries.file_links(g.cohort.id, loaded.submission.id, version)
    previous = queries.previous_version(version)
    kind = loaded.assignment.spec.kind
    blind = loaded.blind_code is not None
    return {
        # A blind marker does not see the fields that name the participant (office, innovator).
        "rows": receipts.field_rows(
            kind, version.fields or {}, with_html=True, hide_identity=blind
        ),
        "files": version.files or [],
        "file_links": links,
        "players": players,
        "human_size": receipts.human_size,
        "checks": receipts.self_check_labels(version),
        "previous": previous,
        "diff": diff_versions(kind, previous, version, hide_identity=blind) if previous else None,
    }


def _decided(rubric: Rubric, loaded: Loaded) -> scoring.Decided:
    """What the version decides on the rubric by itself (a video's length, empty parts)."""
    return scoring.decide(rubric, queries.work_of(loaded.assignment, loaded.version))


def _mark_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    submission_id: int | None = None,
    form: MarkingForm | None = None,
    loaded: Loaded | None = None,
):
    loaded = loaded or load_submission(submission_id)
    marker = permissions.can_mark(current_user, loaded.submission)
    review = queries.review_of(loaded.version, current_user) if marker else None
    rubric = queries.marking_rubric(loaded.assignment, review, loaded.plan)
    grade = queries.grade_of(loaded.version)
    start_from = None
    if marker and rubric is not None and form is None:
        form_class = MarkingForm.for_rubric(rubric, _decided(rubric, loaded))
        if _keeps_input(problem):
            form = form_class()
        else:
            start_from = review or queries.earlier_review(
                loaded.submission, current_user, loaded.version.number
            )
            form = form_class(
                formdata=None, data=form_class.values(queries.input_from(start_from, rubric))
            )
    show_problem(problem, form)
    markings = permissions.markings_shown(
        current_user, marker, grade, queries.markings_of(loaded.version)
    )
    return render_template(
        "grading/mark.html",
        **loaded.page(),
        rubric=rubric,
        review=review,
        form=form,
        score=form.score() if form is not None else None,
        conflict=isinstance(problem, Conflict),
        continued=start_from is not None and start_from is not review,
        grade=grade,
        markings=markings,
        reconciliation=queries.reconciliation_of(loaded.version) if grade else None,
        marker=marker,
        editable=marker and rubric is not None and not permissions.is_final(grade),
        lead=permissions.can_lead(current_user, g.membership, loaded.plan),
        state=workflow_status(loaded.submission, loaded.version, markings, grade),
        status_labels=status_labels(),
        releasable=grade is not None and permissions.releasable(grade),
        lock_version=review.lock_version if review else 0,
        **_content(loaded),
    )


@bp.get(BASE)
@cohort_role(*STAFF)
def mark(cohort_id: int, submission_id: int):
    loaded = load_submission(submission_id)
    if not permissions.can_open_marking(current_user, g.membership, loaded.submission, loaded.plan):
        abort(403)
    return _mark_page(cohort_id=cohort_id, submission_id=submission_id, loaded=loaded)


@bp.post(BASE)
@cohort_role("trainer")
@unit_of_work(render=_mark_page)
def save_marking(cohort_id: int, submission_id: int):
    loaded = load_submission(submission_id)
    if not permissions.can_mark(current_user, loaded.submission):
        if not permissions.can_open_marking(
            current_user, g.membership, loaded.submission, loaded.plan
        ):
            abort(403)
        flash(_("Hanya widyaiswara yang dialokasikan yang dapat menilai."), "error")
        return redirect(_mark_url(cohort_id, submission_id))
    review = queries.review_of(loaded.version, current_user)
    rubric = queries.marking_rubric(loaded.assignment, review, loaded.plan) or abort(404)
    form = MarkingForm.for_rubric(rubric, _decided(rubric, loaded))()
    if not form.validate_on_submit():
        page = _mark_page(
            cohort_id=cohort_id, submission_id=submission_id, form=form, loaded=loaded
        )
        return page, 400
    operations.save_review(
        loaded.submission,
        loaded.version,
        current_user,
        form.marking_input(),
        done=form.done,
        lock_version=form.lock_version.data,
    )
    if form.done:
        flash(_("Penilaian ditandai selesai."), "success")
    else:
        flash(_("Draf penilaian tersimpan."), "success")
    return redirect(_mark_url(cohort_id, submission_id))


# --- reconciliation -----------------------------------------------------------------------------


def _reconcile_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    submission_id: int | None = None,
    form: ReconcileForm | None = None,
    loaded: Loaded | None = None,
):
    loaded = loaded or load_submission(submission_id)
    grade = queries.grade_of(loaded.version)
    rubric = queries.reconciliation_rubric(loaded.version)
    if not permissions.awaits_reconciliation(grade) or rubric is None:
        abort(404)
    markings = queries.markings_of(loaded.version, done=True)
    existing = queries.reconciliation_of(loaded.version)
    if form is None:
        form_class = ReconcileForm.for_rubric(rubric, _decided(rubric, loaded))
        if _keeps_input(problem):
            form = form_class()
        else:
            start = queries.input_from(existing or (markings[0] if markings else None), rubric)
            if existing is None:
                start.overall_comment = ""
            form = form_class(formdata=None, data={**form_class.values(start), "note": grade.note})
    show_problem(problem, form)
    return render_template(
        "grading/reconcile.html",
        **loaded.page(),
        grade=grade,
        markings=markings,
        rubric=rubric,
        form=form,
        score=form.score(),
        conflict=isinstance(problem, Conflict),
        # The current row versions: saving again after a conflict is a deliberate choice.
        lock_version=existing.lock_version if existing else 0,
        grade_lock_version=grade.lock_version,
    )


@bp.route(BASE + "/reconcile", methods=["GET", "POST"])
@cohort_role(*STAFF)
@unit_of_work(render=_reconcile_page)
def reconcile(cohort_id: int, submission_id: int):
    loaded = load_submission(submission_id)
    if not permissions.can_lead(current_user, g.membership, loaded.plan):
        abort(403)
    grade = queries.grade_of(loaded.version)
    rubric = queries.reconciliation_rubric(loaded.version)
    if not permissions.awaits_reconciliation(grade) or rubric is None:
        abort(404)
    form = ReconcileForm.for_rubric(rubric, _decided(rubric, loaded))()
    if not form.validate_on_submit():
        posted = form.is_submitted()
        page = _reconcile_page(
            cohort_id=cohort_id,
            submission_id=submission_id,
            form=form if posted else None,
            loaded=loaded,
        )
        return page, 400 if posted else 200
    operations.reconcile(
        grade,
        current_user,
        form.marking_input(),
        form.note.data or "",
        lock_version=form.lock_version.data,
        grade_lock_version=form.grade_lock_version.data,
    )
    flash(_("Rekonsiliasi tersimpan."), "success")
    return redirect(_mark_url(cohort_id, submission_id))


# --- release ------------------------------------------------------------------------------------


def _back_after_release(cohort_id: int, submission_id: int | None = None, **_: object) -> str:
    """The page the release button was on (``next``), else the grading page."""
    if submission_id is not None:
        fallback = _mark_url(cohort_id, submission_id)
    else:
        fallback = url_for(".index", cohort_id=cohort_id)
    return safe_next(ReleaseForm().next.data, fallback)


def _released_message(released: int, skipped: int) -> None:
    if released:
        flash(_("%(n)d nilai dirilis kepada peserta.", n=released), "success")
    if skipped:
        flash(
            _(
                "%(n)d nilai tidak dirilis: masih perlu rekonsiliasi, sudah dirilis, "
                "atau peserta sudah mengumpulkan versi yang lebih baru.",
                n=skipped,
            ),
            "error" if not released else "info",
        )
    if not released and not skipped:
        flash(_("Belum ada nilai yang siap dirilis."), "info")


@bp.post(BASE + "/release")
@cohort_role(*STAFF)
@unit_of_work(back=_back_after_release)
def release_one(cohort_id: int, submission_id: int):
    loaded = load_submission(submission_id)
    if not permissions.can_lead(current_user, g.membership, loaded.plan):
        abort(403)
    grade = queries.grade_of(loaded.version) or abort(404)
    if not ReleaseForm().validate_on_submit():
        abort(400)
    _released_message(*operations.release([grade], current_user))
    return redirect(_back_after_release(cohort_id, submission_id))


@bp.post("/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>/release")
@cohort_role(*STAFF)
@unit_of_work(back=_back_after_release)
def release_all(cohort_id: int, assignment_id: int):
    assignment = submission_queries.assignment_of(g.cohort, assignment_id)
    if not permissions.can_lead(current_user, g.membership, cohort_queries.plan_of(assignment)):
        abort(403)
    if not ReleaseForm().validate_on_submit():
        abort(400)
    _released_message(*operations.release_all(assignment, current_user))
    return redirect(_back_after_release(cohort_id))


# --- a participant's feedback -------------------------------------------------------------------


@bp.get("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/feedback")
@cohort_role("participant")
def feedback(cohort_id: int, assignment_id: int):
    assignment = submission_queries.assignment_of(g.cohort, assignment_id)
    submission = queries.submission_of(assignment.id, current_user.id)
    return render_template(
        "grading/feedback.html",
        cohort=g.cohort,
        assignment=assignment,
        submission=submission,
        results=results.released_feedback(submission),
        **review_helpers(),
    )
