"""``flask lms ...`` commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from lms.certificates.cli import check_schemes_command, store_pdfs_command
from lms.clinic.cli import clinic_cli
from lms.iid.cli import iid_cli
from lms.jobs.cli import jobs_cli, worker_command
from lms.notifications.cli import mail_cli
from lms.regions.cli import regions_cli

lms_cli = AppGroup("lms", help="Kelas Inovasi: database, demo data and administration.")


@lms_cli.command("init")
def init_command() -> None:
    """Create or upgrade the LMS's tables to the newest migration (beside any of the host's)."""
    from alembic.util import CommandError

    from lms import migrating

    try:
        how = migrating.init_schema()
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Database is at the newest schema ({how}).")


@lms_cli.command("demo")
def demo_command() -> None:
    """Load the demo data (idempotent). Refused on a database with real accounts."""
    from lms.demo import DemoRefused, load_demo

    try:
        summary = load_demo()
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary)


@lms_cli.command("create-admin")
@click.option("--email", prompt="Email")
@click.option("--name", "full_name", prompt="Full name")
@click.password_option("--password", prompt="Password", confirmation_prompt=True)
def create_admin_command(email: str, full_name: str, password: str) -> None:
    """Create an administrator (the password is prompted, never on the command line)."""
    from email_validator import EmailNotValidError, validate_email

    from lms.accounts import operations
    from lms.accounts.forms import MIN_PASSWORD
    from lms.extensions import db

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.ClickException(f"Invalid email: {exc}") from None
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password needs at least {MIN_PASSWORD} characters.")
    if not full_name.strip():
        raise click.ClickException("The name is empty.")
    existing = operations.find_by_identifier(email)
    if existing is not None:
        operations.set_admin(existing, True, actor=None)
        db.session.commit()
        click.echo(f"{existing.email} already existed and is now an administrator.")
        return
    try:
        operations.create_user(email=email, full_name=full_name, password=password, is_admin=True)
    except operations.DuplicateError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Administrator {email.lower()} created.")


courses_cli = AppGroup("courses", help="Course packs: check and load them.")
lms_cli.add_command(courses_cli)


def _pack_dirs(path: str | None) -> list:
    from pathlib import Path

    from flask import current_app

    from lms import COURSES_DIR
    from lms.catalog.packs import discover, pack_dirs_under

    if path:
        return pack_dirs_under(Path(path))
    return discover(COURSES_DIR, current_app.config.get("LMS_COURSE_PATHS", ""))


@courses_cli.command("check")
@click.argument("path", required=False)
def courses_check_command(path: str | None) -> None:
    """Check packs (all known ones, or those at PATH); print file:line: message."""
    from lms.catalog.packs import load_pack
    from lms.datafiles import nothing_found, report_problems

    dirs = _pack_dirs(path)
    if not dirs:
        raise nothing_found("course pack", path)
    if report_problems(p for pack_dir in dirs for p in load_pack(pack_dir)[1]):
        raise SystemExit(1)
    click.echo(f"{len(dirs)} pack(s) OK: {', '.join(d.name for d in dirs)}")


@courses_cli.command("sync")
def courses_sync_command() -> None:
    """Load every pack into the database (idempotent; removed lessons are archived)."""
    from lms.catalog.operations import sync_all
    from lms.extensions import db

    report = sync_all(_pack_dirs(None))
    db.session.commit()
    for line in report.lines:
        click.echo(line)
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    if report.problems:
        raise SystemExit(1)


attendance_cli = AppGroup("attendance", help="Meetings and check-in codes.")
lms_cli.add_command(attendance_cli)


@attendance_cli.command("meetings")
@click.option("--open", "only_open", is_flag=True, help="Only meetings whose check-in is open now.")
def attendance_meetings_command(only_open: bool) -> None:
    """List meetings: id, cohort code, title, local start, check-in window."""
    from lms.attendance.models import Meeting
    from lms.db import utcnow
    from lms.extensions import db
    from lms.timefmt import local

    now = utcnow()
    meetings = db.session.scalars(db.select(Meeting).order_by(Meeting.start_dt)).all()
    for m in meetings:
        if only_open and not m.window_open(now):
            continue
        tz = m.cohort.timezone
        click.echo(
            f"{m.id}\t{m.cohort.code}\t{m.title}\t{local(m.start_dt, tz):%Y-%m-%d %H:%M}"
            f"\t{local(m.opens_dt, tz):%H:%M}-{local(m.closes_dt, tz):%H:%M} {tz}"
        )


@attendance_cli.command("code")
@click.argument("meeting_id", type=int)
def attendance_code_command(meeting_id: int) -> None:
    """Print the meeting's current check-in code."""
    from lms.attendance import codes
    from lms.attendance.models import Meeting
    from lms.extensions import db

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise click.ClickException(f"no meeting {meeting_id}")
    click.echo(codes.current_code(meeting.secret))


lms_cli.add_command(iid_cli)
lms_cli.add_command(regions_cli)
lms_cli.add_command(jobs_cli)
lms_cli.add_command(worker_command)
lms_cli.add_command(clinic_cli)
lms_cli.add_command(mail_cli)

certificates_cli = AppGroup("certificates", help="Issued certificates.")
lms_cli.add_command(certificates_cli)
certificates_cli.add_command(check_schemes_command)
certificates_cli.add_command(store_pdfs_command)


@certificates_cli.command("list")
@click.argument("cohort_code")
def certificates_list_command(cohort_code: str) -> None:
    """Print number, verification code, participant and state, one certificate per line."""
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    cohort = db.session.scalar(db.select(Cohort).filter_by(code=cohort_code))
    if cohort is None:
        raise click.ClickException(f"no cohort with code {cohort_code}")
    rows = db.session.scalars(
        db.select(Certificate).filter_by(cohort_id=cohort.id).order_by(Certificate.seq)
    )
    for c in rows:
        click.echo(f"{c.number}\t{c.code}\t{c.snapshot.get('name', '')}\t{c.state}")


def _backup_commands() -> None:
    from lms import backup

    backup.register(lms_cli)


_backup_commands()


def register(app: Flask) -> None:
    if "lms" not in app.cli.commands:
        app.cli.add_command(lms_cli)
