"""Matching the free-text offices of a region's people with its offices, once."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.regions import bp, operations, queries
from lms.regions.access import region_role
from lms.regions.forms import MatchForm
from lms.unit_of_work import unit_of_work

#: Rows a page shows: each carries a choice of every office, and coordinators use phones too.
PAGE_SIZE = 40


def _view_args() -> dict:
    """The page's filter: texts still to link (default) or all, and the page number."""
    page = request.args.get("page", type=int) or 1
    return {"all": 1 if request.args.get("all") == "1" else None, "page": max(page, 1)}


def _match_page(problem: DomainError | None = None, region_code: str = "", form=None):
    offices = queries.offices(g.region)
    texts = queries.office_texts(g.region, offices)
    args = _view_args()
    shown = texts if args["all"] else [t for t in texts if t.unlinked]
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(args["page"], pages)
    if form is None:
        rows = [
            {"key": t.key, "office_id": t.preselected}
            for t in shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]
        form = MatchForm.for_region(g.region, rows)
    show_problem(problem, form)
    return render_template(
        "regions/match.html",
        region=g.region,
        form=form,
        texts={t.key: t for t in texts},
        total=len(texts),
        shown=len(shown),
        page=page,
        pages=pages,
        show_all=args["all"],
    )


@bp.route("/regions/<region_code>/offices/match", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_match_page)
def match(region_code: str):
    if request.method != "POST":
        return _match_page()
    form = MatchForm.for_region(g.region)
    if not form.validate_on_submit():
        return _match_page(form=form)
    offices = {o.id: o for o in queries.offices(g.region)}
    changed = 0
    for entry in form.rows:
        office_id = entry.form.office_id.data
        if office_id is not None:
            changed += operations.link_text(
                g.region, entry.form.key.data or "", offices[office_id], actor=current_user
            )
    if changed:
        flash(
            _("Unit kerja %(n)d orang sudah ditautkan ke perangkat daerah.", n=changed), "success"
        )
    else:
        flash(_("Tidak ada yang berubah."), "info")
    return redirect(url_for("lms.regions.match", region_code=region_code, **_view_args()))
