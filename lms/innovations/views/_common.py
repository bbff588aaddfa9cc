"""What the registry's pages share: loading the innovation of the URL for the visitor, its
address, and the labels every template uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, g, url_for
from flask_babel import get_locale

from lms import profile
from lms.innovations import display, queries
from lms.innovations.models import Innovation
from lms.regions.access import RegionAccess
from lms.submissions.receipts import human_size


def load(
    innovation_id: int, may: Callable[[RegionAccess, Innovation], bool] | None = None
) -> Innovation:
    """The innovation of the URL in ``g.region``, if the visitor may read it (404 otherwise)
    and, with ``may`` (a ``permissions.can_<verb>``), do the route's action (403 otherwise)."""
    innovation = queries.innovation_in(g.region, innovation_id, g.access)
    if may is not None:
        require(may(g.access, innovation))
    return innovation


def require(allowed: bool) -> None:
    """An action the visitor's region role does not allow on this innovation: 403."""
    if not allowed:
        abort(403)


def detail_url(innovation: Innovation) -> str:
    return url_for("lms.innovations.detail", region_code=g.region.code, innovation_id=innovation.id)


def back_to_detail(region_code: str, innovation_id: int, **_: Any) -> str:
    """``back=`` of the writing routes: the innovation's page."""
    return url_for("lms.innovations.detail", region_code=region_code, innovation_id=innovation_id)


def locale() -> str:
    return str(get_locale() or "id")


def labels() -> dict[str, Any]:
    """The label helpers every registry template receives."""
    return {
        "state_label": display.state_label,
        "stage_label": display.stage_label,
        "state_labels": display.state_labels(),
        "stage_labels": display.stage_labels(),
        "file_role_labels": display.file_role_labels(),
        "confirmation_labels": display.confirmation_labels(),
        "format_day": display.format_day,
        "label_of": profile.label_of,
        "human_size": human_size,
    }
