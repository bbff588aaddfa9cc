"""A class's pages: create and edit, members, adding and importing members."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from lms.accounts.operations import PROFILE_FIELDS
from lms.catalog.queries import courses_with_progress
from lms.cohorts import bp, operations, permissions, queries
from lms.cohorts import nav as _nav  # noqa: F401  (registers the class menu, lms_cohort_nav)
from lms.cohorts.access import cohort_role
from lms.cohorts.forms import CohortForm, ImportForm, MemberAddForm, RoleForm
from lms.cohorts.importing import MemberRow, column_label, parse_member_file
from lms.cohorts.models import MEMBER_ROLES, STAFF_ROLES, Cohort
from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.imports import confirmed_rows, discard_pending, preview
from lms.security import admin_required
from lms.unit_of_work import on_commit, unit_of_work


def _cohort_data(form: CohortForm) -> dict:
    data = {name: getattr(form, name).data for name in operations.COHORT_FIELDS}
    data["signer_nip"] = data["signer_nip"] or ""
    return data


def _members_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.cohorts.members", cohort_id=cohort_id)


def _form_page(problem: DomainError | None = None, cohort_id: int | None = None, form=None):
    cohort = g.cohort if cohort_id is not None else None
    if form is None:
        form = CohortForm(obj=cohort, timezone=current_app.config["LMS_DEFAULT_TIMEZONE"])
    show_problem(problem, form)
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@admin_required
@unit_of_work(render=_form_page)
def create():
    form = CohortForm(timezone=current_app.config["LMS_DEFAULT_TIMEZONE"])
    if form.validate_on_submit():
        cohort = operations.create_cohort(_cohort_data(form), actor=current_user)
        flash(_("Kelas %(code)s sudah dibuat.", code=cohort.code), "success")
        return redirect(url_for("lms.cohorts.detail", cohort_id=cohort.id))
    return _form_page(form=form)


@bp.get("/cohorts/<int:cohort_id>")
@cohort_role(*MEMBER_ROLES)
def detail(cohort_id: int):
    cohort: Cohort = g.cohort
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        courses=courses_with_progress(cohort, current_user),
        membership=g.membership,
        counts=queries.role_counts(cohort),
        can_manage=permissions.can_manage(current_user, cohort),
        can_see_members=permissions.can_see_members(current_user, cohort),
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_form_page)
def edit(cohort_id: int):
    form = CohortForm(obj=g.cohort)
    if form.validate_on_submit():
        operations.update_cohort(g.cohort, _cohort_data(form), actor=current_user)
        flash(_("Perubahan kelas sudah disimpan."), "success")
        return redirect(url_for("lms.cohorts.detail", cohort_id=cohort_id))
    return _form_page(cohort_id=cohort_id, form=form)


@bp.get("/cohorts/<int:cohort_id>/members")
@cohort_role(*STAFF_ROLES)
def members(cohort_id: int):
    cohort: Cohort = g.cohort
    role = request.args.get("role")
    return render_template(
        "cohorts/members.html",
        cohort=cohort,
        rows=queries.members(cohort, role),
        role_filter=role,
        can_manage=permissions.can_manage(current_user, cohort),
        add_form=MemberAddForm(formdata=None),
        role_form=RoleForm(formdata=None),
    )


def _add_page(problem: DomainError | None = None, cohort_id: int | None = None, form=None):
    form = form or MemberAddForm()
    show_problem(problem, form)
    return render_template("cohorts/member_add.html", cohort=g.cohort, form=form)


@bp.route("/cohorts/<int:cohort_id>/members/add", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_add_page)
def add_member(cohort_id: int):
    form = MemberAddForm()
    if not form.validate_on_submit():
        return _add_page(form=form)
    result = operations.add_member(
        g.cohort,
        email=form.email.data,
        role=form.role.data,
        actor=current_user,
        **{name: getattr(form, name).data for name in PROFILE_FIELDS},
    )
    name = result.user.full_name
    if result.outcome == "unchanged":
        flash(_("%(name)s sudah menjadi anggota dengan peran itu.", name=name), "info")
    elif result.outcome == "role_changed":
        flash(_("Peran %(name)s sudah diubah.", name=name), "success")
    else:
        flash(_("%(name)s sudah ditambahkan.", name=name), "success")
    if result.initial_password:  # shown once, on this page only
        return render_template("cohorts/added.html", cohort=g.cohort, results=[result])
    return redirect(_members_url(cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members/<int:membership_id>/role")
@cohort_role("organizer")
@unit_of_work(back=_members_url)
def change_role(cohort_id: int, membership_id: int):
    membership = queries.membership_in(g.cohort, membership_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Peran tidak dikenal."), "error")
    elif reason := permissions.why_not_change_role(current_user, membership, form.role.data):
        flash(reason, "error")
    else:
        operations.change_role(membership, form.role.data, actor=current_user)
        flash(_("Peran %(name)s sudah diubah.", name=membership.user.full_name), "success")
    return redirect(_members_url(cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members/<int:membership_id>/remove")
@cohort_role("organizer")
@unit_of_work(back=_members_url)
def remove_member(cohort_id: int, membership_id: int):
    membership = queries.membership_in(g.cohort, membership_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if reason := permissions.why_not_remove(current_user, membership):
        flash(reason, "error")
    else:
        name = membership.user.full_name
        operations.remove_member(membership, actor=current_user)
        flash(_("%(name)s sudah dikeluarkan dari kelas.", name=name), "success")
    return redirect(_members_url(cohort_id))


# --- import -------------------------------------------------------------------------------
# The parsed rows wait in the upload store between preview and confirmation (lms.imports).


def _import_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.cohorts.import_members", cohort_id=cohort_id)


@bp.route("/cohorts/<int:cohort_id>/members/import", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work
def import_members(cohort_id: int):
    cohort: Cohort = g.cohort
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("cohorts/import.html", cohort=cohort, form=form)
    upload = form.file.data
    parsed = parse_member_file(upload.filename or "", upload.read())
    if parsed.rows:
        queries.check_against_accounts(parsed.rows)
        parsed.collect()
    return render_template(
        "cohorts/import_preview.html",
        cohort=cohort,
        **preview("members", cohort.id, parsed, form, column_label, filename=upload.filename),
    )


@bp.post("/cohorts/<int:cohort_id>/members/import/<token>")
@cohort_role("organizer")
@unit_of_work(back=_import_url)
def confirm_import(cohort_id: int, token: str):
    rows = confirmed_rows("members", token, cohort_id, MemberRow)
    if rows is None:
        return redirect(_import_url(cohort_id))
    queries.check_against_accounts(rows)
    if any(r.problems for r in rows):
        flash(_("Data akun berubah sejak pratinjau. Periksa lagi sebelum mengimpor."), "error")
        return redirect(_import_url(cohort_id))
    results = operations.import_members(g.cohort, rows, actor=current_user)
    on_commit(lambda: discard_pending("members", token))
    flash(_("%(n)d baris sudah diimpor.", n=len(results)), "success")
    return render_template("cohorts/added.html", cohort=g.cohort, results=results)
