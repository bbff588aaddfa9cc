"""A class's certificates as one printable PDF or as a ZIP of single PDFs, made by a job
(``lms.jobs``) for classes above ``LMS_JOB_CERTIFICATES`` valid certificates; smaller ones
download at once (views/issue.py).

The jobs only read: issuing (and so numbering) is not part of them, so a worker killed in
the middle and the run that follows change no certificate. Both files are written as they
are drawn (``lms.certificates.pdf.write_merged`` and ``write_zip``), a chunk of certificates
at a time, so that memory stays flat for 10,000 certificates; the ZIP copies each
certificate's stored PDF from the upload store when it is current.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, url_for

from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.errors import DomainError
from lms.jobs.kinds import N_, JobContext, job_kind
from lms.jobs.permissions import cohort_members
from lms.lazytext import lazy_gettext as _l

from . import pdf, queries

BATCH_PDF = "certificates.batch_pdf"
BATCH_ZIP = "certificates.batch_zip"
KINDS = (BATCH_PDF, BATCH_ZIP)
#: The default of ``LMS_JOB_CERTIFICATES``: up to this many certificates download at once
#: (the merged PDF of 100 takes about half a second), more are made by a job.
DIRECT_MAX = 100
MSG_LOADING = N_("Memuat sertifikat")
MSG_DRAWING = N_("Menggambar sertifikat")
MSG_PACKING = N_("Menyusun berkas ZIP")
ERROR_NONE = N_("Kelas ini belum memiliki sertifikat yang berlaku.")


def direct_max() -> int:
    """Classes with at most this many valid certificates download their batches at once."""
    value = current_app.config.get("LMS_JOB_CERTIFICATES")
    return DIRECT_MAX if value in (None, "") else int(value)


def is_large(count: int) -> bool:
    return count > direct_max()


def file_name(cohort: Cohort, extension: str) -> str:
    return f"sertifikat-{cohort.code}-{utcnow():%Y%m%d}.{extension}"


def _back(cohort: Cohort) -> str:
    return url_for("lms.certificates.certificates", cohort_id=cohort.id)


def _reporter(ctx: JobContext, total: int, message: str, start: int = 5):
    def progress(done: int) -> None:
        ctx.progress(start + (99 - start) * done // max(1, total), message)

    return progress


def _write_batch(ctx: JobContext, extension: str, write: Callable[..., Any], message: str) -> None:
    """Every issued certificate of the class into one file, drawn by ``write``."""
    cohort = ctx.object
    ctx.progress(2, MSG_LOADING)
    total = queries.issued_count(cohort)
    if not total:
        raise DomainError(ERROR_NONE)
    plan = queries.plan_or_default(cohort)
    with ctx.open_result(file_name(cohort, extension)) as out:
        write(queries.iter_issued(cohort), plan, out, progress=_reporter(ctx, total, message))


@job_kind(
    BATCH_PDF,
    title=_l("Sertifikat: satu PDF untuk dicetak"),
    model=Cohort,
    can_view=cohort_members("organizer"),
    back=_back,
)
def batch_pdf(ctx: JobContext) -> None:
    _write_batch(ctx, "pdf", pdf.write_merged, MSG_DRAWING)


@job_kind(
    BATCH_ZIP,
    title=_l("Sertifikat: ZIP berisi satu PDF per peserta"),
    model=Cohort,
    can_view=cohort_members("organizer"),
    back=_back,
)
def batch_zip(ctx: JobContext) -> None:
    _write_batch(ctx, "zip", pdf.write_zip, MSG_PACKING)
