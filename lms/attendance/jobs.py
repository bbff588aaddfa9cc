"""The attendance workbook as a job (``lms.jobs``) when it has more than
``LMS_JOB_EXPORT_ROWS`` rows; a smaller one stays a direct download (views/reports.py)."""

from __future__ import annotations

from flask import url_for

from lms.attendance import exports, queries
from lms.attendance.models import Meeting
from lms.cohorts.models import STAFF_ROLES, Cohort
from lms.extensions import db
from lms.jobs.kinds import N_, JobContext, job_kind
from lms.jobs.permissions import cohort_members
from lms.lazytext import lazy_gettext as _l

WORKBOOK = "attendance.workbook"


def workbook_rows(cohort: Cohort) -> int:
    """Rows of the workbook: the summary sheet and one sheet per meeting, a row per
    participant on each (two count queries)."""
    meetings = db.session.scalar(
        db.select(db.func.count()).select_from(Meeting).where(Meeting.cohort_id == cohort.id)
    )
    return queries.participant_count(cohort.id) * (meetings + 1)


@job_kind(
    WORKBOOK,
    title=_l("Rekap kehadiran (XLSX)"),
    model=Cohort,
    can_view=cohort_members(*STAFF_ROLES),
    back=lambda cohort: url_for("lms.attendance.report", cohort_id=cohort.id),
)
def workbook(ctx: JobContext) -> None:
    cohort = ctx.object
    ctx.progress(5, N_("Memuat kehadiran"))
    report = queries.cohort_report(cohort)
    ctx.progress(50, N_("Menulis berkas"))
    ctx.write_result(exports.xlsx_filename(cohort), exports.attendance_workbook(report))
