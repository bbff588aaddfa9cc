"""An assignment's grading settings (organizers): blind marking, the double-marking tolerance,
the lead trainer, and the rubric in use: the pack's, or the cohort's own adjusted copy."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from lms.accounts.models import User
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading import bp, operations, rubric_copy
from lms.grading.models import DEFAULT_TOLERANCE, GradingPlan
from lms.grading.settings_forms import NO_LEAD, GradingSettingsForm, rubric_form_data
from lms.submissions import queries
from lms.submissions.models import CohortAssignment

BASE = "/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>"


def _stale() -> str:
    return _(
        "Pengaturan penilaian ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi."
    )


def _existing_plan(assignment: CohortAssignment) -> GradingPlan | None:
    """The plan if there is one (a GET never creates it)."""
    return db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=assignment.id))


def _trainers(cohort: Cohort) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort.id, Membership.role == "trainer")
            .order_by(User.full_name, User.id)
        )
    )


def _person_label(person: User) -> str:
    return f"{person.full_name} ({person.nip_display})" if person.nip else person.full_name


def _settings_url(assignment: CohortAssignment, anchor: str = "") -> str:
    return (
        url_for(".settings", cohort_id=assignment.cohort_id, assignment_id=assignment.id) + anchor
    )


def _settings_form(assignment: CohortAssignment, plan: GradingPlan | None, trainers: list[User]):
    lead_id = plan.lead_trainer_id if plan is not None else None
    form = GradingSettingsForm(
        trainer_ids={t.id for t in trainers},
        blind=assignment.blind_marking,
        tolerance=plan.tolerance if plan is not None else DEFAULT_TOLERANCE,
        lead_trainer=lead_id or NO_LEAD,
        lock=str(plan.lock_version if plan is not None else 0),
    )
    choices = [(NO_LEAD, _("— tidak ada —"))] + [(t.id, _person_label(t)) for t in trainers]
    if lead_id and lead_id not in form.trainer_ids and plan.lead_trainer is not None:
        # Shown so that the page tells the truth; saving it is refused with a message.
        label = _("%(name)s (bukan lagi widyaiswara kelas ini)", name=plan.lead_trainer.full_name)
        choices.append((lead_id, label))
    form.lead_trainer.choices = choices
    return form


def _save_settings(
    form: GradingSettingsForm, assignment: CohortAssignment, plan: GradingPlan | None
) -> str | None:
    """Write the settings; None when saved, else the problem (fields carry their own)."""
    if not form.validate():
        return _("Periksa isian yang ditandai.")
    if form.lock.data and form.lock.data != str(plan.lock_version if plan is not None else 0):
        return _stale()
    try:
        operations.update_plan(
            plan if plan is not None else operations.plan_for(assignment),
            blind=form.blind.data,
            tolerance=form.tolerance.data,
            lead_trainer_id=form.lead_trainer_id,
            actor=current_user,
        )
    except StaleDataError:
        db.session.rollback()
        return _stale()
    return None


@bp.route(f"{BASE}/settings", methods=["GET", "POST"])
@cohort_role("organizer")
def settings(cohort_id: int, assignment_id: int):
    cohort: Cohort = g.cohort
    assignment = queries.assignment_of(cohort, assignment_id)
    plan = _existing_plan(assignment)
    form = _settings_form(assignment, plan, _trainers(cohort))
    problem = None
    if request.method == "POST":
        problem = _save_settings(form, assignment, plan)
        if problem is None:
            db.session.commit()
            flash(_("Pengaturan penilaian sudah disimpan."), "success")
            return redirect(_settings_url(assignment))
        plan = _existing_plan(assignment)
    return render_template(
        "grading/settings.html",
        cohort=cohort,
        assignment=assignment,
        form=form,
        problem=problem,
        state=rubric_copy.rubric_state(assignment, plan),
    )


def _refused(assignment: CohortAssignment, message: str):
    db.session.rollback()
    flash(message, "error")
    return redirect(_settings_url(assignment, "#rubric"))


@bp.route(f"{BASE}/rubric/copy", methods=["POST"])
@cohort_role("organizer")
def copy_rubric(cohort_id: int, assignment_id: int):
    assignment = queries.assignment_of(g.cohort, assignment_id)
    try:
        rubric_copy.copy_rubric(operations.plan_for(assignment), current_user)
    except rubric_copy.RubricEditError as exc:
        return _refused(assignment, str(exc))
    except StaleDataError:
        return _refused(assignment, _stale())
    db.session.commit()
    flash(
        _("Rubrik sudah disalin ke kelas ini. Sesuaikan, lalu simpan sebelum penilaian dimulai."),
        "success",
    )
    return redirect(
        url_for(".edit_rubric", cohort_id=assignment.cohort_id, assignment_id=assignment.id)
    )


@bp.route(f"{BASE}/rubric", methods=["GET", "POST"])
@cohort_role("organizer")
def edit_rubric(cohort_id: int, assignment_id: int):
    cohort: Cohort = g.cohort
    assignment = queries.assignment_of(cohort, assignment_id)
    state = rubric_copy.rubric_state(assignment, _existing_plan(assignment))
    rubric = state.rubric
    if not state.is_copy or rubric is None:
        flash(_("Salin dulu rubrik paket ke kelas ini untuk menyesuaikannya."), "info")
        return redirect(_settings_url(assignment, "#rubric"))
    values = rubric_copy.rubric_values(rubric)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = rubric_form_data(request.form)
        try:
            changed = rubric_copy.update_rubric(
                rubric, data, current_user, expected_hash=request.form.get("lock") or None
            )
        except rubric_copy.RubricInvalid as exc:
            errors, values = exc.errors, {**values, **data}
        except rubric_copy.RubricConflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(request.path)
        except rubric_copy.RubricEditError as exc:
            return _refused(assignment, str(exc))
        else:
            db.session.commit()
            if changed:
                flash(_("Rubrik kelas sudah disimpan."), "success")
            else:
                flash(_("Tidak ada perubahan pada rubrik."), "info")
            return redirect(_settings_url(assignment, "#rubric"))
    else:
        try:
            rubric_copy.check_editable(rubric)
        except rubric_copy.RubricEditError as exc:
            return _refused(assignment, str(exc))
    return render_template(
        "grading/rubric_edit.html",
        cohort=cohort,
        assignment=assignment,
        rubric=rubric,
        values=values,
        errors=errors,
        band_rows=rubric_copy.band_rows(rubric, values),
    )


@bp.route(f"{BASE}/rubric/reset", methods=["POST"])
@cohort_role("organizer")
def reset_rubric(cohort_id: int, assignment_id: int):
    assignment = queries.assignment_of(g.cohort, assignment_id)
    plan = _existing_plan(assignment)
    try:
        if plan is None:
            raise rubric_copy.RubricEditError(_("Tugas ini sudah memakai rubrik paket."))
        rubric_copy.reset_to_pack(plan, current_user)
    except rubric_copy.RubricEditError as exc:
        return _refused(assignment, str(exc))
    except StaleDataError:
        return _refused(assignment, _stale())
    db.session.commit()
    flash(_("Tugas ini kembali memakai rubrik paket. Salinan kelas tetap tersimpan."), "success")
    return redirect(_settings_url(assignment, "#rubric"))
