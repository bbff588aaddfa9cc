"""What the index's pages share: their addresses, loading what the URL names for the visitor,
and the helpers every template receives."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import abort, g, url_for

from lms.iid import checks, queries
from lms.iid.forms import kind_label
from lms.iid.rules import Indicator, RuleSet
from lms.innovations import queries as registry
from lms.innovations.display import format_day, stage_label, state_label
from lms.innovations.models import Innovation
from lms.submissions.fields import VIDEO_ELEMENTS
from lms.submissions.receipts import human_size

BASE = "/regions/<region_code>/iid"
YEAR = BASE + "/<int:year>"
ITEM = YEAR + "/innovations/<int:innovation_id>"
INNOVATION_ROW = ITEM + "/indicators/<indicator_code>"
REGION_ROW = YEAR + "/region/<region_indicator_code>"


def load_innovation(innovation_id: int) -> Innovation:
    """The innovation of the URL in ``g.region`` if the visitor may read it; 404 otherwise
    (another region's, or another office's for an operator)."""
    return registry.innovation_in(g.region, innovation_id, g.access)


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def points(value: Decimal | int | float) -> str:
    """Index points with two decimals, as the index is written."""
    return str(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


def score_text(value: Decimal | int | float) -> str:
    """A score without trailing zeros: 74, 7.4, 0.75."""
    text = format(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def element_labels() -> dict[str, str]:
    return {key: str(label) for key, label in VIDEO_ELEMENTS}


def helpers(rules: RuleSet) -> dict[str, Any]:
    """The names every index template uses."""
    return {
        "rules": rules,
        "points": points,
        "score_text": score_text,
        "format_day": format_day,
        "human_size": human_size,
        "stage_label": stage_label,
        "state_label": state_label,
        "kind_label": kind_label,
        "element_labels": element_labels(),
        "uncertain": checks.uncertain_indicator,
    }


def indicator_url(year: int, innovation_id: int | None, code: str, **values: Any) -> str:
    if innovation_id is None:
        return url_for(
            "lms.iid.region_indicator",
            region_code=g.region.code,
            year=year,
            region_indicator_code=code,
            **values,
        )
    return url_for(
        "lms.iid.indicator",
        region_code=g.region.code,
        year=year,
        innovation_id=innovation_id,
        indicator_code=code,
        **values,
    )


def innovation_url(year: int, innovation_id: int) -> str:
    return url_for(
        "lms.iid.innovation", region_code=g.region.code, year=year, innovation_id=innovation_id
    )


def rules_of(year: int) -> RuleSet:
    return queries.rules_or_404(year)


def step_words() -> dict[str, str]:
    """The words of the gap list, translated once a page (the level's is a template)."""
    from lms.i18n import gettext as _

    return {
        "none": _("belum ada"),
        "video": _("unsur"),
        "bimtek": _("kegiatan"),
        "level": _("tingkat %(n)d"),
    }


def step_text(ind: Indicator, level: int, words: dict[str, str], count: int | None = None) -> str:
    """How a level reads in the gap list: "3 unsur", "2 kegiatan", "tingkat 2", "belum ada"."""
    if level <= 0:
        return words["none"]
    unit = words.get(ind.role or "") if ind.role in ("video", "bimtek") else None
    if unit and ind.derive is not None:
        if count is None:
            span = ind.derive.count_range(level)
            if span is None:
                return words["level"] % {"n": level}
            count = span[0]
        return f"{count} {unit}"
    return words["level"] % {"n": level}
