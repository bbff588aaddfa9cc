"""Attendance reports: a meeting's page, the cohort's grid, one's own record, XLSX and PDF."""

from __future__ import annotations

import io

from flask import g, render_template, request, send_file
from flask_login import current_user

from lms.attendance import bp, exports, permissions, queries
from lms.attendance import jobs as attendance_jobs
from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES, STAFF_ROLES, Cohort
from lms.db import utcnow
from lms.jobs import pages as job_pages
from lms.unit_of_work import unit_of_work


def _labels() -> dict:
    return {"status_names": queries.status_words(), "symbols": queries.status_symbols()}


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>")
@cohort_role(*MEMBER_ROLES)
def meeting(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = queries.meeting_of(cohort, meeting_id)
    staff = permissions.can_see_everyone(current_user, g.membership)
    summary = own = None
    if staff:
        summary = queries.meeting_summary(meeting)
    else:
        own = queries.own_record(meeting, current_user)
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
@cohort_role(*STAFF_ROLES)
def report(cohort_id: int):
    cohort: Cohort = g.cohort
    grouped = request.args.get("group") == "office"
    return render_template(
        "attendance/report_cohort.html",
        cohort=cohort,
        report=queries.cohort_report(cohort, group_by_office=grouped),
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
        record=queries.participant_record(cohort, current_user),
        can_see_members=permissions.can_see_everyone(current_user, g.membership),
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/attendance.xlsx")
@cohort_role(*STAFF_ROLES)
def report_xlsx(cohort_id: int):
    cohort: Cohort = g.cohort
    rows = attendance_jobs.workbook_rows(cohort)
    if job_pages.is_large(rows):  # prepared in the background (lms.jobs)
        return job_pages.offer(attendance_jobs.WORKBOOK, cohort, rows=rows)
    data = exports.attendance_workbook(queries.cohort_report(cohort))
    return send_file(
        io.BytesIO(data),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=exports.xlsx_filename(cohort),
    )


@bp.post("/cohorts/<int:cohort_id>/attendance.xlsx")
@cohort_role(*STAFF_ROLES)
@unit_of_work
def report_xlsx_job(cohort_id: int):
    return job_pages.start(attendance_jobs.WORKBOOK, g.cohort)


@bp.get("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/daftar-hadir.pdf")
@cohort_role(*STAFF_ROLES)
def attendance_list_pdf(cohort_id: int, meeting_id: int):
    meeting = queries.meeting_of(g.cohort, meeting_id)
    data = exports.attendance_list_pdf(queries.meeting_summary(meeting))
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=exports.pdf_filename(meeting),
    )
