"""Attendance reports: a meeting's page, the cohort's grid, one's own record, XLSX and PDF."""

from __future__ import annotations

import io

from flask import g, render_template, request, send_file
from flask_login import current_user

from lms.attendance import bp, exports, reports
from lms.attendance.models import AttendanceRecord
from lms.attendance.views.meetings import ANY_MEMBER, meeting_of
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db

STAFF = ("trainer", "organizer")


def _is_staff() -> bool:
    """Admins, trainers and organizers of ``g.cohort`` (see everyone's attendance)."""
    return current_user.is_admin or (g.membership is not None and g.membership.role in STAFF)


def _labels() -> dict:
    return {"status_names": reports.status_words(), "symbols": reports.status_symbols()}


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>")
@cohort_role(*ANY_MEMBER)
def meeting(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = meeting_of(cohort, meeting_id)
    staff = _is_staff()
    summary = own = None
    if staff:
        summary = reports.meeting_summary(meeting)
    else:
        own = db.session.scalar(
            db.select(AttendanceRecord).filter_by(meeting_id=meeting.id, user_id=current_user.id)
        )
    return render_template(
        "attendance/meeting.html",
        cohort=cohort,
        meeting=meeting,
        staff=staff,
        summary=summary,
        own=own,
        started=meeting.start_dt <= utcnow(),
        can_see_members=staff,
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/attendance")
@cohort_role(*STAFF)
def report(cohort_id: int):
    cohort: Cohort = g.cohort
    grouped = request.args.get("group") == "office"
    return render_template(
        "attendance/report_cohort.html",
        cohort=cohort,
        report=reports.cohort_report(cohort, group_by_office=grouped),
        grouped=grouped,
        can_see_members=True,
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/my-attendance")
@cohort_role("participant")
def my_attendance(cohort_id: int):
    cohort: Cohort = g.cohort
    return render_template(
        "attendance/report_mine.html",
        cohort=cohort,
        record=reports.participant_record(cohort, current_user),
        can_see_members=_is_staff(),
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/attendance.xlsx")
@cohort_role(*STAFF)
def report_xlsx(cohort_id: int):
    cohort: Cohort = g.cohort
    data = exports.attendance_workbook(reports.cohort_report(cohort))
    return send_file(
        io.BytesIO(data),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=exports.xlsx_filename(cohort),
    )


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/daftar-hadir.pdf")
@cohort_role(*STAFF)
def attendance_list_pdf(cohort_id: int, meeting_id: int):
    meeting = meeting_of(g.cohort, meeting_id)
    data = exports.attendance_list_pdf(reports.meeting_summary(meeting))
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=exports.pdf_filename(meeting),
    )
