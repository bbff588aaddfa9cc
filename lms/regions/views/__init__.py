"""The region pages: admin (regions), overview, offices and their import, people, matching."""

from lms.regions import bp
from lms.regions.forms import Labels
from lms.regions.views import admin, matching, offices, overview, people  # noqa: F401


@bp.app_context_processor
def _region_labels() -> dict:
    return {"region_labels": Labels}
