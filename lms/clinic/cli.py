"""``flask lms clinic ...``: check the stage file, run the follow-up schedule."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

clinic_cli = AppGroup("clinic", help="Klinik Inovasi: the stage file and the follow-ups.")


@clinic_cli.command("check")
@click.argument("path", required=False)
def check_command(path: str | None) -> None:
    """Check the stage file (the one in force, or PATH); print file:line: message."""
    from lms.clinic.stages import load_stages, stage_file
    from lms.datafiles import check_files

    check_files(
        [Path(path) if path else stage_file(current_app.config)],
        load_stages,
        lambda stages: (
            f"{len(stages.stages)} stages: {', '.join(stages.keys)}; "
            f"{sum(len(s.criteria) for s in stages.stages)} criteria; deliver = {stages.deliver}"
        ),
        what="stage file",
        path=path,
    )


@clinic_cli.command("follow-ups")
def follow_ups_command() -> None:
    """Create the missing follow-ups (3, 6, 12 months after Deliver or after a class's graded
    proposals), tell innovators of those now due and owners of overdue action items. Safe
    to run again: each is created and told once."""
    from lms.clinic import operations
    from lms.extensions import db
    from lms.notifications import mail

    report = operations.run_schedule()
    db.session.commit()
    sent = mail.deliver()
    click.echo(f"{report}; e-mail {sent}")
