"""A region's offices: the list, adding and editing one, deactivating, importing a file."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.imports import confirmed_rows, discard_pending, preview
from lms.regions import bp, operations, permissions, queries
from lms.regions.access import region_role
from lms.regions.forms import OfficeForm, OfficeImportForm
from lms.regions.importing import OfficeRow, column_label, parse_office_file
from lms.regions.models import REGION_ROLES, Region
from lms.unit_of_work import on_commit, unit_of_work


def _offices_url(region_code: str, **_: object) -> str:
    return url_for("lms.regions.offices", region_code=region_code)


def _office_data(form: OfficeForm) -> dict:
    return {name: getattr(form, name).data for name in operations.OFFICE_FIELDS}


@bp.get("/regions/<region_code>/offices")
@region_role(*REGION_ROLES)
def offices(region_code: str):
    return render_template(
        "regions/offices.html",
        region=g.region,
        offices=queries.offices(g.region),
        can_manage=permissions.can_manage_region(g.access),
        confirm_form=ConfirmForm(formdata=None),
    )


def _form_page(
    problem: DomainError | None = None, region_code: str = "", office_id=None, form=None
):
    office = queries.office_in(g.region, office_id) if office_id else None
    form = form or OfficeForm(region=g.region, office=office)
    show_problem(problem, form)
    return render_template("regions/office_form.html", form=form, region=g.region, office=office)


@bp.route("/regions/<region_code>/offices/new", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_form_page)
def office_create(region_code: str):
    form = OfficeForm(region=g.region)
    if form.validate_on_submit():
        office = operations.create_office(g.region, _office_data(form), actor=current_user)
        flash(_("%(name)s sudah ditambahkan.", name=office.name), "success")
        return redirect(_offices_url(region_code))
    return _form_page(form=form)


@bp.route("/regions/<region_code>/offices/<int:office_id>/edit", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_form_page)
def office_edit(region_code: str, office_id: int):
    office = queries.office_in(g.region, office_id) or abort(404)
    form = OfficeForm(region=g.region, office=office)
    if form.validate_on_submit():
        operations.update_office(office, _office_data(form), actor=current_user)
        flash(_("Perubahan %(name)s sudah disimpan.", name=office.name), "success")
        return redirect(_offices_url(region_code))
    return _form_page(office_id=office_id, form=form)


def _set_active(region_code: str, office_id: int, active: bool):
    office = queries.office_in(g.region, office_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.set_office_active(office, active, actor=current_user)
    if active:
        flash(_("%(name)s aktif lagi.", name=office.name), "success")
    else:
        flash(
            _(
                "%(name)s dinonaktifkan: datanya tetap, tetapi tidak ditawarkan lagi.",
                name=office.name,
            ),
            "success",
        )
    return redirect(_offices_url(region_code))


@bp.post("/regions/<region_code>/offices/<int:office_id>/deactivate")
@region_role("coordinator")
@unit_of_work(back=_offices_url)
def office_deactivate(region_code: str, office_id: int):
    return _set_active(region_code, office_id, False)


@bp.post("/regions/<region_code>/offices/<int:office_id>/activate")
@region_role("coordinator")
@unit_of_work(back=_offices_url)
def office_activate(region_code: str, office_id: int):
    return _set_active(region_code, office_id, True)


# --- import -------------------------------------------------------------------------------
# The parsed rows wait in the upload store between preview and confirmation (lms.imports).


def _import_url(region_code: str, **_: object) -> str:
    return url_for("lms.regions.office_import", region_code=region_code)


@bp.route("/regions/<region_code>/offices/import", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work
def office_import(region_code: str):
    region: Region = g.region
    form = OfficeImportForm()
    if not form.validate_on_submit():
        return render_template("regions/office_import.html", region=region, form=form)
    parsed = parse_office_file(form.file.data.read())
    plan = None
    if parsed.rows:
        plan = queries.plan_import(region, parsed.rows)
        parsed.collect()
    return render_template(
        "regions/office_import_preview.html",
        region=region,
        plan=plan,
        **preview("offices", region.id, parsed, form, column_label),
    )


@bp.post("/regions/<region_code>/offices/import/<token>")
@region_role("coordinator")
@unit_of_work(back=_import_url)
def office_import_confirm(region_code: str, token: str):
    rows = confirmed_rows("offices", token, g.region.id, OfficeRow)
    if rows is None:
        return redirect(_import_url(region_code))
    plan = queries.plan_import(g.region, rows)
    if any(r.problems for r in rows):
        flash(
            _("Data perangkat daerah berubah sejak pratinjau. Periksa lagi sebelum mengimpor."),
            "error",
        )
        return redirect(_import_url(region_code))
    result = operations.import_offices(plan, g.region, actor=current_user)
    on_commit(lambda: discard_pending("offices", token))
    flash(
        _(
            "Impor selesai: %(created)d baru, %(updated)d diperbarui, %(unchanged)d tidak berubah.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(_offices_url(region_code))
