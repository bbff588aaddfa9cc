"""``flask lms regions ...``: the regions of this instance."""

from __future__ import annotations

import click
from flask.cli import AppGroup

regions_cli = AppGroup("regions", help="Regions (kabupaten, kota, provinsi) and their offices.")


@regions_cli.command("list")
def regions_list_command() -> None:
    """Print each region's code and name, one region a line."""
    from lms.extensions import db
    from lms.regions.models import Region

    for code, name in db.session.execute(db.select(Region.code, Region.name).order_by(Region.code)):
        click.echo(f"{code} {name}")
