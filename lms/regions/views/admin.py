"""Admin pages: every region, creating and editing one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.regions import bp, operations, queries
from lms.regions.forms import RegionForm
from lms.regions.models import Region
from lms.security import admin_required
from lms.unit_of_work import unit_of_work


def _region_data(form: RegionForm) -> dict:
    return {name: getattr(form, name).data for name in operations.REGION_FIELDS}


@bp.get("/admin/regions")
@admin_required
def admin_list():
    return render_template("regions/admin_list.html", rows=queries.regions_with_counts())


def _form_page(problem: DomainError | None = None, region_code: str | None = None, form=None):
    region = queries.region_by_code(region_code) if region_code else None
    form = form or RegionForm(region=region)
    show_problem(problem, form)
    return render_template("regions/region_form.html", form=form, region=region)


@bp.route("/admin/regions/new", methods=["GET", "POST"])
@admin_required
@unit_of_work(render=_form_page)
def create():
    form = RegionForm()
    if form.validate_on_submit():
        region = operations.create_region(_region_data(form), actor=current_user)
        flash(_("Daerah %(name)s sudah dibuat.", name=region.name), "success")
        return redirect(url_for("lms.regions.detail", region_code=region.code))
    return _form_page(form=form)


@bp.route("/admin/regions/<region_code>/edit", methods=["GET", "POST"])
@admin_required
@unit_of_work(render=_form_page)
def edit(region_code: str):
    region = db.first_or_404(db.select(Region).filter_by(code=region_code))
    form = RegionForm(region=region)
    if form.validate_on_submit():
        operations.update_region(region, _region_data(form), actor=current_user)
        flash(_("Perubahan daerah sudah disimpan."), "success")
        return redirect(url_for("lms.regions.detail", region_code=region.code))
    return _form_page(region_code=region_code, form=form)
