"""A job's page (progress, then the download), its JSON for the progress script, the list
of one's own jobs, and the admin's backups page."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import format_decimal
from flask_login import current_user

from lms.db import utcnow
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.i18n import gettext as _
from lms.jobs import bp, kinds, pages, permissions, queries, queue, results
from lms.jobs.models import Job
from lms.security import admin_required, login_required
from lms.unit_of_work import unit_of_work

#: Seconds between two reloads of a job's page without JavaScript.
REFRESH_SECONDS = 5
#: A job queued longer than this without a worker taking it gets a hint on its page.
WAITING_HINT_SECONDS = 120


@bp.record_once
def _set_up(state: Any) -> None:
    """Per app: the queue, every module's job kinds, the in-process consumer of the dev
    server (started by the first request, never at import or in commands)."""
    app: Flask = state.app
    from lms import MODULES
    from lms.jobs import site_backup  # noqa: F401  (registers the backup kind)

    kinds.discover(MODULES)
    jobs_queue = queue.init_app(app)
    if jobs_queue.embedded:

        def start_consumer() -> None:
            jobs_queue.start_embedded()

        app.before_request_funcs.setdefault(None, []).append(start_consumer)


# --- helpers ------------------------------------------------------------------------------


def _visible(job_id: int) -> Job:
    """The job, for someone who may see it; 404 for everyone else (no hint it exists)."""
    job = db.get_or_404(Job, job_id)
    if not permissions.can_view(current_user, job):
        abort(404)
    return job


def size_label(size: int | None) -> str:
    if not size:
        return ""
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(max(1, round(size / 1024))))
    return _("%(n)s MB", n=format_decimal(round(size / 1048576, 1)))


def _timezone(obj: Any) -> str:
    return getattr(obj, "timezone", None) or current_app.config.get(
        "LMS_DEFAULT_TIMEZONE", "Asia/Jakarta"
    )


def _object_of(job: Job) -> Any:
    kind = kinds.get(job.kind)
    if kind is None or kind.model is None:
        return None
    return db.session.get(kind.model, job.object_id)


def _status(job: Job) -> dict[str, Any]:
    downloadable = job.state == "done" and permissions.why_no_download(job) is None
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "finished": job.finished,
        "progress": job.progress,
        "message": _(job.message) if job.message else "",
        "error": _(job.error) if job.error else "",
        "download_url": url_for("lms.jobs.download", job_id=job.id) if downloadable else None,
        "result_name": job.result_name if downloadable else None,
        "result_size": job.result_size if downloadable else None,
        "expires_at": job.expires_dt.isoformat() if downloadable and job.expires_dt else None,
        "attempts": job.attempts,
    }


# --- pages --------------------------------------------------------------------------------


@bp.get("/jobs")
@login_required
def mine():
    jobs = queries.jobs_of(current_user)
    objects = queries.objects_of(jobs)
    return render_template(
        "jobs/list.html",
        jobs=jobs,
        rows=[
            (
                job,
                kinds.get(job.kind),
                objects.get((job.object_type, job.object_id)),
            )
            for job in jobs
        ],
        describe=pages.describe,
        timezone=current_app.config.get("LMS_DEFAULT_TIMEZONE", "Asia/Jakarta"),
        state_labels=state_labels(),
    )


@bp.get("/jobs/<int:job_id>")
@login_required
def detail(job_id: int):
    job = _visible(job_id)
    kind = kinds.get(job.kind)
    obj = _object_of(job)
    waiting = (
        job.state == "queued"
        and job.created_dt is not None
        and (utcnow() - job.created_dt).total_seconds() > WAITING_HINT_SECONDS
    )
    response = current_app.make_response(
        render_template(
            "jobs/detail.html",
            job=job,
            kind=kind,
            described=pages.describe(kind, obj) if kind else "",
            back=kind.back(obj) if kind and kind.back and obj is not None else None,
            status=_status(job),
            no_download=permissions.why_no_download(job),
            size=size_label(job.result_size),
            timezone=_timezone(obj),
            refresh=REFRESH_SECONDS if job.active else None,
            waiting=waiting,
            state_labels=state_labels(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<int:job_id>.json")
@login_required
def status(job_id: int):
    response = jsonify(_status(_visible(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _visible(job_id)
    problem = permissions.why_no_download(job)
    if problem is not None:
        flash(problem, "error")
        return redirect(url_for("lms.jobs.detail", job_id=job.id))
    return results.send(job.result_key, job.result_name or "hasil")


def state_labels() -> dict[str, str]:
    return {
        "queued": _("Menunggu"),
        "running": _("Berjalan"),
        "done": _("Selesai"),
        "failed": _("Gagal"),
        "expired": _("Kedaluwarsa"),
    }


# --- the admin's backups ------------------------------------------------------------------


@bp.route("/admin/backups", methods=["GET", "POST"])
@admin_required
@unit_of_work
def backups():
    from lms.jobs.site_backup import BACKUP

    form = ConfirmForm()
    if form.validate_on_submit():
        return pages.start(BACKUP, None)
    return render_template(
        "jobs/backups.html",
        form=form,
        running=queries.active_job(BACKUP, None),
        jobs=queries.recent(BACKUP),
        size_label=size_label,
        timezone=current_app.config.get("LMS_DEFAULT_TIMEZONE", "Asia/Jakarta"),
        state_labels=state_labels(),
        hours=current_app.config.get("LMS_JOB_RESULT_HOURS") or 24,
    )
