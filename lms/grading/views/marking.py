"""The grading page of one submission, reconciliation, release, and a participant's feedback.

Who sees what on the grading page:
- an allocated trainer marks the newest version; the other marker's marking shows only once
  both are done (independent double marking);
- organizers, admins and the assignment's lead trainer see every marking, read-only, and
  reconcile or release from there;
- any other trainer of the cohort gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from lms.cohorts.access import cohort_role
from lms.extensions import db
from lms.grading import bp, scoring
from lms.grading import operations as ops
from lms.grading.models import Grade, GradingPlan, Review
from lms.grading.permissions import can_lead, is_marker
from lms.grading.status import outcome_labels, status_labels, workflow_status
from lms.security import safe_next
from lms.submissions import queries as submission_queries
from lms.submissions import receipts
from lms.submissions.anonymity import hides_identity, participant_code
from lms.submissions.diff import diff_versions
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

STAFF = ("trainer", "organizer")
BASE = "/cohorts/<int:cohort_id>/grading/submissions/<int:submission_id>"


@dataclass
class Loaded:
    assignment: CohortAssignment
    submission: Submission
    version: SubmissionVersion
    plan: GradingPlan | None
    #: The participant's code when the viewer must not see who it is.
    blind_code: str | None


def _load(submission_id: int) -> Loaded:
    """The cohort's submission and its newest version; 404 for ids of another cohort or work
    never submitted."""
    row = db.session.execute(
        db.select(Submission, CohortAssignment)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .where(Submission.id == submission_id, CohortAssignment.cohort_id == g.cohort.id)
    ).first()
    if row is None:
        abort(404)
    submission, assignment = row
    version = ops.latest_version(submission)
    if version is None:
        abort(404)
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=assignment.id))
    blind = hides_identity(assignment, current_user, g.membership)
    code = participant_code(assignment.id, submission.user_id) if blind else None
    return Loaded(assignment, submission, version, plan, code)


def _content(loaded: Loaded) -> dict[str, Any]:
    """What the submission panel shows: the version's fields and files, and the changes since
    the version before."""
    version = loaded.version
    links, players = submission_queries.file_links(g.cohort.id, loaded.submission.id, version)
    previous = ops.previous_version(version)
    kind = loaded.assignment.spec.kind
    return {
        "rows": receipts.field_rows(kind, version.fields or {}, with_html=True),
        "files": version.files or [],
        "file_links": links,
        "players": players,
        "human_size": receipts.human_size,
        "checks": receipts.self_check_labels(version),
        "previous": previous,
        "diff": diff_versions(kind, previous, version) if previous else None,
    }


def parse_marking(rubric: Any, form: Any) -> tuple[ops.MarkingInput, dict[str, list[str]]]:
    """The grading form as typed; points that are not numbers are reported, not guessed."""
    data = ops.MarkingInput()
    errors: dict[str, list[str]] = {}
    for criterion in rubric.criteria:
        raw = (form.get(f"level-{criterion.key}") or "").strip()
        if raw:
            try:
                data.points[criterion.key] = float(raw)
            except ValueError:
                errors[f"level-{criterion.key}"] = [_("Pilih salah satu tingkat yang ada.")]
        data.comments[criterion.key] = form.get(f"comment-{criterion.key}", "")
    data.gates = {g_["key"]: form.get(f"gate-{g_['key']}") == "1" for g_ in rubric.gates or []}
    data.overall_comment = form.get("overall_comment", "")
    data.outcome = form.get("outcome", "grade")
    return data, errors


def _lock(form: Any, name: str = "lock_version") -> int:
    try:
        return int(form.get(name, "0"))
    except ValueError:
        return -1


def _marker_label(index: int) -> str:
    return _("Penilai %(n)d", n=index)


def _page(loaded: Loaded) -> dict[str, Any]:
    """What every grading page of one submission shows, and the helpers its partials use."""
    return {
        "cohort": g.cohort,
        "assignment": loaded.assignment,
        "submission": loaded.submission,
        "version": loaded.version,
        "person": loaded.submission.user,
        "blind_code": loaded.blind_code,
        "reason_text": ops.reason_text,
        "marker_label": _marker_label,
        "level_title": scoring.level_title,
        "highest_points": scoring.highest_points,
        "outcome_labels": outcome_labels(),
    }


def _markings_shown(loaded: Loaded, marker: bool, grade: Grade | None) -> list[Review]:
    markings = ops.markings_of(loaded.version)
    if marker and grade is None:
        # Independent marking: nobody sees another marker's work before both are done.
        return [r for r in markings if r.trainer_id == current_user.id]
    return markings


def _render_mark(
    loaded: Loaded,
    *,
    data: ops.MarkingInput | None = None,
    errors: dict[str, list[str]] | None = None,
    conflict: bool = False,
    status: int = 200,
):
    marker = is_marker(current_user, loaded.submission)
    lead = can_lead(current_user, g.membership, loaded.plan)
    review = ops.review_of(loaded.version, current_user) if marker else None
    rubric = review.rubric if review else ops.rubric_for(loaded.assignment, loaded.plan)
    grade = ops.grade_of(loaded.version)
    start_from = None
    if marker and data is None and rubric is not None:
        start_from = review or ops.earlier_review(
            loaded.submission, current_user, loaded.version.number
        )
        data = ops.input_from(start_from, rubric)
    markings = _markings_shown(loaded, marker, grade)
    reconciliation = ops.reconciliation_of(loaded.version) if grade else None
    score = scoring.compute(rubric, data.points, data.gates) if (rubric and data) else None
    state = workflow_status(loaded.submission, loaded.version, markings, grade)
    editable = marker and rubric is not None and not ops.is_final(grade)
    return (
        render_template(
            "grading/mark.html",
            **_page(loaded),
            rubric=rubric,
            review=review,
            data=data,
            errors=errors or {},
            score=score,
            conflict=conflict,
            continued=start_from is not None and start_from is not review,
            grade=grade,
            markings=markings,
            reconciliation=reconciliation,
            marker=marker,
            editable=editable,
            lead=lead,
            state=state,
            status_labels=status_labels(),
            releasable=grade is not None and ops.releasable(grade),
            lock_version=review.lock_version if review else 0,
            **_content(loaded),
        ),
        status,
    )


@bp.get(BASE)
@cohort_role(*STAFF)
def mark(cohort_id: int, submission_id: int):
    loaded = _load(submission_id)
    marker = is_marker(current_user, loaded.submission)
    overseer = current_user.is_admin or can_lead(current_user, g.membership, loaded.plan)
    if not marker and not overseer:
        abort(403)
    return _render_mark(loaded)


@bp.post(BASE)
@cohort_role("trainer")
def save_marking(cohort_id: int, submission_id: int):
    # Only the allocated markers write markings; admins and organizers oversee.
    loaded = _load(submission_id)
    if not is_marker(current_user, loaded.submission):
        if current_user.is_admin:
            flash(_("Hanya widyaiswara yang dialokasikan yang dapat menilai."), "error")
            return redirect(url_for(".mark", cohort_id=cohort_id, submission_id=submission_id))
        abort(403)
    existing = ops.review_of(loaded.version, current_user)
    rubric = existing.rubric if existing else ops.rubric_for(loaded.assignment, loaded.plan)
    if rubric is None:
        abort(404)
    data, errors = parse_marking(rubric, request.form)
    if errors:
        return _render_mark(loaded, data=data, errors=errors, status=400)
    done = request.form.get("action") == "done"
    try:
        ops.save_review(
            loaded.submission,
            loaded.version,
            current_user,
            data,
            done=done,
            lock_version=_lock(request.form),
        )
        db.session.commit()
    except ops.MarkingInvalid as problem:
        db.session.rollback()
        return _render_mark(loaded, data=data, errors=problem.errors, status=400)
    except (ops.ReviewConflict, StaleDataError):
        db.session.rollback()
        return _render_mark(loaded, data=data, conflict=True, status=409)
    except ops.GradingError as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return _render_mark(loaded, status=409)
    if done:
        flash(_("Penilaian ditandai selesai."), "success")
    else:
        flash(_("Draf penilaian tersimpan."), "success")
    return redirect(url_for(".mark", cohort_id=cohort_id, submission_id=submission_id))


# --- reconciliation -----------------------------------------------------------------------------


def _render_reconcile(
    loaded: Loaded,
    grade: Grade,
    *,
    data: ops.MarkingInput | None = None,
    note: str | None = None,
    errors: dict[str, list[str]] | None = None,
    conflict: bool = False,
    status: int = 200,
):
    markings = [r for r in ops.markings_of(loaded.version) if r.state == "done"]
    existing = ops.reconciliation_of(loaded.version)
    rubric = existing.rubric if existing else (markings[0].rubric if markings else None)
    if rubric is None:
        abort(404)
    if data is None:
        data = ops.input_from(existing or markings[0], rubric)
        if existing is None:
            data.overall_comment = ""
    score = scoring.compute(rubric, data.points, data.gates)
    return (
        render_template(
            "grading/reconcile.html",
            **_page(loaded),
            grade=grade,
            markings=markings,
            rubric=rubric,
            data=data,
            score=score,
            note=grade.note if note is None else note,
            errors=errors or {},
            conflict=conflict,
            lock_version=existing.lock_version if existing else 0,
            grade_lock_version=grade.lock_version,
        ),
        status,
    )


@bp.route(BASE + "/reconcile", methods=["GET", "POST"])
@cohort_role(*STAFF)
def reconcile(cohort_id: int, submission_id: int):
    loaded = _load(submission_id)
    if not can_lead(current_user, g.membership, loaded.plan):
        abort(403)
    grade = ops.grade_of(loaded.version)
    if grade is None or grade.status not in ("flagged", "reconciled"):
        abort(404)
    if request.method == "GET":
        return _render_reconcile(loaded, grade)
    markings = ops.markings_of(loaded.version)
    existing = ops.reconciliation_of(loaded.version)
    rubric = existing.rubric if existing else markings[0].rubric
    data, errors = parse_marking(rubric, request.form)
    note = request.form.get("note", "")
    if errors:
        return _render_reconcile(loaded, grade, data=data, note=note, errors=errors, status=400)
    try:
        ops.reconcile(
            grade,
            current_user,
            data,
            note,
            lock_version=_lock(request.form),
            grade_lock_version=_lock(request.form, "grade_lock_version"),
        )
        db.session.commit()
    except ops.MarkingInvalid as problem:
        db.session.rollback()
        return _render_reconcile(
            loaded, grade, data=data, note=note, errors=problem.errors, status=400
        )
    except (ops.ReviewConflict, StaleDataError):
        db.session.rollback()
        grade = ops.grade_of(loaded.version)
        return _render_reconcile(loaded, grade, data=data, note=note, conflict=True, status=409)
    except ops.GradingError as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for(".mark", cohort_id=cohort_id, submission_id=submission_id))
    flash(_("Rekonsiliasi tersimpan."), "success")
    return redirect(url_for(".mark", cohort_id=cohort_id, submission_id=submission_id))


# --- release ------------------------------------------------------------------------------------


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
def release_one(cohort_id: int, submission_id: int):
    loaded = _load(submission_id)
    if not can_lead(current_user, g.membership, loaded.plan):
        abort(403)
    grade = ops.grade_of(loaded.version)
    if grade is None:
        abort(404)
    try:
        released, skipped = ops.release([grade], current_user)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        released, skipped = 0, 1
    _released_message(released, skipped)
    fallback = url_for(".mark", cohort_id=cohort_id, submission_id=submission_id)
    return redirect(safe_next(request.form.get("next"), fallback))


@bp.post("/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>/release")
@cohort_role(*STAFF)
def release_all(cohort_id: int, assignment_id: int):
    assignment = submission_queries.assignment_of(g.cohort, assignment_id)
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=assignment.id))
    if not can_lead(current_user, g.membership, plan):
        abort(403)
    try:
        released, skipped = ops.release_all(assignment, current_user)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Nilai diubah orang lain saat dirilis; coba lagi."), "error")
        released = skipped = 0
    else:
        _released_message(released, skipped)
    fallback = url_for(".index", cohort_id=cohort_id)
    return redirect(safe_next(request.form.get("next"), fallback))


# --- a participant's feedback -------------------------------------------------------------------


@dataclass
class Feedback:
    version: SubmissionVersion
    grade: Grade
    #: What the participant reads: the reconciliation, or each marker's marking.
    reviews: list[Review]


@bp.get("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/feedback")
@cohort_role("participant")
def feedback(cohort_id: int, assignment_id: int):
    assignment = submission_queries.assignment_of(g.cohort, assignment_id)
    submission = db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment.id, user_id=current_user.id)
    )
    results: list[Feedback] = []
    if submission is not None:
        grades = db.session.scalars(
            db.select(Grade)
            .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
            .where(Grade.submission_id == submission.id, Grade.released_dt.is_not(None))
            .order_by(SubmissionVersion.number.desc())
        ).all()
        for grade in grades:
            if grade.status == "reconciled" and grade.reconciliation is not None:
                reviews = [grade.reconciliation]
            else:
                reviews = [r for r in ops.markings_of(grade.version) if r.state == "done"]
            results.append(Feedback(grade.version, grade, reviews))
    return render_template(
        "grading/feedback.html",
        cohort=g.cohort,
        assignment=assignment,
        submission=submission,
        results=results,
        outcome_labels=outcome_labels(),
        marker_label=_marker_label,
        level_title=scoring.level_title,
        highest_points=scoring.highest_points,
    )
