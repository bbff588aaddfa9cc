"""The workflow's steps (submit, verify, request revisions, archive), the stage moving on, the
yearly "masih berjalan?" confirmation and the catalogue page's settings.

A step the visitor's role does not allow is 403; a step the innovation's state does not allow
is refused by the operation with its message, and nothing changes.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template
from flask_login import current_user

from lms import profile
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.innovations import bp, display, operations, permissions, queries
from lms.innovations.forms import (
    ArchiveForm,
    CatalogueForm,
    ConfirmRunningForm,
    StageForm,
    SubmitForm,
    VerifyForm,
    revision_notes,
    revisions_form,
)
from lms.innovations.views._common import back_to_detail, detail_url, labels, load
from lms.innovations.views.registry import ITEM
from lms.regions.access import region_role
from lms.timefmt import local
from lms.unit_of_work import unit_of_work


@bp.post(ITEM + "/submit")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=back_to_detail)
def submit(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_submit)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    lock = form.lock_version.data or ""
    version = operations.submit(
        innovation, actor=current_user, seen_lock=int(lock) if lock.isdigit() else None
    )
    flash(
        _("Versi %(n)d sudah diajukan ke koordinator untuk diverifikasi.", n=version.number),
        "success",
    )
    return redirect(detail_url(innovation))


@bp.post(ITEM + "/verify")
@region_role("coordinator")
@unit_of_work(back=back_to_detail)
def verify(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_verify)
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    operations.verify(innovation, actor=current_user, note=(form.note.data or "").strip())
    flash(_("Inovasi sudah diverifikasi."), "success")
    return redirect(detail_url(innovation))


def _revisions_page(problem: DomainError | None = None, innovation_id: int = 0, form=None, **_):
    innovation = load(innovation_id)
    form = form or revisions_form(values=innovation.profile or {})
    show_problem(problem, form)
    return render_template(
        "innovations/revisions.html",
        region=g.region,
        innovation=innovation,
        form=form,
        fields=profile.PROFILE_FIELDS,
        display_value=lambda key: display.profile_text(key, (innovation.profile or {}).get(key)),
        **labels(),
    )


@bp.route(ITEM + "/revisions", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_revisions_page)
def request_revisions(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_request_revisions)
    if reason := permissions.why_not("request_revisions", innovation):
        flash(reason, "error")
        return redirect(detail_url(innovation))
    form = revisions_form(values=innovation.profile or {})
    if not form.validate_on_submit():
        return _revisions_page(innovation_id=innovation_id, form=form)
    operations.request_revisions(innovation, revision_notes(form), actor=current_user)
    flash(_("Permintaan perbaikan sudah dikirim ke perangkat daerah."), "success")
    return redirect(detail_url(innovation))


def _archive_page(problem: DomainError | None = None, innovation_id: int = 0, form=None, **_):
    innovation = load(innovation_id)
    form = form or ArchiveForm()
    show_problem(problem, form)
    return render_template(
        "innovations/archive.html", region=g.region, innovation=innovation, form=form, **labels()
    )


@bp.route(ITEM + "/archive", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_archive_page)
def archive(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_archive)
    form = ArchiveForm()
    if not form.validate_on_submit():
        return _archive_page(innovation_id=innovation_id, form=form)
    operations.archive(innovation, form.reason.data, actor=current_user)
    flash(_("Inovasi sudah dihentikan dan diarsipkan."), "success")
    return redirect(detail_url(innovation))


@bp.post(ITEM + "/stage")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=back_to_detail)
def stage(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_edit)
    form = StageForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        raise operations.InnovationError(" ".join(map(str, messages)))
    day = display.parse_date(form.day.data)
    operations.advance_stage(innovation, form.stage.data, day, actor=current_user)
    flash(_("Tahapan inovasi sudah diperbarui."), "success")
    return redirect(detail_url(innovation))


# --- the yearly confirmation --------------------------------------------------------------


def _this_year() -> int:
    return local(utcnow(), g.region.timezone).year


def _confirm_page(problem: DomainError | None = None, innovation_id: int = 0, form=None, **_):
    innovation = load(innovation_id)
    form = form or ConfirmRunningForm(year=_this_year())
    show_problem(problem, form)
    return render_template(
        "innovations/confirm.html",
        region=g.region,
        innovation=innovation,
        form=form,
        confirmations=list(innovation.confirmations),
        **labels(),
    )


@bp.route(ITEM + "/confirm", methods=["GET", "POST"])
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(render=_confirm_page)
def confirm(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_confirm)
    form = ConfirmRunningForm(year=_this_year())
    if not form.validate_on_submit():
        return _confirm_page(innovation_id=innovation_id, form=form)
    operations.confirm_running(
        innovation, form.year.data, form.status.data, form.note.data, actor=current_user
    )
    flash(_("Konfirmasi tahun %(year)d sudah dicatat.", year=form.year.data), "success")
    return redirect(detail_url(innovation))


# --- the catalogue page -------------------------------------------------------------------


def _catalogue_page(problem: DomainError | None = None, innovation_id: int = 0, form=None, **_):
    innovation = load(innovation_id)
    form = form or CatalogueForm.for_innovation(innovation, queries.offices_of(g.region))
    if isinstance(problem, Conflict):
        form.lock_version.data = str(innovation.lock_version)
    show_problem(problem, form)
    return render_template(
        "innovations/catalogue_form.html",
        region=g.region,
        innovation=innovation,
        form=form,
        why_not=permissions.why_not_publish(innovation),
        **labels(),
    )


@bp.route(ITEM + "/catalogue", methods=["GET", "POST"])
@region_role("coordinator")
@unit_of_work(render=_catalogue_page)
def catalogue_settings(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_publish)
    offices = queries.offices_of(g.region)
    form = CatalogueForm.for_innovation(innovation, offices)
    if not form.validate_on_submit():
        return _catalogue_page(innovation_id=innovation_id, form=form)
    data = operations.CatalogueInput(
        publish=bool(form.publish.data),
        summary=form.summary.data or "",
        drivers=form.drivers.data or "",
        obstacles=form.obstacles.data or "",
        prerequisites=form.prerequisites.data or "",
        contact_office=queries.office_in(g.region, form.contact_office.data),
        shown=set(form.shown.data or []),
    )
    operations.set_catalogue(innovation, data, actor=current_user, seen_lock=form.seen_lock())
    if innovation.published_dt is not None:
        flash(_("Halaman katalog sudah disimpan dan tampil untuk umum."), "success")
    else:
        flash(_("Halaman katalog sudah disimpan; belum tampil untuk umum."), "success")
    return redirect(detail_url(innovation))
