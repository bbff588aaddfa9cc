"""A region's people: their region roles, giving one and taking it away."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.regions import bp, operations, permissions, queries
from lms.regions.access import region_role
from lms.regions.forms import RoleAddForm
from lms.unit_of_work import unit_of_work


def _people_url(region_code: str, **_: object) -> str:
    return url_for("lms.regions.people", region_code=region_code)


@bp.get("/regions/<region_code>/people")
@region_role("coordinator")
def people(region_code: str):
    return render_template(
        "regions/people.html",
        region=g.region,
        rows=queries.memberships(g.region),
        form=RoleAddForm(formdata=None, region=g.region),
        confirm_form=ConfirmForm(formdata=None),
    )


def _add_page(problem: DomainError | None = None, region_code: str = "", form=None):
    form = form or RoleAddForm(region=g.region)
    show_problem(problem, form)
    return render_template("regions/role_add.html", region=g.region, form=form)


@bp.route("/regions/<region_code>/people/add", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_add_page)
def role_add(region_code: str):
    form = RoleAddForm(region=g.region)
    if not form.validate_on_submit():
        return _add_page(form=form)
    office = queries.office_in(g.region, form.office_id.data) if form.office_id.data else None
    result = operations.add_role(
        g.region,
        identifier=form.identifier.data,
        role=form.role.data,
        office=office,
        full_name=form.full_name.data or "",
        actor=current_user,
    )
    name = result.user.full_name
    if result.outcome == "unchanged":
        flash(_("%(name)s sudah memegang peran itu.", name=name), "info")
    elif result.outcome == "office_changed":
        flash(_("Perangkat daerah %(name)s sudah diubah.", name=name), "success")
    else:
        flash(_("Peran %(name)s sudah ditambahkan.", name=name), "success")
    if result.initial_password:  # shown once, on this page only
        return render_template("regions/role_added.html", region=g.region, result=result)
    return redirect(_people_url(region_code))


@bp.post("/regions/<region_code>/people/<int:region_membership_id>/remove")
@region_role("coordinator")
@unit_of_work(back=_people_url)
def role_remove(region_code: str, region_membership_id: int):
    membership = queries.membership_in(g.region, region_membership_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if reason := permissions.why_not_remove(current_user, membership):
        flash(reason, "error")
    else:
        name = membership.user.full_name
        operations.remove_role(membership, actor=current_user)
        flash(_("Peran %(name)s sudah dicabut.", name=name), "success")
    return redirect(_people_url(region_code))
