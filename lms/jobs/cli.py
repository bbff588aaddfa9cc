"""``flask lms worker`` (one Huey consumer) and ``flask lms jobs clean|list``."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

jobs_cli = AppGroup("jobs", help="Background jobs: clean up, list.")


@click.command("worker")
@click.option(
    "--threads",
    type=int,
    default=None,
    help="Jobs run at once by this worker (default LMS_JOBS_THREADS, 2).",
)
@with_appcontext
def worker_command(threads: int | None) -> None:
    """Run jobs from the queue (LMS_JOBS_URL) until stopped (SIGTERM or Ctrl-C: the jobs
    under way get LMS_JOBS_SHUTDOWN_SECONDS to finish; what is cut off runs again)."""
    from lms.jobs import queue, tasks

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = queue.of(app)
    if state.in_process:
        raise click.ClickException(
            "LMS_JOBS_URL=memory:// is this process's own queue: no worker can consume it."
        )
    # Huey's own lines (each job started and finished) on stderr, beside the app's "lms.*".
    huey_log = logging.getLogger("huey")
    huey_log.setLevel(logging.INFO)
    if not huey_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        huey_log.addHandler(handler)
    logging.getLogger("lms.jobs").setLevel(logging.INFO)
    click.echo(f"Kelas Inovasi job worker on {queue.describe_url(app)}", err=True)
    # Jobs of workers that were killed before this one started are taken up at once.
    tasks.sweep(app)
    consumer = state.create_consumer(threads)
    consumer.run()


@jobs_cli.command("clean")
def clean_command() -> None:
    """Reclaim jobs of stopped workers, expire old results and delete their files (the
    workers also do this every minute)."""
    from lms.jobs import tasks

    report = tasks.sweep(current_app._get_current_object())  # type: ignore[attr-defined]
    for line in report.lines():
        click.echo(line)


@jobs_cli.command("list")
@click.option("--limit", type=int, default=30, show_default=True)
def list_command(limit: int) -> None:
    """Print the newest jobs: id, kind, object, state, progress, attempts, created."""
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.jobs.models import Job

    rows = db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit))
    for job in rows:
        click.echo(
            f"{job.id}\t{job.kind}\t{job.object_type}:{job.object_id}\t{job.state}"
            f"\t{job.progress}%\t{job.attempts}\t{job.created_dt:%Y-%m-%d %H:%M:%S}"
        )
