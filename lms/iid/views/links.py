"""The innovation page's link to its evidence (templates/iid/_innovation_evidence.html)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

from lms.iid import queries


@dataclass(frozen=True)
class YearLink:
    year: int
    url: str
    reported: bool


def evidence_links(region: Any, innovation: Any) -> list[YearLink]:
    """One link per year with rules, newest first; which years it is reported in."""
    reported = queries.years_of(innovation)
    return [
        YearLink(
            year,
            url_for(
                "lms.iid.innovation",
                region_code=region.code,
                year=year,
                innovation_id=innovation.id,
            ),
            year in reported,
        )
        for year in queries.known_years()
    ]
