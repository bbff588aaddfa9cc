"""A region's innovations and its index score (IID) for a year."""

from __future__ import annotations

from flask import g

from lms.api import v1
from lms.api.access import api_region
from lms.api.openapi import answers, security, spec
from lms.api.problems import ApiProblem
from lms.api.schemas import (
    IndexQuery,
    InnovationList,
    InnovationOut,
    InnovationQuery,
    RegionScoreOut,
)
from lms.i18n import gettext as _
from lms.iid import permissions as iid_permissions
from lms.iid import queries as iid_queries
from lms.iid.rules import UnknownYear
from lms.innovations import permissions as innovation_permissions
from lms.innovations import queries as innovation_queries

REGISTRY = "read:registry"
INDEX = "read:index"


@v1.get("/regions/<region_code>/innovations")
@api_region(*innovation_permissions.READER_ROLES, scope=REGISTRY)
@spec.validate(
    query=InnovationQuery,
    resp=answers({200: InnovationList}, 404),
    tags=["regions"],
    operation_id="listInnovations",
    security=security(REGISTRY),
)
def innovations(region_code: str, query: InnovationQuery):
    """One page (50) of the region's innovations, newest change first, filtered as the
    registry page. Rule: coordinators and leaders (every office), office operators (their
    office's)."""
    filters = innovation_queries.Filters(
        office_id=query.office_id,
        stage=query.stage or "",
        state=query.state or "",
        year=query.year,
        q=query.q or "",
        page=query.page,
    )
    page = innovation_queries.innovation_list(g.region, g.access, filters)
    return InnovationList(
        region_code=g.region.code,
        page=page.page.number,
        pages=page.page.pages,
        total=page.page.total,
        innovations=[
            InnovationOut(
                id=i.id,
                name=i.name,
                office_id=i.office_id,
                office_name=i.office.name,
                stage=i.stage,
                state=i.state,
                latest_version=i.latest_number,
                published=i.published_dt is not None,
                updated_at=i.updated_dt,
            )
            for i in page.rows
        ],
    )


@v1.get("/regions/<region_code>/iid/<year>")
@api_region(*iid_permissions.SCORE_ROLES, scope=INDEX)
@spec.validate(
    query=IndexQuery,
    resp=answers({200: RegionScoreOut}, 404),
    tags=["regions"],
    operation_id="getRegionIndex",
    security=security(INDEX),
)
def index_score(region_code: str, year: int, query: IndexQuery):
    """The region's index for the year from its evidence (verified levels unless
    `which=claimed`): the keys of `flask lms iid score --json`. Rule: coordinators and
    leaders."""
    try:
        result = iid_queries.region_score(g.region, year, query.which)
    except UnknownYear:
        raise ApiProblem(
            404, "index_year_unknown", _("Belum ada ketentuan IID untuk tahun %(year)d.", year=year)
        ) from None
    return RegionScoreOut.model_validate(result.as_dict())
