from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.exc import StaleDataError

from lms.accounts.models import User
from lms.accounts.operations import DuplicateError
from lms.cohorts import bp, operations, permissions
from lms.cohorts.forms import CohortForm, ImportForm, MemberAddForm, RoleForm
from lms.cohorts.importing import MemberRow, column_label, parse_member_file
from lms.cohorts.models import ROLES, Cohort, Membership
from lms.extensions import db
from lms.imports import discard_pending, expired_message, load_pending, save_pending
from lms.security import admin_required, cohort_role

ANY_MEMBER = ("participant", "trainer", "organizer")


def _cohort_data(form: CohortForm) -> dict:
    data = {name: getattr(form, name).data for name in operations.COHORT_FIELDS}
    data["signer_nip"] = data["signer_nip"] or ""
    return data


@bp.route("/cohorts/new", methods=["GET", "POST"])
@admin_required
def create():
    form = CohortForm(timezone=current_app.config["LMS_DEFAULT_TIMEZONE"])
    if form.validate_on_submit():
        try:
            cohort = operations.create_cohort(_cohort_data(form), actor=current_user)
        except operations.CohortError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Kelas %(code)s sudah dibuat.", code=cohort.code), "success")
            return redirect(url_for("lms.cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.get("/cohorts/<int:cohort_id>")
@cohort_role(*ANY_MEMBER)
def detail(cohort_id: int):
    cohort: Cohort = g.cohort
    counts = dict(
        db.session.execute(
            db.select(Membership.role, db.func.count())
            .filter_by(cohort_id=cohort.id)
            .group_by(Membership.role)
        ).all()
    )
    from lms.catalog.queries import courses_with_progress

    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        courses=courses_with_progress(cohort, current_user),
        membership=g.membership,
        counts=counts,
        can_manage=permissions.can_manage(current_user, cohort),
        can_see_members=permissions.can_see_members(current_user, cohort),
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@cohort_role("organizer")
def edit(cohort_id: int):
    cohort: Cohort = g.cohort
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        try:
            operations.update_cohort(cohort, _cohort_data(form), actor=current_user)
        except operations.CohortError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Perubahan kelas sudah disimpan."), "success")
            return redirect(url_for("lms.cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.get("/cohorts/<int:cohort_id>/members")
@cohort_role("trainer", "organizer")
def members(cohort_id: int):
    cohort: Cohort = g.cohort
    role = request.args.get("role")
    stmt = (
        db.select(Membership)
        .filter_by(cohort_id=cohort.id)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
    )
    if role in ROLES:
        stmt = stmt.filter(Membership.role == role)
    rows = db.session.scalars(stmt.order_by(Membership.role, User.full_name)).all()
    return render_template(
        "cohorts/members.html",
        cohort=cohort,
        rows=rows,
        role_filter=role,
        can_manage=permissions.can_manage(current_user, cohort),
        add_form=MemberAddForm(formdata=None),
        role_form=RoleForm(formdata=None),
    )


@bp.route("/cohorts/<int:cohort_id>/members/add", methods=["GET", "POST"])
@cohort_role("organizer")
def add_member(cohort_id: int):
    cohort: Cohort = g.cohort
    form = MemberAddForm()
    if form.validate_on_submit():
        try:
            result = operations.add_member(
                cohort,
                email=form.email.data,
                role=form.role.data,
                actor=current_user,
                full_name=form.full_name.data,
                nip=form.nip.data,
                rank=form.rank.data,
                position=form.position.data,
                office=form.office.data,
                phone=form.phone.data,
            )
        except (operations.CohortError, DuplicateError) as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            name = result.user.full_name
            if result.outcome == "unchanged":
                flash(_("%(name)s sudah menjadi anggota dengan peran itu.", name=name), "info")
            elif result.outcome == "role_changed":
                flash(_("Peran %(name)s sudah diubah.", name=name), "success")
            else:
                flash(_("%(name)s sudah ditambahkan.", name=name), "success")
            return (
                render_template("cohorts/added.html", cohort=cohort, results=[result])
                if result.initial_password
                else redirect(url_for("lms.cohorts.members", cohort_id=cohort.id))
            )
    return render_template("cohorts/member_add.html", cohort=cohort, form=form)


def _membership_or_404(cohort: Cohort, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.cohort_id != cohort.id:
        abort(404)
    return membership


@bp.post("/cohorts/<int:cohort_id>/members/<int:membership_id>/role")
@cohort_role("organizer")
def change_role(cohort_id: int, membership_id: int):
    cohort: Cohort = g.cohort
    membership = _membership_or_404(cohort, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Peran tidak dikenal."), "error")
    elif (
        membership.user_id == current_user.id
        and form.role.data != "organizer"
        and not (current_user.is_admin)
    ):
        flash(_("Anda tidak dapat mengubah peran Anda sendiri sebagai panitia."), "error")
    else:
        try:
            operations.change_role(membership, form.role.data, actor=current_user)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(_("Data ini baru saja diubah orang lain. Muat ulang lalu coba lagi."), "error")
        else:
            flash(_("Peran %(name)s sudah diubah.", name=membership.user.full_name), "success")
    return redirect(url_for("lms.cohorts.members", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/members/<int:membership_id>/remove")
@cohort_role("organizer")
def remove_member(cohort_id: int, membership_id: int):
    from lms.accounts.forms import ConfirmForm

    cohort: Cohort = g.cohort
    membership = _membership_or_404(cohort, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if membership.user_id == current_user.id and not current_user.is_admin:
        flash(_("Anda tidak dapat mengeluarkan diri sendiri."), "error")
    else:
        name = membership.user.full_name
        operations.remove_member(membership, actor=current_user)
        db.session.commit()
        flash(_("%(name)s sudah dikeluarkan dari kelas.", name=name), "success")
    return redirect(url_for("lms.cohorts.members", cohort_id=cohort.id))


# --- import -------------------------------------------------------------------------------
# The parsed rows wait in the upload store between preview and confirmation (lms.imports).


def _check_against_accounts(rows: list[MemberRow]) -> None:
    """Add problems for rows that clash with existing accounts (email vs NIP)."""
    from lms.cohorts.importing import Problem

    emails = [r.email for r in rows if r.email]
    nips = [r.nip for r in rows if r.nip]
    by_email = {
        u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))
    }
    by_nip = {u.nip: u for u in db.session.scalars(db.select(User).where(User.nip.in_(nips)))}
    for row in rows:
        user = by_email.get(row.email)
        other = by_nip.get(row.nip) if row.nip else None
        message = None
        if user is not None and row.nip and user.nip and user.nip != row.nip:
            message = _(
                "Email %(email)s sudah terdaftar dengan NIP lain (%(nip)s).",
                email=row.email,
                nip=user.nip_display,
            )
        elif user is not None and other is not None and other.id != user.id:
            message = _("NIP ini sudah dipakai akun lain (%(email)s).", email=other.email)
        if message:
            row.problems.append(Problem(row=row.row, column="nip", message=message))


def _parse_upload(data: bytes, filename: str):
    parsed = parse_member_file(filename, data)
    if parsed.rows:
        _check_against_accounts(parsed.rows)
        parsed.collect()
    return parsed


@bp.route("/cohorts/<int:cohort_id>/members/import", methods=["GET", "POST"])
@cohort_role("organizer")
def import_members(cohort_id: int):
    cohort: Cohort = g.cohort
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        parsed = _parse_upload(upload.read(), upload.filename or "")
        token = None
        if parsed.ok:
            payload = {
                "filename": upload.filename,
                "rows": [
                    {k: getattr(r, k) for k in MemberRow.__dataclass_fields__ if k != "problems"}
                    for r in parsed.rows
                ],
            }
            token = save_pending("members", cohort.id, current_user.id, payload)
        return render_template(
            "cohorts/import_preview.html",
            cohort=cohort,
            parsed=parsed,
            token=token,
            filename=upload.filename,
            form=form,
            column_label=column_label,
        )
    return render_template("cohorts/import.html", cohort=cohort, form=form)


@bp.post("/cohorts/<int:cohort_id>/members/import/<token>")
@cohort_role("organizer")
def confirm_import(cohort_id: int, token: str):
    from lms.accounts.forms import ConfirmForm

    cohort: Cohort = g.cohort
    if not ConfirmForm().validate_on_submit():
        abort(400)
    payload = load_pending("members", token, cohort.id, current_user.id)
    if payload is None:
        flash(expired_message(), "error")
        return redirect(url_for("lms.cohorts.import_members", cohort_id=cohort.id))
    rows = [MemberRow(problems=[], **r) for r in payload["rows"]]
    _check_against_accounts(rows)
    problems = [p for r in rows for p in r.problems]
    if problems:
        flash(_("Data akun berubah sejak pratinjau. Periksa lagi sebelum mengimpor."), "error")
        return redirect(url_for("lms.cohorts.import_members", cohort_id=cohort.id))
    try:
        results = operations.import_members(cohort, rows, actor=current_user)
        db.session.commit()
    except (operations.CohortError, DuplicateError) as exc:
        db.session.rollback()
        flash(_("Impor dibatalkan, tidak ada yang disimpan: %(msg)s", msg=str(exc)), "error")
        return redirect(url_for("lms.cohorts.import_members", cohort_id=cohort.id))
    discard_pending("members", token)
    flash(_("%(n)d baris sudah diimpor.", n=len(results)), "success")
    return render_template("cohorts/added.html", cohort=cohort, results=results)
