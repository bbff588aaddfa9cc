"""The region's score of a year: index and predicate claimed and verified beside last year,
each innovation's contribution, the gap list ranked by index points, and what-if.

What-if recomputes with :func:`lms.iid.scoring.what_if`, never writing: without JavaScript by a
form post that renders this page again; with it (lms/static/iid-whatif.js) by posting the same
changes to the JSON endpoint, so the formula exists once, in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, jsonify, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.iid import bp, permissions, queries, scoring
from lms.iid.checks import uncertain_indicator
from lms.iid.forms import (
    WhatIfBase,
    WhatIfRow,
    parse_what_if_json,
    what_if_changes,
    what_if_form,
    what_if_key,
)
from lms.iid.views._common import (
    BASE,
    YEAR,
    helpers,
    indicator_url,
    innovation_url,
    rules_of,
    step_text,
    step_words,
)
from lms.paging import Page, requested
from lms.regions.access import region_role
from lms.unit_of_work import unit_of_work

PER_PAGE = 25
#: Drawn tables kept per analysis (languages x pages x gap list sizes).
FRAGMENTS = 64
GAP_SIZES = (20, 100, 500)


@bp.get(BASE)
@region_role(*permissions.READER_ROLES)
def index(region_code: str):
    """The years with rules; a coordinator or leader goes to the score, an operator to the list."""
    return render_template(
        "iid/index.html",
        region=g.region,
        years=queries.known_years(),
        sees_score=g.access.has(*permissions.SCORE_ROLES),
    )


@dataclass(frozen=True)
class GapRow:
    gap: scoring.Gap
    key: str
    label: str
    url: str
    uncertain: bool


def _gap_rows(result: queries.Analysis, size: int) -> list[GapRow]:
    rules, data = result.rules, result.data
    words = step_words()
    label_of = _("%(indicator)s: %(before)s → %(after)s: +%(points)s poin")
    rows = []
    for gap in result.gaps[:size]:
        ind = rules.indicator(gap.code)
        count = None
        if ind.role == "video" and gap.innovation_id is not None:
            klass = data.classes.get(gap.innovation_id)
            if klass and klass.video and data.derived(gap.innovation_id, gap.code) == gap.level:
                count = len(klass.video.elements)
        label = label_of % {
            "indicator": gap.name,
            "before": step_text(ind, gap.level, words, count),
            "after": step_text(ind, gap.top_level, words),
            "points": gap.gain_top,
        }
        rows.append(
            GapRow(
                gap=gap,
                key=what_if_key(gap.innovation_id, gap.code),
                label=label,
                url=indicator_url(data.year, gap.innovation_id, gap.code),
                uncertain=uncertain_indicator(ind),
            )
        )
    return rows


def _gap_size() -> int:
    wanted = requested(request.args.get("gaps"))
    return wanted if wanted in GAP_SIZES else GAP_SIZES[0]


def _fragment(result: queries.Analysis, key: tuple, make) -> Any:
    """What ``make()`` builds for this analysis, language and mount, kept with the analysis:
    a cached page draws its tables once, not on every request."""
    full = (*key, str(get_locale()), request.script_root)
    found = result.fragments.get(full)
    if found is None:
        found = make()
        if len(result.fragments) < FRAGMENTS:
            result.fragments[full] = found
    return found


def _score_page(
    problem: DomainError | None = None,
    year: int = 0,
    *,
    what_if=None,
    form=None,
    **_ignored,
):
    rules = rules_of(year)
    result = queries.analysis(g.region, year, rules)
    size = _gap_size()
    gaps = _fragment(result, ("gaps", size), lambda: _gap_rows(result, size))
    page = Page.of(requested(request.args.get("page")), len(result.contributions), PER_PAGE)
    values = helpers(rules)
    shared = {"region": g.region, "year": year, "result": result, **values}
    if form is None:  # the page as loaded: its levels are the analysis's, drawn once
        form = WhatIfBase(formdata=None)
        selected = {row.key: row.gap.level for row in gaps}
        gap_rows = _fragment(
            result,
            ("gap-rows", size),
            lambda: Markup(
                render_template("iid/_score_gap_rows.html", gaps=gaps, selected=selected, **shared)
            ),
        )
    else:  # a what-if post: the levels chosen, as sent
        selected = {row.key: form[row.key].data for row in gaps}
        gap_rows = Markup(
            render_template("iid/_score_gap_rows.html", gaps=gaps, selected=selected, **shared)
        )
    summary = (
        Markup(render_template("iid/_score_summary.html", what_if=what_if, **shared))
        if what_if is not None
        else _fragment(
            result,
            ("summary",),
            lambda: Markup(render_template("iid/_score_summary.html", what_if=None, **shared)),
        )
    )
    contributions = _fragment(
        result,
        ("contributions", page.number),
        lambda: Markup(
            render_template(
                "iid/_score_contributions.html",
                contributions=page.rows_of(result.contributions),
                page=page,
                innovation_url=innovation_url,
                **shared,
            )
        ),
    )
    show_problem(problem)
    return render_template(
        "iid/score.html",
        summary=summary,
        gap_rows=gap_rows,
        contributions=contributions,
        has_gaps=bool(gaps),
        gap_size=size,
        gap_sizes=GAP_SIZES,
        form=form,
        what_if=what_if,
        can_set_stored=permissions.can_set_stored_index(g.access),
        **shared,
    )


@bp.get(YEAR)
@region_role(*permissions.SCORE_ROLES)
def score(region_code: str, year: int):
    return _score_page(year=year)


@bp.post(YEAR + "/what-if")
@region_role(*permissions.SCORE_ROLES)
@unit_of_work(render=_score_page)
def what_if(region_code: str, year: int):
    """The page again with the chosen levels counted; nothing is saved."""
    rules = rules_of(year)
    result = queries.analysis(g.region, year, rules)
    size = _gap_size()
    gaps = _fragment(result, ("gaps", size), lambda: _gap_rows(result, size))
    rows = [
        WhatIfRow(r.key, r.gap.innovation_id, r.gap.code, r.gap.level, r.gap.top_level)
        for r in gaps
    ]
    form = what_if_form(rows)
    if not form.validate_on_submit():
        return _score_page(year=year, form=form)
    changed = scoring.what_if(rules, result.data.inputs(), what_if_changes(form), form.which.data)
    return _score_page(year=year, form=form, what_if=changed)


def _summary(result: scoring.RegionScore) -> dict:
    data = result.as_dict()
    return {
        k: data[k]
        for k in ("spd", "sid", "total", "max_total", "index", "predicate", "n", "divisor")
    }


@bp.post(YEAR + "/what-if.json")
@region_role(*permissions.SCORE_ROLES)
@unit_of_work
def what_if_json(region_code: str, year: int):
    """{"which", "changes": [{"innovation_id", "code", "level"}]} -> the new summary."""
    rules = rules_of(year)
    result = queries.analysis(g.region, year, rules)
    ids = {s.id for s in result.data.reported()}
    try:
        which, changes = parse_what_if_json(request.get_json(silent=True), rules, ids)
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 400
    changed = scoring.what_if(rules, result.data.inputs(), changes, which)
    return jsonify({"which": which, **_summary(changed)})
