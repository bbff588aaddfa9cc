"""The grade book's exports as jobs (``lms.jobs``), for classes above ``LMS_JOB_EXPORT_ROWS``
participants; smaller ones stay direct downloads (views/reports.py)."""

from __future__ import annotations

from flask import url_for

from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading import exports
from lms.grading.queries import gradebook as gradebook_queries
from lms.jobs.kinds import N_, JobContext, job_kind
from lms.jobs.permissions import cohort_members
from lms.lazytext import lazy_gettext as _l

GRADEBOOK_XLSX = "grading.gradebook_xlsx"
GRADEBOOK_CSV = "grading.gradebook_csv"
#: Progress is reported every this many CSV lines.
CSV_STEP = 500


def gradebook_rows(cohort: Cohort) -> int:
    """Rows of the grade book's exports: one per participant (one count query)."""
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(Membership)
        .where(Membership.cohort_id == cohort.id, Membership.role == "participant")
    )


def _back(cohort: Cohort) -> str:
    return url_for("lms.grading.gradebook", cohort_id=cohort.id)


@job_kind(
    GRADEBOOK_XLSX,
    title=_l("Buku nilai (XLSX)"),
    model=Cohort,
    can_view=cohort_members("organizer"),
    back=_back,
)
def gradebook_xlsx(ctx: JobContext) -> None:
    cohort = ctx.object
    ctx.progress(5, N_("Memuat nilai"))
    book = gradebook_queries.gradebook(cohort)
    ctx.progress(50, N_("Menulis berkas"))
    ctx.write_result(exports.filename(cohort, "xlsx"), exports.gradebook_xlsx(book))


@job_kind(
    GRADEBOOK_CSV,
    title=_l("Buku nilai (CSV)"),
    model=Cohort,
    can_view=cohort_members("organizer"),
    back=_back,
)
def gradebook_csv(ctx: JobContext) -> None:
    cohort = ctx.object
    sep = ctx.params.get("sep", ",")
    ctx.progress(5, N_("Memuat nilai"))
    book = gradebook_queries.gradebook(cohort)
    total = max(1, len(book.rows))
    with ctx.open_result(exports.filename(cohort, "csv")) as out:
        for number, line in enumerate(exports.gradebook_csv(book, sep)):
            out.write(line.encode("utf-8"))
            if number and number % CSV_STEP == 0:
                ctx.progress(10 + 85 * number // total, N_("Menulis berkas"))
