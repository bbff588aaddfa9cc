"""What other modules' views call to run their work as a job.

    @bp.get("/cohorts/<int:cohort_id>/grading/gradebook.xlsx")
    @cohort_role("organizer")
    def gradebook_xlsx(cohort_id):
        rows = grading_jobs.gradebook_rows(g.cohort)
        if job_pages.is_large(rows):
            return job_pages.offer(grading_jobs.GRADEBOOK_XLSX, g.cohort, rows=rows)
        ...  # small: the direct download as before

    @bp.post("/cohorts/<int:cohort_id>/grading/gradebook.xlsx")
    @cohort_role("organizer")
    @unit_of_work
    def gradebook_xlsx_job(cohort_id):
        return job_pages.start(grading_jobs.GRADEBOOK_XLSX, g.cohort)

``offer`` answers a GET without writing anything: the job already under way (a redirect to
its page), or a page with one button that POSTs back to the same URL; ``start`` (inside the
view's unit of work) queues the job, or finds the one under way, and shows its page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

from lms.forms import ConfirmForm
from lms.i18n import gettext as _
from lms.jobs import kinds, operations, permissions, queries


def is_large(rows: int) -> bool:
    """Whether an export of ``rows`` rows runs as a job (``LMS_JOB_EXPORT_ROWS``)."""
    return rows > int(current_app.config.get("LMS_JOB_EXPORT_ROWS") or 2000)


def detail_url(job: Any) -> str:
    return url_for("lms.jobs.detail", job_id=job.id)


def offer(
    kind_name: str,
    obj: Any,
    *,
    rows: int | None = None,
    action: str | None = None,
    scope: str = "",
):
    """The GET of work that runs as a job: its page when one is under way, else a page
    offering to start it (a POST to ``action``, default this URL with its query string)."""
    kind = kinds.get(kind_name)
    if kind is None:
        raise ValueError(f"unknown job kind {kind_name!r}")
    running = queries.active_job(kind_name, obj, scope)
    if running is not None and permissions.can_view(current_user, running):
        return redirect(detail_url(running))
    latest = queries.latest_result(kind_name, obj, scope)
    if latest is not None and not permissions.can_view(current_user, latest):
        latest = None
    return render_template(
        "jobs/offer.html",
        kind=kind,
        obj=obj,
        described=describe(kind, obj),
        rows_label=format_decimal(rows) if rows else None,
        timezone=getattr(obj, "timezone", None)
        or current_app.config.get("LMS_DEFAULT_TIMEZONE", "Asia/Jakarta"),
        action=action or request.full_path.rstrip("?"),
        latest=latest,
        back=kind.back(obj) if kind.back and obj is not None else None,
        form=ConfirmForm(),
    )


def start(kind_name: str, obj: Any, params: dict[str, Any] | None = None, *, scope: str = ""):
    """Queue the job (or find the one under way) and go to its page. Call it inside the
    view's ``@unit_of_work``: the message is sent after the commit."""
    job, created = operations.start(kind_name, obj, owner=current_user, params=params, scope=scope)
    if not created:
        flash(_("Proses yang sama sudah berjalan; inilah kemajuannya."), "info")
    return redirect(detail_url(job), code=303)


def describe(kind: kinds.JobKind, obj: Any) -> str:
    if obj is None:
        return ""
    if kind.describe is not None:
        return kind.describe(obj)
    name = getattr(obj, "name", None)
    code = getattr(obj, "code", None)
    if name and code:
        return f"{name} ({code})"
    return str(name or obj)
