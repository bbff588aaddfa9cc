"""The schedule: the list of meetings, scheduling and editing one, importing a schedule.

The import previews every row of the CSV/XLSX; confirming writes all or nothing."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.attendance import bp, operations, permissions, queries
from lms.attendance.forms import MeetingForm, NewMeetingForm, ScheduleImportForm
from lms.attendance.importing.schedule import (
    check_rows,
    column_label,
    parse_schedule_upload,
    row_from_json,
    row_to_json,
)
from lms.attendance.views.checkin import checkin_app
from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES, Cohort
from lms.db import utcnow
from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.imports import (
    PENDING_MAX_AGE,
    discard_pending,
    expired_message,
    load_pending,
    save_pending,
)
from lms.timefmt import local, to_utc
from lms.unit_of_work import on_commit, unit_of_work


def _schedule_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.attendance.schedule", cohort_id=cohort_id)


@bp.get("/cohorts/<int:cohort_id>/meetings")
@cohort_role(*MEMBER_ROLES)
def schedule(cohort_id: int):
    cohort: Cohort = g.cohort
    is_participant = g.membership is not None and g.membership.role == "participant"
    return render_template(
        "attendance/schedule.html",
        cohort=cohort,
        meetings=queries.schedule(cohort),
        mine=queries.own_records(cohort, current_user) if is_participant else {},
        now=utcnow(),
        day=timedelta(days=1),
        is_organizer=permissions.can_manage(current_user, g.membership),
        is_participant=is_participant,
        # A participant's schedule installs the offline check-in app and sends its queue.
        **(checkin_app() if is_participant else {}),
    )


# --- scheduling and editing a meeting -----------------------------------------------------


def _meeting_form(cohort: Cohort, meeting=None) -> MeetingForm:
    if meeting is None:
        form = NewMeetingForm(venue=cohort.venue)
    else:
        start = local(meeting.start_dt, cohort.timezone)
        form = MeetingForm(
            obj=meeting,
            day=start.date(),
            start_time=start.time(),
            end_time=local(meeting.end_dt, cohort.timezone).time(),
            trainers=[t.id for t in meeting.trainers],
        )
    form.trainers.choices = [(t.id, t.full_name) for t in queries.trainers(cohort)]
    return form


def _meeting_data(form: MeetingForm, cohort: Cohort) -> dict:
    return {
        "title": form.title.data,
        "venue": form.venue.data or "",
        "start_dt": to_utc(form.day.data, form.start_time.data, cohort.timezone),
        "end_dt": to_utc(form.day.data, form.end_time.data, cohort.timezone),
        "jp": form.jp.data,
        "opens_before_minutes": form.opens_before_minutes.data,
        "closes_after_minutes": form.closes_after_minutes.data,
        "late_after_minutes": form.late_after_minutes.data,
    }


def _chosen_trainers(form: MeetingForm) -> list:
    return list(queries.users(form.trainers.data or ()).values())


def _meeting_page(
    problem: DomainError | None = None, cohort_id: int | None = None, meeting_id=None, form=None
):
    cohort: Cohort = g.cohort
    meeting = queries.meeting_of(cohort, meeting_id) if meeting_id is not None else None
    form = form or _meeting_form(cohort, meeting)
    show_problem(problem, form)
    return render_template(
        "attendance/meeting_form.html", cohort=cohort, form=form, meeting=meeting
    )


@bp.route("/cohorts/<int:cohort_id>/meetings/new", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_meeting_page)
def create_meeting(cohort_id: int):
    cohort: Cohort = g.cohort
    form = _meeting_form(cohort)
    if not form.validate_on_submit():
        return _meeting_page(form=form)
    meetings = operations.create_recurring(
        cohort,
        _meeting_data(form, cohort),
        days=form.repeat_days.data,
        trainers=_chosen_trainers(form),
        actor=current_user,
    )
    flash(_("%(n)s pertemuan sudah dijadwalkan.", n=len(meetings)), "success")
    return redirect(_schedule_url(cohort.id))


@bp.route("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_meeting_page)
def edit_meeting(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = queries.meeting_of(cohort, meeting_id)
    form = _meeting_form(cohort, meeting)
    if not form.validate_on_submit():
        return _meeting_page(meeting_id=meeting_id, form=form)
    operations.update_meeting(
        meeting, _meeting_data(form, cohort), trainers=_chosen_trainers(form), actor=current_user
    )
    flash(_("Pertemuan sudah diubah."), "success")
    return redirect(_schedule_url(cohort.id))


# --- importing a schedule -----------------------------------------------------------------
# The checked rows wait in the upload store between preview and confirmation (lms.imports).


def _import_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.attendance.import_schedule", cohort_id=cohort_id)


def _trainers_by_email(cohort: Cohort) -> dict:
    return {t.email: t for t in queries.trainers(cohort)}


@bp.route("/cohorts/<int:cohort_id>/meetings/import", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work
def import_schedule(cohort_id: int):
    cohort: Cohort = g.cohort
    form = ScheduleImportForm()
    if not form.validate_on_submit():
        return render_template("attendance/schedule_import.html", cohort=cohort, form=form)
    filename = form.file.data.filename or ""
    parsed = parse_schedule_upload(
        form.file.data.stream,
        limit=current_app.config["LMS_IMPORT_MAX_BYTES"],
        timezone=cohort.timezone,
        trainer_emails=_trainers_by_email(cohort).keys(),
        scheduled=queries.scheduled(cohort),
        default_venue=cohort.venue,
    )
    token = None
    if parsed.ok:
        payload = {"filename": filename, "rows": [row_to_json(r) for r in parsed.rows]}
        token = save_pending(
            "schedule", cohort.id, current_user.id, payload, forget_older_than=PENDING_MAX_AGE
        )
    return render_template(
        "attendance/schedule_import_preview.html",
        cohort=cohort,
        parsed=parsed,
        token=token,
        filename=filename,
        form=form,
        confirm_form=ConfirmForm(formdata=None),
        column_label=column_label,
    )


@bp.post("/cohorts/<int:cohort_id>/meetings/import/<token>")
@cohort_role("organizer")
@unit_of_work(back=_import_url)
def confirm_schedule_import(cohort_id: int, token: str):
    cohort: Cohort = g.cohort
    if not ConfirmForm().validate_on_submit():
        abort(400)
    payload = load_pending("schedule", token, cohort.id, current_user.id)
    if payload is None:
        flash(expired_message(), "error")
        return redirect(_import_url(cohort.id))
    rows = [row_from_json(r) for r in payload["rows"]]
    trainers = _trainers_by_email(cohort)
    if check_rows(rows, trainer_emails=trainers.keys(), scheduled=queries.scheduled(cohort)):
        flash(
            _("Jadwal atau widyaiswara kelas berubah sejak pratinjau. Unggah berkasnya lagi."),
            "error",
        )
        return redirect(_import_url(cohort.id))
    operations.import_schedule(cohort, rows, trainers, actor=current_user)
    on_commit(lambda: discard_pending("schedule", token))
    flash(_("%(n)s pertemuan sudah dijadwalkan.", n=len(rows)), "success")
    return redirect(_schedule_url(cohort.id))
