"""An assignment's grading settings (organizers): blind marking, the double-marking tolerance,
the lead trainer, and the rubric in use: the pack's, or the cohort's own adjusted copy."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.cohorts.access import cohort_role
from lms.errors import DomainError
from lms.forms import show_problem
from lms.grading import bp, operations, permissions
from lms.grading.forms import GradingSettingsForm, RubricForm
from lms.grading.queries import cohort as cohort_queries
from lms.grading.queries.rubric import rubric_state
from lms.grading.rubric_content import band_rows
from lms.i18n import gettext as _
from lms.submissions.queries import assignment_of
from lms.unit_of_work import unit_of_work

BASE = "/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>"


def _settings_url(cohort_id: int, assignment_id: int, **_: object) -> str:
    return url_for(".settings", cohort_id=cohort_id, assignment_id=assignment_id)


def _rubric_url(cohort_id: int, assignment_id: int, **_: object) -> str:
    return _settings_url(cohort_id, assignment_id) + "#rubric"


def _settings_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    form: GradingSettingsForm | None = None,
    message: str | None = None,
):
    assignment = assignment_of(g.cohort, assignment_id)
    plan = cohort_queries.plan_of(assignment)
    if form is None:
        form = GradingSettingsForm.for_plan(assignment, plan, cohort_queries.trainers(g.cohort.id))
    if problem is not None:
        # What was typed stays, with the current row version: saving it again is deliberate.
        form.lock.data = plan.lock_version if plan is not None else 0
    show_problem(problem, form)
    return render_template(
        "grading/settings.html",
        cohort=g.cohort,
        assignment=assignment,
        form=form,
        problem=message,
        state=rubric_state(assignment, plan),
    )


@bp.route(f"{BASE}/settings", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_settings_page)
def settings(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    plan = cohort_queries.plan_of(assignment)
    form = GradingSettingsForm.for_plan(assignment, plan, cohort_queries.trainers(g.cohort.id))
    if form.validate_on_submit():
        operations.update_plan(
            assignment,
            blind=form.blind.data,
            tolerance=form.tolerance.data,
            lead_trainer_id=form.lead_trainer_id,
            lock_version=form.lock.data,
            actor=current_user,
        )
        flash(_("Pengaturan penilaian sudah disimpan."), "success")
        return redirect(_settings_url(cohort_id, assignment_id))
    message = _("Periksa isian yang ditandai.") if form.is_submitted() else None
    return _settings_page(
        cohort_id=cohort_id, assignment_id=assignment_id, form=form, message=message
    )


@bp.post(f"{BASE}/rubric/copy")
@cohort_role("organizer")
@unit_of_work(back=_rubric_url)
def copy_rubric(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    operations.copy_rubric(operations.plan_for(assignment), current_user)
    flash(
        _("Rubrik sudah disalin ke kelas ini. Sesuaikan, lalu simpan sebelum penilaian dimulai."),
        "success",
    )
    return redirect(url_for(".edit_rubric", cohort_id=cohort_id, assignment_id=assignment_id))


def _rubric_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    form: RubricForm | None = None,
):
    assignment = assignment_of(g.cohort, assignment_id)
    rubric = rubric_state(assignment, cohort_queries.plan_of(assignment)).rubric
    form = form or RubricForm.for_rubric(rubric)()
    show_problem(problem, form)
    values = form.shown()
    return render_template(
        "grading/rubric_edit.html",
        cohort=g.cohort,
        assignment=assignment,
        rubric=rubric,
        values=values,
        errors=form.errors,
        band_rows=band_rows(rubric, values),
    )


@bp.route(f"{BASE}/rubric", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_rubric_page)
def edit_rubric(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    state = rubric_state(assignment, cohort_queries.plan_of(assignment))
    rubric = state.rubric
    if not state.is_copy or rubric is None:
        flash(_("Salin dulu rubrik paket ke kelas ini untuk menyesuaikannya."), "info")
        return redirect(_rubric_url(cohort_id, assignment_id))
    if reason := permissions.why_not_edit_rubric(rubric):
        flash(reason, "error")
        return redirect(_rubric_url(cohort_id, assignment_id))
    form = RubricForm.for_rubric(rubric)()
    if form.validate_on_submit():
        changed = operations.update_rubric(
            rubric, form.sent(), current_user, expected_hash=form.lock.data or None
        )
        if changed:
            flash(_("Rubrik kelas sudah disimpan."), "success")
        else:
            flash(_("Tidak ada perubahan pada rubrik."), "info")
        return redirect(_rubric_url(cohort_id, assignment_id))
    return _rubric_page(cohort_id=cohort_id, assignment_id=assignment_id, form=form)


@bp.post(f"{BASE}/rubric/reset")
@cohort_role("organizer")
@unit_of_work(back=_rubric_url)
def reset_rubric(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    operations.reset_to_pack(cohort_queries.plan_of(assignment), current_user)
    flash(_("Tugas ini kembali memakai rubrik paket. Salinan kelas tetap tersimpan."), "success")
    return redirect(_rubric_url(cohort_id, assignment_id))
