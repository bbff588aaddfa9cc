"""``flask lms certificates check-schemes [PATH]`` and ``store-pdfs [COHORT_CODE]`` (added to
the ``certificates`` group of ``lms/cli.py``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("check-schemes")
@click.argument("path", required=False)
@with_appcontext
def check_schemes_command(path: str | None) -> None:
    """Check qualification scheme files (all known ones, or those at PATH); print
    file:line: message for each problem and exit 1 when there is any."""
    from lms.certificates.qualification import load_scheme, scheme_files
    from lms.datafiles import check_files, files_under

    def summary(scheme) -> str:
        bands = ", ".join(f"{band.label} ≥ {band.min:g}" for band in scheme.bands("id"))
        return f"{scheme.name}: {bands}"

    files = files_under(Path(path)) if path else scheme_files(current_app.config)
    check_files(files, load_scheme, summary, what="scheme file", path=path)


@click.command("store-pdfs")
@click.argument("cohort_code", required=False)
@with_appcontext
def store_pdfs_command(cohort_code: str | None) -> None:
    """Store again the certificate PDFs that are missing or out of date (after a new logo
    or layout, or another LMS_PUBLIC_URL), for one class or all; needs LMS_PUBLIC_URL."""
    from lms.certificates import operations, pdf
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    if not pdf.addresses_known():
        raise click.ClickException("set LMS_PUBLIC_URL: the PDFs print the verification address")
    if cohort_code:
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=cohort_code))
        if cohort is None:
            raise click.ClickException(f"no cohort with code {cohort_code}")
        cohorts = [cohort]
    else:
        ids = db.session.scalars(db.select(Certificate.cohort_id).distinct()).all()
        cohorts = list(db.session.scalars(db.select(Cohort).where(Cohort.id.in_(ids))))
    for cohort in sorted(cohorts, key=lambda c: c.code):
        count = operations.refresh_pdfs(cohort)
        db.session.commit()
        click.echo(f"{cohort.code}: {count} PDF(s) stored")
