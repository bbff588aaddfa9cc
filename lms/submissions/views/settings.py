"""An assignment's settings in a cohort (organizers): dates, rules and per-participant
extensions. Dates are typed and shown in the cohort's time zone and stored in UTC."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.cohorts.access import cohort_role
from lms.errors import Conflict, DomainError
from lms.i18n import gettext as _
from lms.submissions import bp, operations, queries
from lms.submissions.forms import AssignmentDatesForm, ExtensionForm, posted_settings_form
from lms.submissions.models import CohortAssignment
from lms.unit_of_work import unit_of_work


def _settings_url(assignment: CohortAssignment) -> str:
    return url_for(".settings", cohort_id=assignment.cohort_id, assignment_id=assignment.id)


def _forms(assignment: CohortAssignment, which: str | None):
    """Both forms of the page; the posted one bound to what was typed."""
    dates = AssignmentDatesForm.for_assignment(
        assignment, g.cohort.timezone, posted=which == "dates"
    )
    people = queries.participants(g.cohort)
    extension = ExtensionForm.for_participants(people, posted=which == "extension")
    return dates, extension, {p.id: p for p in people}


def _settings_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    *,
    assignment: CohortAssignment | None = None,
    forms: tuple[AssignmentDatesForm, ExtensionForm] | None = None,
):
    """The page; the posted form's problem (a refusal, or fields to check) in its section."""
    assignment = assignment or queries.assignment_of(g.cohort, assignment_id)
    which = posted_settings_form()
    dates_form, extension_form = forms or _forms(assignment, which)[:2]
    posted = dates_form if which == "dates" else extension_form
    message = None
    if problem is not None:
        posted.place(problem)
        message = problem.message
        if isinstance(problem, Conflict):
            # The current settings are shown above the form: saving again overwrites them.
            dates_form.lock.data = str(assignment.version)
    elif which:
        message = _("Periksa isian yang ditandai.")
    extensions, granters = queries.extensions(assignment)
    return render_template(
        "submissions/settings.html",
        cohort=g.cohort,
        assignment=assignment,
        dates_form=dates_form,
        extension_form=extension_form,
        which=which,
        problem=message,
        extensions=extensions,
        granters=granters,
    )


@bp.route(
    "/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/settings", methods=["GET", "POST"]
)
@cohort_role("organizer")
@unit_of_work(render=_settings_page)
def settings(cohort_id: int, assignment_id: int):
    assignment = queries.assignment_of(g.cohort, assignment_id)
    which = posted_settings_form()
    if which == "":
        abort(400)
    tz = g.cohort.timezone
    dates_form, extension_form, people = _forms(assignment, which)
    if which == "dates" and dates_form.validate():
        operations.set_dates(assignment, **dates_form.values(tz), actor=current_user)
        flash(_("Pengaturan tugas sudah disimpan."), "success")
        return redirect(_settings_url(assignment))
    if which == "extension" and extension_form.validate():
        person = people[extension_form.participant.data]
        operations.grant_extension(
            assignment, person, **extension_form.values(tz), actor=current_user
        )
        flash(_("Perpanjangan untuk %(name)s sudah disimpan.", name=person.full_name), "success")
        return redirect(_settings_url(assignment) + "#extensions")
    return _settings_page(assignment=assignment, forms=(dates_form, extension_form))
