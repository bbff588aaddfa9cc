"""Calendar feeds (ICS) of the schedule, the personal feed's secret link, and the schedule
import for organizers (CSV/XLSX → preview every row → confirm writes all or nothing)."""

from __future__ import annotations

import re

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.attendance import bp, calendar, operations
from lms.attendance.models import Meeting
from lms.attendance.schedule_import import (
    ParsedSchedule,
    ScheduleRow,
    check_rows,
    column_label,
    parse_schedule_file,
    row_from_json,
    row_to_json,
    too_large,
)
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.imports import (
    PENDING_MAX_AGE,
    discard_pending,
    expired_message,
    import_file_field,
    load_pending,
    save_pending,
)
from lms.security import login_required, public

ANY_MEMBER = ("participant", "trainer", "organizer")
#: ``secrets.token_urlsafe(24)`` gives 32 characters; anything else is not a token.
_FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


# Only the CSRF token: the buttons say what to do.
CalendarTokenForm = ConfirmImportForm = ConfirmForm


class ScheduleImportForm(FlaskForm):
    # Too large a file is reported in the preview, with the rest of the file's problems.
    file = import_file_field(
        _l(
            "Kolom: judul, tanggal, mulai, selesai, tempat, JP, widyaiswara. Pemisah koma atau "
            "titik koma."
        )
    )


# --- ICS feeds ---------------------------------------------------------------------------


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype=calendar.MEDIA_TYPE)
    # Inline: phones open it in the calendar app; the name is used when it is saved.
    response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "jadwal"


@bp.get("/cohorts/<int:cohort_id>/calendar.ics")
@cohort_role(*ANY_MEMBER)
def cohort_calendar(cohort_id: int):
    cohort: Cohort = g.cohort
    meetings = db.session.scalars(
        db.select(Meeting)
        .filter_by(cohort_id=cohort.id)
        .options(selectinload(Meeting.trainers))
        .order_by(Meeting.start_dt)
    ).all()
    body = calendar.cohort_calendar(cohort, meetings)
    return _ics_response(body, f"jadwal-{_safe_name(cohort.code)}.ics")


@bp.get("/calendar/<token>.ics")
@public
def personal_calendar(token: str):
    """The personal feed calendar apps subscribe to; the secret in the URL is the login."""
    if not _FEED_TOKEN.fullmatch(token):
        abort(404)
    user = db.session.scalar(db.select(User).filter_by(calendar_token=token))
    if user is None or not user.active:
        abort(404)
    cohort_ids = db.select(Membership.cohort_id).filter_by(user_id=user.id)
    meetings = db.session.scalars(
        db.select(Meeting)
        .where(Meeting.cohort_id.in_(cohort_ids))
        .options(joinedload(Meeting.cohort), selectinload(Meeting.trainers))
        .order_by(Meeting.start_dt)
    ).all()
    # Nobody is logged in here: write the feed in the person's own language.
    with force_locale(user.locale or "id"):
        body = calendar.person_calendar(user, meetings)
    response = _ics_response(body, "jadwal-kelas-inovasi.ics")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def account_calendar():
    form = CalendarTokenForm()
    if form.validate_on_submit():
        if request.form.get("action") == "revoke":
            accounts.set_calendar_token(current_user, enabled=False)
            message = _(
                "Tautan kalender dimatikan. Kalender yang berlangganan tidak lagi diperbarui."
            )
        else:
            renewed = current_user.calendar_token is not None
            accounts.set_calendar_token(current_user, enabled=True)
            message = (
                _("Tautan kalender baru sudah dibuat; tautan lama tidak berlaku lagi.")
                if renewed
                else _("Tautan kalender Anda sudah dibuat.")
            )
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("lms.attendance.account_calendar"))
    token = current_user.calendar_token
    feed_url = webcal_url = None
    if token:
        feed_url = url_for("lms.attendance.personal_calendar", token=token, _external=True)
        # webcal:// opens "subscribe" in Apple Calendar (and Outlook) instead of a download.
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    cohorts = db.session.scalars(
        db.select(Cohort)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == current_user.id)
        .order_by(Cohort.start_date.desc(), Cohort.code)
    ).all()
    return render_template(
        "attendance/calendar.html",
        form=form,
        feed_url=feed_url,
        webcal_url=webcal_url,
        cohorts=cohorts,
    )


# --- schedule import ---------------------------------------------------------------------
# The checked rows wait in the upload store between preview and confirmation (lms.imports).


def _trainers_by_email(cohort: Cohort) -> dict[str, User]:
    return {
        u.email: u
        for u in db.session.scalars(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort.id, Membership.role == "trainer")
        )
    }


def _scheduled(cohort: Cohort) -> set:
    return {
        (title.casefold(), start)
        for title, start in db.session.execute(
            db.select(Meeting.title, Meeting.start_dt).filter_by(cohort_id=cohort.id)
        )
    }


def _read_upload(form: ScheduleImportForm, cohort: Cohort) -> ParsedSchedule:
    limit = current_app.config["LMS_IMPORT_MAX_BYTES"]
    stream = form.file.data.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > limit:
        return too_large(size, limit)
    return parse_schedule_file(
        stream.read(limit + 1),
        timezone=cohort.timezone,
        trainer_emails=_trainers_by_email(cohort).keys(),
        scheduled=_scheduled(cohort),
        default_venue=cohort.venue,
    )


@bp.route("/cohorts/<int:cohort_id>/meetings/import", methods=["GET", "POST"])
@cohort_role("organizer")
def import_schedule(cohort_id: int):
    cohort: Cohort = g.cohort
    form = ScheduleImportForm()
    if form.validate_on_submit():
        filename = form.file.data.filename or ""
        parsed = _read_upload(form, cohort)
        token = None
        if parsed.ok:
            payload = {"filename": filename, "rows": [row_to_json(r) for r in parsed.rows]}
            token = save_pending(
                "schedule",
                cohort.id,
                current_user.id,
                payload,
                forget_older_than=PENDING_MAX_AGE,
            )
        return render_template(
            "attendance/schedule_import_preview.html",
            cohort=cohort,
            parsed=parsed,
            token=token,
            filename=filename,
            form=form,
            confirm_form=ConfirmImportForm(formdata=None),
            column_label=column_label,
        )
    return render_template("attendance/schedule_import.html", cohort=cohort, form=form)


def _back_to_upload(message: str):
    flash(message, "error")
    return redirect(url_for("lms.attendance.import_schedule", cohort_id=g.cohort.id))


@bp.post("/cohorts/<int:cohort_id>/meetings/import/<token>")
@cohort_role("organizer")
def confirm_schedule_import(cohort_id: int, token: str):
    cohort: Cohort = g.cohort
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    payload = load_pending("schedule", token, cohort.id, current_user.id)
    if payload is None:
        return _back_to_upload(expired_message())
    rows: list[ScheduleRow] = [row_from_json(r) for r in payload["rows"]]
    trainers = _trainers_by_email(cohort)
    if check_rows(rows, trainer_emails=trainers.keys(), scheduled=_scheduled(cohort)):
        return _back_to_upload(
            _("Jadwal atau widyaiswara kelas berubah sejak pratinjau. Unggah berkasnya lagi.")
        )
    try:
        for row in rows:
            operations.create_meeting(
                cohort,
                {
                    "title": row.title,
                    "venue": row.venue,
                    "start_dt": row.start_dt,
                    "end_dt": row.end_dt,
                    "jp": row.jp,
                },
                trainers=[trainers[e] for e in row.trainer_emails],
                actor=current_user,
            )
    except operations.AttendanceError as exc:
        db.session.rollback()
        return _back_to_upload(
            _("Impor dibatalkan, tidak ada yang disimpan: %(msg)s", msg=str(exc))
        )
    db.session.commit()
    discard_pending("schedule", token)
    flash(_("%(n)s pertemuan sudah dijadwalkan.", n=len(rows)), "success")
    return redirect(url_for("lms.attendance.schedule", cohort_id=cohort.id))
