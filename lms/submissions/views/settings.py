"""An assignment's settings in a cohort (organizers): dates, rules and per-participant
extensions. Dates are typed and shown in the cohort's time zone and stored in UTC."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from lms.accounts.models import User
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.submissions import bp, operations, queries
from lms.submissions.models import CohortAssignment, Extension
from lms.submissions.operations import SubmissionError
from lms.submissions.settings_forms import AssignmentDatesForm, ExtensionForm
from lms.timefmt import local, to_utc


def _stale() -> str:
    return _("Pengaturan tugas ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi.")


def _utc(day: date | None, at: time | None, tz: str) -> datetime | None:
    return to_utc(day, at, tz) if day is not None and at is not None else None


def _local_parts(dt: datetime | None, tz: str) -> tuple[date | None, time | None]:
    if dt is None:
        return None, None
    moment = local(dt, tz)
    return moment.date(), moment.time().replace(second=0, microsecond=0, tzinfo=None)


def _dates_initial(assignment: CohortAssignment, tz: str) -> dict:
    open_day, open_time = _local_parts(assignment.open_dt, tz)
    due_day, due_time = _local_parts(assignment.due_dt, tz)
    cutoff_day, cutoff_time = _local_parts(assignment.cutoff_dt, tz)
    return {
        "open_day": open_day,
        "open_time": open_time,
        "due_day": due_day,
        "due_time": due_time,
        "cutoff_day": cutoff_day,
        "cutoff_time": cutoff_time,
        "late_allowed": assignment.late_allowed,
        "resubmit_before_due": assignment.resubmit_before_due,
        "lock": str(assignment.version),
    }


def _participants(cohort: Cohort) -> list[User]:
    return db.session.scalars(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role == "participant")
        .order_by(User.full_name, User.id)
    ).all()


def _participant_label(person: User) -> str:
    return f"{person.full_name} ({person.nip_display})" if person.nip else person.full_name


def _extensions(assignment: CohortAssignment) -> tuple[list[Extension], dict[int, User]]:
    """The assignment's extensions with their participants, and who granted them (2 queries)."""
    rows = db.session.scalars(
        db.select(Extension)
        .options(joinedload(Extension.user))
        .filter_by(assignment_id=assignment.id)
        .join(User, User.id == Extension.user_id)
        .order_by(User.full_name, Extension.id)
    ).all()
    ids = {e.granted_by_id for e in rows if e.granted_by_id}
    granters = (
        {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    return list(rows), granters


def _save_dates(form: AssignmentDatesForm, assignment: CohortAssignment, tz: str) -> str | None:
    """Write the dates; None when saved, else the problem (already put next to a field)."""
    if not form.validate():
        return _("Periksa isian yang ditandai.")
    if form.lock.data and form.lock.data != str(assignment.version):
        return _stale()
    open_dt = _utc(form.open_day.data, form.open_time.data, tz)
    due_dt = _utc(form.due_day.data, form.due_time.data, tz)
    cutoff_dt = _utc(form.cutoff_day.data, form.cutoff_time.data, tz)
    try:
        operations.set_dates(
            assignment,
            open_dt=open_dt,
            due_dt=due_dt,
            cutoff_dt=cutoff_dt,
            late_allowed=form.late_allowed.data,
            resubmit_before_due=form.resubmit_before_due.data,
            actor=current_user,
        )
    except SubmissionError as exc:
        db.session.rollback()
        # The field the refusal is about (set_dates checks in this order).
        if (open_dt and due_dt and due_dt <= open_dt) or (cutoff_dt and not due_dt):
            target = form.due_day
        else:
            target = form.cutoff_day
        target.errors = [*target.errors, str(exc)]
        return str(exc)
    except StaleDataError:
        db.session.rollback()
        return _stale()
    return None


def _grant(
    form: ExtensionForm, assignment: CohortAssignment, people: dict[int, User], tz: str
) -> str | None:
    if not form.validate():
        return _("Periksa isian yang ditandai.")
    person = people[form.participant.data]
    due_dt = _utc(form.ext_due_day.data, form.ext_due_time.data, tz)
    cutoff_dt = _utc(form.ext_cutoff_day.data, form.ext_cutoff_time.data, tz)
    try:
        operations.grant_extension(
            assignment,
            person,
            due_dt=due_dt,
            cutoff_dt=cutoff_dt,
            reason=form.reason.data or "",
            actor=current_user,
        )
    except SubmissionError as exc:
        db.session.rollback()
        if not (form.reason.data or "").strip():
            target = form.reason
        elif cutoff_dt and cutoff_dt < due_dt:
            target = form.ext_cutoff_day
        else:
            target = form.participant
        target.errors = [*target.errors, str(exc)]
        return str(exc)
    return None


@bp.route(
    "/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/settings", methods=["GET", "POST"]
)
@cohort_role("organizer")
def settings(cohort_id: int, assignment_id: int):
    cohort: Cohort = g.cohort
    assignment = queries.assignment_of(cohort, assignment_id)
    tz = cohort.timezone
    which = request.form.get("form") if request.method == "POST" else None
    if request.method == "POST" and which not in ("dates", "extension"):
        abort(400)

    dates_form = AssignmentDatesForm(
        formdata=request.form if which == "dates" else None, **_dates_initial(assignment, tz)
    )
    people = {p.id: p for p in _participants(cohort)}
    extension_form = ExtensionForm(formdata=request.form if which == "extension" else None)
    extension_form.participant.choices = [("", _("— Pilih peserta —"))] + [
        (p.id, _participant_label(p)) for p in people.values()
    ]

    problem = None
    if which == "dates":
        problem = _save_dates(dates_form, assignment, tz)
        if problem is None:
            db.session.commit()
            flash(_("Pengaturan tugas sudah disimpan."), "success")
            return redirect(url_for(".settings", cohort_id=cohort.id, assignment_id=assignment.id))
    elif which == "extension":
        problem = _grant(extension_form, assignment, people, tz)
        if problem is None:
            name = people[extension_form.participant.data].full_name
            db.session.commit()
            flash(_("Perpanjangan untuk %(name)s sudah disimpan.", name=name), "success")
            return redirect(
                url_for(".settings", cohort_id=cohort.id, assignment_id=assignment.id)
                + "#extensions"
            )

    extensions, granters = _extensions(assignment)
    return render_template(
        "submissions/settings.html",
        cohort=cohort,
        assignment=assignment,
        dates_form=dates_form,
        extension_form=extension_form,
        which=which,
        problem=problem,
        extensions=extensions,
        granters=granters,
    )
