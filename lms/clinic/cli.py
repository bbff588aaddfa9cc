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

    file = Path(path) if path else stage_file(current_app.config)
    stages, problems = load_stages(file)
    for problem in problems:
        click.echo(str(problem))
    if stages is None:
        raise SystemExit(1)
    criteria = sum(len(s.criteria) for s in stages.stages)
    click.echo(
        f"{file}: OK ({len(stages.stages)} stages: {', '.join(stages.keys)}; {criteria} "
        f"criteria; deliver = {stages.deliver})"
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
