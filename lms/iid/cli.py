"""``flask lms iid ...``: check the yearly rule files, list the loaded years, score a region
(from the database, or levels given in a JSON file)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

iid_cli = AppGroup("iid", help="Regional innovation index (IID): yearly rules and scores.")


@iid_cli.command("check")
@click.argument("path", required=False)
def check_command(path: str | None) -> None:
    """Check rule files (all known ones, or those at PATH); print file:line: message."""
    from lms.datafiles import check_files, files_under
    from lms.iid.rules import load_rules, rule_files

    check_files(
        files_under(Path(path)) if path else rule_files(current_app.config),
        load_rules,
        lambda rules: (
            f"{rules.year}, {len(rules.indicators)} indicators + count rule, "
            f"{len(rules.uncertain)} uncertain"
        ),
        what="rule file",
        path=path,
    )


@iid_cli.command("rules")
def rules_command() -> None:
    """List the loaded years: title, indicators, minimum divisor, uncertain items, file."""
    from lms.iid.rules import discover

    found, problems = discover(current_app.config)
    for problem in problems:
        click.echo(f"skipped (see `lms iid check`): {problem}", err=True)
    if not found:
        raise click.ClickException("no IID rules loaded")
    for year, rules in found.items():
        click.echo(
            f"{year}\t{rules.title}\t{len(rules.region_indicators)} region / "
            f"{len(rules.innovation_indicators)} per-innovation indicators\t"
            f"divisor MAX({rules.divisor_min}, n)\t{len(rules.uncertain)} uncertain\t"
            f"{rules.origin}: {rules.path}"
        )


@iid_cli.command("score")
@click.argument("region_code")
@click.argument("year", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--claimed", is_flag=True, help="Claimed levels instead of verified ones.")
def score_command(region_code: str, year: int, as_json: bool, claimed: bool) -> None:
    """Score REGION (its code) for YEAR from the evidence in the database: verified levels
    unless --claimed. The numbers are the score page's (lms.iid.queries.region_score)."""
    from lms.extensions import db
    from lms.iid.queries import region_score
    from lms.iid.rules import UnknownYear
    from lms.regions.models import Region

    region = db.session.scalar(db.select(Region).filter_by(code=region_code))
    if region is None:
        raise click.ClickException(f"no region with code {region_code!r}")
    try:
        result = region_score(region, year, "claimed" if claimed else "verified")
    except UnknownYear as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    which = "claimed" if claimed else "verified"
    click.echo(f"{region.name} ({region.code}), IID {year}, {which} levels")
    click.echo(
        f"index {result.index} ({result.predicate.name}); SPD {result.spd}, "
        f"SID {_short(result.sid)}, total {_short(result.total)} of {result.max_total}"
    )
    click.echo(f"n = {result.n} innovations, divisor MAX(..., n) = {result.divisor}")
    for item in result.innovations:
        click.echo(f"  {item.id}\t{item.score}\t{item.name}")


def _short(value) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


@iid_cli.command("score-file")
@click.argument("input_file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--which", type=click.Choice(["verified", "claimed"]), default="verified")
def score_file_command(input_file, which: str) -> None:
    """Score levels given as JSON (INPUT_FILE or stdin), without the database; print JSON.

    {"year": 2023, "region": {"SPD-01": 2}, "innovations": [{"id": 1, "name": "...",
    "urusan": "Kesehatan", "levels": {"SID-35": [3, 2]}}]} -- a pair is [claimed, verified].
    """
    from lms.iid.rules import UnknownYear, rules_for
    from lms.iid.scoring import InnovationInput, Inputs, score

    try:
        data = json.load(input_file)
        rules = rules_for(int(data["year"]), current_app.config)
        inputs = Inputs(
            region={k: _level(v) for k, v in data.get("region", {}).items()},
            innovations=[
                InnovationInput(
                    id=i.get("id"),
                    name=i.get("name", ""),
                    levels={k: _level(v) for k, v in i.get("levels", {}).items()},
                    urusan=i.get("urusan", ()),
                )
                for i in data.get("innovations", [])
            ],
        )
        result = score(rules, inputs, which)
    except (ValueError, KeyError, TypeError, UnknownYear) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))


def _level(value):
    return tuple(value) if isinstance(value, list) else value
