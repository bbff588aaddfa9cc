"""A region's overview: what it is, its classes, and the visitor's way into its pages."""

from __future__ import annotations

from flask import g, render_template

from lms.regions import bp, queries
from lms.regions.access import region_role
from lms.regions.models import REGION_ROLES, Region


@bp.get("/regions/<region_code>")
@region_role(*REGION_ROLES)
def detail(region_code: str):
    region: Region = g.region
    return render_template(
        "regions/detail.html",
        region=region,
        access=g.access,
        office_counts=queries.office_counts(region),
        role_counts=queries.role_counts(region),
        cohorts=queries.region_cohorts(region),
        children=queries.child_regions(region),
    )
