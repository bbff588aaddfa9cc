"""Check-in: the organizer's screen (code, QR), the scanned QR, a pending scan, the typed code."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

import segno
from flask import Response, flash, g, jsonify, redirect, render_template, session, url_for
from flask_login import current_user

from lms.attendance import bp, codes, operations, queries
from lms.attendance.forms import CheckInForm
from lms.attendance.models import Meeting
from lms.attendance.views import offline
from lms.cohorts.access import cohort_role
from lms.db import WRITER_TURN_SECONDS, utcnow
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.i18n import gettext as _
from lms.security import login_required, public, writes_on_get
from lms.unit_of_work import drawn_after_commit, on_commit, unit_of_work
from lms.urls import public_url

#: A QR scanned before logging in stays valid this long while the person logs in.
PENDING_MINUTES = 15


# --- the organizer's check-in screen ---------------------------------------------------------


def _token(meeting: Meeting, when: datetime | None = None) -> str:
    return f"{meeting.id}-{codes.current_code(meeting.secret, when)}"


def _screen_state(meeting: Meeting) -> dict:
    now = utcnow()
    return {
        "code": codes.current_code(meeting.secret, now),
        "step": codes.time_step(now),
        "seconds_left": codes.seconds_left(now),
        "count": queries.checked_in_count(meeting),
        "url": public_url("lms.attendance.checkin_token", token=_token(meeting, now)),
    }


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/screen")
@cohort_role("organizer")
def checkin_screen(cohort_id: int, meeting_id: int):
    meeting = queries.meeting_of(g.cohort, meeting_id)
    return render_template(
        "attendance/screen.html",
        cohort=g.cohort,
        meeting=meeting,
        state=_screen_state(meeting),
        total=queries.participant_count(meeting.cohort_id),
        window_open=meeting.window_open(utcnow()),
    )


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/screen.json")
@cohort_role("organizer")
def checkin_screen_state(cohort_id: int, meeting_id: int):
    response = jsonify(_screen_state(queries.meeting_of(g.cohort, meeting_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/qr.svg")
@cohort_role("organizer")
def checkin_qr(cohort_id: int, meeting_id: int):
    meeting = queries.meeting_of(g.cohort, meeting_id)
    url = public_url("lms.attendance.checkin_token", token=_token(meeting))
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the participant's side -------------------------------------------------------------------


def _checkin_strings() -> dict[str, object]:
    """What checkin-app.js shows, in the page's language ({code}, {time}... filled in there)."""
    return {
        "statuses": queries.status_words(),
        "queued": _("Tersimpan, akan dikirim."),
        "offline": _(
            "Anda sedang tidak tersambung. Presensi dikirim sendiri saat tersambung lagi; "
            "bila halaman ini tertutup, buka lagi halaman Presensi."
        ),
        "sending": _("Mengirim presensi..."),
        "accepted": _("Diterima: {status}, {time}."),
        "refused": _("Ditolak: {detail}"),
        "synced_late": _("dikirim belakangan"),
        "login": _("Masuk lagi untuk mengirim presensi yang tersimpan."),
        "login_link": _("Masuk"),
        "other_user": _("{n} presensi akun lain menunggu akun itu masuk di ponsel ini."),
        "empty": _("Isi kode presensi."),
        "bad_scan": _("Kode QR ini tidak terbaca. Ketik kode yang tampil di layar panitia."),
        "error": _("Belum terkirim; dicoba lagi nanti."),
    }


def checkin_app() -> dict[str, object]:
    """The template context of the offline check-in app (templates/attendance/_checkin_app)."""
    return {
        "checkin_strings": _checkin_strings(),
        "offline": offline.page_settings(
            offline.checkin_scope(), api_checkins=offline.api_path("/checkins")
        ),
    }


def _result(message: str, *, ok: bool, cohort_id: int | None = None, status: int = 200):
    page = render_template(
        "attendance/checkin_result.html",
        message=message,
        ok=ok,
        cohort_id=cohort_id,
        **checkin_app(),
    )
    return page, status


def _refused(problem: DomainError, **_: Any):
    """The page of a refused check-in (not a participant, window not open); rolled back."""
    return _result(
        problem.message, ok=False, cohort_id=g.get("checkin_cohort_id"), status=problem.status
    )


def _check_in(meeting: Meeting, when: datetime):
    """Check in, then show what was written once it is committed: a room checks in at once,
    and on SQLite each check-in holds the write lock (and this process's turn,
    :func:`_one_writer`) only while it writes. The page is drawn from the objects as committed
    and reads nothing (a read would take the lock again: these requests write on GET, see
    lms.db)."""
    g.checkin_cohort_id = cohort_id = meeting.cohort_id  # read now: a refusal rolls back
    message = operations.check_in(meeting, current_user, when=when).message
    return drawn_after_commit(lambda: _result(message, ok=True, cohort_id=cohort_id))


def _wrong_code() -> str:
    return _("Kode salah atau sudah kedaluwarsa. Pindai atau ketik kode terbaru di layar panitia.")


#: SQLite lets one connection write at a time, and a waiting one polls with growing sleeps
#: (up to 100 ms each), so when a room checks in at once some scans lose the race again and
#: again. The check-ins of one process queue here instead and take turns at once; SQLite
#: still arbitrates between processes. See :func:`_one_writer`.
_SQLITE_CHECKIN_TURN = threading.Lock()


def _one_writer(view: Callable) -> Callable:
    """Take this process's check-in turn (SQLite only) before the request's first query and
    keep it until the unit of work has committed (or rolled back), so that the turn is always
    taken before the database's write lock, never while holding it; when a transaction is
    open already, go straight on (the database decides). One turn at a time also keeps the
    process's other check-ins from taking the GIL from the one that writes, which made each
    turn longer."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if db.session().in_transaction() or db.engine.dialect.name != "sqlite":
            return view(*args, **kwargs)
        held = _SQLITE_CHECKIN_TURN.acquire(timeout=WRITER_TURN_SECONDS)

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                _SQLITE_CHECKIN_TURN.release()

        on_commit(give_back)  # before the page is drawn (drawn_after_commit)
        try:
            return view(*args, **kwargs)
        finally:
            give_back()

    return wrapper


@bp.get("/checkin/<token>")
@writes_on_get
@public
@_one_writer
@unit_of_work(render=_refused)
def checkin_token(token: str):
    """What the QR code opens. Anonymous visitors log in first; the scan stays pending."""
    now = utcnow()
    signed_in = current_user.is_authenticated  # first: the user loader reads the meeting too
    meeting = queries.meeting_for_token(token, now)
    if meeting is None:
        return _result(_wrong_code(), ok=False, status=400)
    if not signed_in:
        session["lms_pending_checkin"] = {"meeting_id": meeting.id, "scanned": now.isoformat()}
        flash(_("Masuk dulu; presensi Anda akan dicatat setelahnya."), "info")
        return redirect(url_for("lms.accounts.login", next=url_for("lms.attendance.pending")))
    return _check_in(meeting, now)


@bp.get("/checkin/pending")
@writes_on_get
@login_required
@unit_of_work(render=_refused)
def pending():
    """Finish a check-in that was scanned before logging in, at the time of the scan."""
    data = session.pop("lms_pending_checkin", None)
    if not data:
        return redirect(url_for("lms.attendance.checkin"))
    scanned = datetime.fromisoformat(data["scanned"])
    meeting = queries.meeting_by_id(data["meeting_id"])
    if meeting is None or utcnow() - scanned > timedelta(minutes=PENDING_MINUTES):
        return _result(_wrong_code(), ok=False, status=400)
    return _check_in(meeting, scanned)


def _per_person() -> str:
    # A whole class may share one address (the venue's wifi): count per account.
    return f"checkin:{current_user.get_id()}"


@bp.route("/checkin", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], key_func=_per_person)
@login_required
@unit_of_work(render=_refused)
def checkin():
    """Typing the short code shown on the organizer's screen."""
    form = CheckInForm()
    if form.validate_on_submit():
        now = utcnow()
        meeting = queries.meeting_for_code(form.code.data, now)
        if meeting is not None:
            return _check_in(meeting, now)
        form.code.errors.append(_wrong_code())
    return render_template("attendance/checkin.html", form=form, **checkin_app())
