"""Meetings (schedule) and check-in."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import segno
import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.attendance import bp, codes, operations
from lms.attendance.forms import CheckInForm, MeetingForm, NewMeetingForm
from lms.attendance.models import AttendanceRecord, Meeting
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort, Membership
from lms.db import utcnow
from lms.extensions import db, limiter
from lms.security import login_required, public, writes_on_get
from lms.timefmt import local, local_datetime, to_utc

ANY_MEMBER = ("participant", "trainer", "organizer")
#: A QR scanned before logging in stays valid this long while the person logs in.
PENDING_MINUTES = 15


def meeting_of(cohort: Cohort, meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.cohort_id != cohort.id:
        abort(404)
    return meeting


def _trainer_choices(cohort: Cohort) -> list[tuple[int, str]]:
    rows = db.session.execute(
        db.select(User.id, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role == "trainer")
        .order_by(User.full_name)
    ).all()
    return [(uid, name) for uid, name in rows]


def _meeting_data(form: MeetingForm, cohort: Cohort) -> dict:
    return {
        "title": form.title.data.strip(),
        "venue": (form.venue.data or "").strip(),
        "start_dt": to_utc(form.day.data, form.start_time.data, cohort.timezone),
        "end_dt": to_utc(form.day.data, form.end_time.data, cohort.timezone),
        "jp": form.jp.data,
        "opens_before_minutes": form.opens_before_minutes.data,
        "closes_after_minutes": form.closes_after_minutes.data,
        "late_after_minutes": form.late_after_minutes.data,
    }


def _chosen_trainers(form: MeetingForm) -> list[User]:
    ids = form.trainers.data or []
    return db.session.scalars(db.select(User).where(User.id.in_(ids))).all() if ids else []


@bp.get("/cohorts/<int:cohort_id>/meetings")
@cohort_role(*ANY_MEMBER)
def schedule(cohort_id: int):
    cohort: Cohort = g.cohort
    meetings = db.session.scalars(
        db.select(Meeting)
        .filter_by(cohort_id=cohort.id)
        .options(selectinload(Meeting.trainers))
        .order_by(Meeting.start_dt)
    ).all()
    mine = {}
    if g.membership is not None and g.membership.role == "participant":
        mine = {
            r.meeting_id: r
            for r in db.session.scalars(
                db.select(AttendanceRecord)
                .join(Meeting)
                .where(Meeting.cohort_id == cohort.id, AttendanceRecord.user_id == current_user.id)
            )
        }
    is_organizer = current_user.is_admin or (
        g.membership is not None and g.membership.role == "organizer"
    )
    return render_template(
        "attendance/schedule.html",
        cohort=cohort,
        meetings=meetings,
        mine=mine,
        now=utcnow(),
        day=timedelta(days=1),
        is_organizer=is_organizer,
        is_participant=g.membership is not None and g.membership.role == "participant",
    )


@bp.route("/cohorts/<int:cohort_id>/meetings/new", methods=["GET", "POST"])
@cohort_role("organizer")
def create_meeting(cohort_id: int):
    cohort: Cohort = g.cohort
    form = NewMeetingForm(venue=cohort.venue)
    form.trainers.choices = _trainer_choices(cohort)
    if form.validate_on_submit():
        try:
            meetings = operations.create_recurring(
                cohort,
                _meeting_data(form, cohort),
                days=form.repeat_days.data,
                trainers=_chosen_trainers(form),
                actor=current_user,
            )
        except operations.AttendanceError as exc:
            db.session.rollback()
            form.end_time.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("%(n)s pertemuan sudah dijadwalkan.", n=len(meetings)), "success")
            return redirect(url_for("lms.attendance.schedule", cohort_id=cohort.id))
    return render_template("attendance/meeting_form.html", cohort=cohort, form=form, meeting=None)


@bp.route("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@cohort_role("organizer")
def edit_meeting(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = meeting_of(cohort, meeting_id)
    start, end = local(meeting.start_dt, cohort.timezone), local(meeting.end_dt, cohort.timezone)
    form = MeetingForm(
        obj=meeting,
        day=start.date(),
        start_time=start.time(),
        end_time=end.time(),
        trainers=[t.id for t in meeting.trainers],
    )
    form.trainers.choices = _trainer_choices(cohort)
    if form.validate_on_submit():
        try:
            operations.update_meeting(
                meeting,
                _meeting_data(form, cohort),
                trainers=_chosen_trainers(form),
                actor=current_user,
            )
        except operations.AttendanceError as exc:
            db.session.rollback()
            form.end_time.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Pertemuan sudah diubah."), "success")
            return redirect(url_for("lms.attendance.schedule", cohort_id=cohort.id))
    return render_template(
        "attendance/meeting_form.html", cohort=cohort, form=form, meeting=meeting
    )


# --- the organizer's check-in screen ---------------------------------------------------------


def _token(meeting: Meeting, when: datetime | None = None) -> str:
    return f"{meeting.id}-{codes.current_code(meeting.secret, when)}"


def _checked_in_count(meeting: Meeting) -> int:
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(AttendanceRecord)
        .where(
            AttendanceRecord.meeting_id == meeting.id,
            AttendanceRecord.status.in_(("present", "late")),
        )
    )


def _screen_state(meeting: Meeting) -> dict:
    now = utcnow()
    return {
        "code": codes.current_code(meeting.secret, now),
        "step": codes.time_step(now),
        "seconds_left": codes.seconds_left(now),
        "count": _checked_in_count(meeting),
        "url": url_for("lms.attendance.checkin_token", token=_token(meeting, now), _external=True),
    }


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/screen")
@cohort_role("organizer")
def checkin_screen(cohort_id: int, meeting_id: int):
    meeting = meeting_of(g.cohort, meeting_id)
    total = db.session.scalar(
        db.select(db.func.count())
        .select_from(Membership)
        .filter_by(cohort_id=meeting.cohort_id, role="participant")
    )
    return render_template(
        "attendance/screen.html",
        cohort=g.cohort,
        meeting=meeting,
        state=_screen_state(meeting),
        total=total,
        window_open=meeting.window_open(utcnow()),
    )


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/screen.json")
@cohort_role("organizer")
def checkin_screen_state(cohort_id: int, meeting_id: int):
    response = jsonify(_screen_state(meeting_of(g.cohort, meeting_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/qr.svg")
@cohort_role("organizer")
def checkin_qr(cohort_id: int, meeting_id: int):
    meeting = meeting_of(g.cohort, meeting_id)
    url = url_for("lms.attendance.checkin_token", token=_token(meeting), _external=True)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the participant's side -------------------------------------------------------------------


def _result(message: str, *, ok: bool, meeting: Meeting | None = None, status: int = 200):
    return (
        render_template("attendance/checkin_result.html", message=message, ok=ok, meeting=meeting),
        status,
    )


def _record_message(result: operations.CheckIn) -> str:
    record, meeting = result.record, result.record.meeting
    tz = meeting.cohort.timezone
    if not result.created:
        if record.checked_in_dt is not None:
            return _(
                "Anda sudah presensi untuk %(meeting)s pada %(time)s.",
                meeting=meeting.title,
                time=local_datetime(record.checked_in_dt, tz),
            )
        return _("Kehadiran Anda untuk %(meeting)s sudah dicatat panitia.", meeting=meeting.title)
    if record.status == "late":
        return _(
            "Presensi tercatat: Terlambat, %(time)s, untuk %(meeting)s.",
            time=local_datetime(record.checked_in_dt, tz),
            meeting=meeting.title,
        )
    return _(
        "Presensi tercatat: Hadir, %(time)s, untuk %(meeting)s.",
        time=local_datetime(record.checked_in_dt, tz),
        meeting=meeting.title,
    )


@functools.cache
def _meeting_statement() -> Any:
    """The meeting :id with its cohort (the check-in needs its time zone): one query, not two;
    built once per process."""
    return (
        db.select(Meeting)
        .options(joinedload(Meeting.cohort))
        .where(Meeting.id == sa.bindparam("id"))
    )


def _meeting_for_token(token: str, when: datetime) -> Meeting | None:
    meeting_id, _sep, code = token.partition("-")
    if not meeting_id.isdigit():
        return None
    meeting = db.session.scalars(_meeting_statement(), {"id": int(meeting_id)}).first()
    if meeting is None or not codes.matches(meeting.secret, code, when):
        return None
    return meeting


#: SQLite lets one connection write at a time, and a waiting one polls with growing sleeps
#: (up to 100 ms each), so when a room checks in at once some scans lose the race again and
#: again. The check-ins of one process queue here instead and take turns at once; SQLite
#: still arbitrates between processes. See :func:`_one_writer`.
_SQLITE_CHECKIN_TURN = threading.Lock()


@contextmanager
def _one_writer() -> Iterator[None]:
    """Take this process's check-in turn (SQLite only) before the request's first query, so
    that the turn is always taken before the database's write lock, never while holding it;
    when a transaction is open already, go straight on (the database decides)."""
    if db.session().in_transaction() or db.engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_CHECKIN_TURN:
        yield


def _check_in_now(meeting: Meeting, when: datetime) -> tuple[str, bool, int]:
    """Check in and end the transaction: (message, ok, HTTP status).

    These requests write on GET, so on SQLite every transaction they open takes the write lock
    (lms.db): the lock is held from the request's first query to this commit. So nothing is
    read after the commit: the objects keep what they hold instead of being expired and read
    again (which would take the lock a second time, until the end of the request); the page
    shows what was just written."""
    try:
        result = operations.check_in(meeting, current_user, when=when)
    except operations.AttendanceError as exc:
        db.session.rollback()
        return str(exc), False, 400
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    return _record_message(result), True, 200


def _do_check_in(meeting: Meeting, when: datetime):
    message, ok, status = _check_in_now(meeting, when)
    return _result(message, ok=ok, meeting=meeting, status=status)


def _wrong_code() -> str:
    return _("Kode salah atau sudah kedaluwarsa. Pindai atau ketik kode terbaru di layar panitia.")


@bp.get("/checkin/<token>")
@writes_on_get
@public
def checkin_token(token: str):
    """What the QR code opens. Anonymous visitors log in first; the scan stays pending."""
    now = utcnow()
    with _one_writer():
        meeting = _meeting_for_token(token, now)
        anonymous = meeting is not None and not current_user.is_authenticated
        if meeting is not None and not anonymous:
            message, ok, status = _check_in_now(meeting, now)
    if meeting is None:
        return _result(_wrong_code(), ok=False, status=400)
    if anonymous:
        session["lms_pending_checkin"] = {"meeting_id": meeting.id, "scanned": now.isoformat()}
        flash(_("Masuk dulu; presensi Anda akan dicatat setelahnya."), "info")
        return redirect(url_for("lms.accounts.login", next=url_for("lms.attendance.pending")))
    return _result(message, ok=ok, meeting=meeting, status=status)


@bp.get("/checkin/pending")
@writes_on_get
@login_required
def pending():
    """Finish a check-in that was scanned before logging in, at the time of the scan."""
    data = session.pop("lms_pending_checkin", None)
    if not data:
        return redirect(url_for("lms.attendance.checkin"))
    scanned = datetime.fromisoformat(data["scanned"])
    meeting = db.session.get(Meeting, data["meeting_id"])
    if meeting is None or utcnow() - scanned > timedelta(minutes=PENDING_MINUTES):
        return _result(_wrong_code(), ok=False, status=400)
    return _do_check_in(meeting, scanned)


def _per_person() -> str:
    # A whole class may share one address (the venue's wifi): count per account.
    return f"checkin:{current_user.get_id()}"


@bp.route("/checkin", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], key_func=_per_person)
@login_required
def checkin():
    """Typing the short code shown on the organizer's screen."""
    form = CheckInForm()
    if form.validate_on_submit():
        now = utcnow()
        candidates = db.session.scalars(
            db.select(Meeting).where(
                Meeting.start_dt <= now + timedelta(hours=13),
                Meeting.end_dt >= now - timedelta(hours=13),
            )
        ).all()
        meeting = next(
            (m for m in candidates if codes.matches(m.secret, form.code.data, now)), None
        )
        if meeting is None:
            form.code.errors.append(_wrong_code())
        else:
            return _do_check_in(meeting, now)
    return render_template("attendance/checkin.html", form=form)
