"""``flask lms mail ...``: the outbox of e-mails."""

from __future__ import annotations

import click
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="E-mail notifications: the outbox and its retries.")


@mail_cli.command("retry")
@click.option(
    "--all", "every", is_flag=True, help="Send every pending message now, ignoring the backoff."
)
def retry_command(every: bool) -> None:
    """Send the outbox messages that are due (failed ones wait 1, 2, 4 ... minutes)."""
    from lms.notifications import mail

    if not mail.enabled():
        raise click.ClickException("LMS_SMTP_HOST is not set: nothing can be sent.")
    report = mail.deliver(every=every)
    click.echo(f"{report}; {mail.pending_count()} still pending")
    if report.failed:
        raise SystemExit(1)
