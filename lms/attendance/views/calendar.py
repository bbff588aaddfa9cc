"""Calendar feeds (ICS): a cohort's, the personal one behind a secret link (class meetings
and clinic appointments), and its page."""

from __future__ import annotations

import re

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import force_locale
from flask_login import current_user

from lms.accounts import operations as accounts
from lms.attendance import bp, exports, queries
from lms.attendance.forms import CalendarLinkForm
from lms.clinic import exports as clinic_exports
from lms.clinic import queries as clinic_queries
from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES, Cohort
from lms.i18n import gettext as _
from lms.security import login_required, public
from lms.unit_of_work import unit_of_work
from lms.urls import public_url

#: ``secrets.token_urlsafe(24)`` gives 32 characters; anything else is not a token.
_FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype=exports.ICS_MIMETYPE)
    # Inline: phones open it in the calendar app; the name is used when it is saved.
    response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/cohorts/<int:cohort_id>/calendar.ics")
@cohort_role(*MEMBER_ROLES)
def cohort_calendar(cohort_id: int):
    cohort: Cohort = g.cohort
    body = exports.cohort_calendar(cohort, queries.schedule(cohort))
    return _ics_response(body, exports.ics_filename(cohort))


@bp.get("/calendar/<token>.ics")
@public
def personal_calendar(token: str):
    """The personal feed calendar apps subscribe to; the secret in the URL is the login."""
    if not _FEED_TOKEN.fullmatch(token):
        abort(404)
    user = queries.user_by_calendar_token(token) or abort(404)
    meetings = queries.person_meetings(user)
    appointments = clinic_queries.person_appointments(user)
    # Nobody is logged in here: write the feed in the person's own language.
    with force_locale(user.locale or "id"):
        clinic = clinic_exports.appointment_events(appointments)
        body = exports.person_calendar(user, meetings, clinic)
    response = _ics_response(body, exports.PERSON_ICS_FILENAME)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
@unit_of_work
def account_calendar():
    form = CalendarLinkForm()
    if form.validate_on_submit():
        if form.revoke:
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
        flash(message, "success")
        return redirect(url_for("lms.attendance.account_calendar"))
    token = current_user.calendar_token
    feed_url = webcal_url = None
    if token:
        feed_url = public_url("lms.attendance.personal_calendar", token=token)
        # webcal:// opens "subscribe" in Apple Calendar (and Outlook) instead of a download.
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render_template(
        "attendance/calendar.html",
        form=form,
        feed_url=feed_url,
        webcal_url=webcal_url,
        cohorts=queries.cohorts_of(current_user),
    )
