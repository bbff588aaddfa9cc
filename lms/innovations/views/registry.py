"""The region's registry: the list (and its XLSX), a new innovation, its page, the edit page
and its submitted versions with what changed.

Coordinators and leaders see every office's innovations, an operator their own office's only:
another office's record answers 404 (lms.innovations.queries.innovation_in).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, send_file
from flask_login import current_user

from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.innovations import bp, display, exports, operations, permissions, queries
from lms.innovations.forms import (
    ArchiveForm,
    FileForm,
    InnovatorForm,
    StageForm,
    SubmitForm,
    VerifyForm,
    innovation_form,
)
from lms.innovations.models import Innovation
from lms.innovations.views._common import detail_url, labels, load, locale, require
from lms.regions.access import region_role
from lms.textdiff import diff_fields
from lms.unit_of_work import unit_of_work

BASE = "/regions/<region_code>/innovations"
ITEM = BASE + "/<int:innovation_id>"


@bp.get(BASE)
@region_role(*permissions.READER_ROLES)
def index(region_code: str):
    filters = queries.Filters.from_args(request.args)
    found = queries.innovation_list(g.region, g.access, filters)
    return render_template(
        "innovations/list.html",
        region=g.region,
        listing=found,
        filters=filters,
        can_create=permissions.can_create(g.access),
        **labels(),
    )


@bp.get(BASE + "/export.xlsx")
@region_role(*permissions.READER_ROLES)
def export(region_code: str):
    filters = queries.Filters.from_args(request.args)
    rows = queries.export_rows(g.region, g.access, filters)
    response = send_file(
        exports.registry_xlsx(g.region, rows),
        mimetype=exports.XLSX,
        as_attachment=True,
        download_name=f"inovasi-{g.region.code}.xlsx",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- create and edit ----------------------------------------------------------------------


def _offices_for(innovation: Innovation | None = None) -> list:
    """The offices the visitor may file an innovation under (an operator: their own)."""
    offices = queries.offices_of(g.region)
    if innovation is not None and all(o.id != innovation.office_id for o in offices):
        offices.append(innovation.office)  # an inactive office keeps its innovations
    if not g.access.manages:
        offices = [o for o in offices if o.id in g.access.office_ids]
    return offices


def _form(innovation: Innovation | None):
    notes = operations.open_notes(innovation) if innovation is not None else []
    if innovation is not None and innovation.state != "revisions_requested":
        notes = []
    kwargs = {}
    if innovation is not None and request.method != "POST":
        kwargs = {
            "office": innovation.office_id,
            "initiated_date": str(innovation.initiated_date or ""),
            "video_url": innovation.video_url,
            "replicated_from": innovation.replicated_from_id or 0,
            "replicated_from_url": innovation.replicated_from_url,
            "replicated_from_label": innovation.replicated_from_label,
            "lock_version": str(innovation.lock_version),
            **{f"answer_{n.id}": n.answer for n in notes},
        }
    sources = queries.replication_sources(innovation)
    current = innovation.replicated_from if innovation is not None else None
    if current is not None and all(i.id != current.id for i in sources):
        sources.append(current)  # a source archived since stays chosen
    return innovation_form(
        offices=_offices_for(innovation),
        sources=sources,
        notes=notes,
        values=(innovation.profile if innovation is not None else {}),
        locale=locale(),
        **kwargs,
    ), notes


def _form_page(
    problem: DomainError | None = None, innovation_id: int | None = None, form=None, **_
):
    innovation = load(innovation_id) if innovation_id else None
    built, notes = _form(innovation)
    form = form or built
    if isinstance(problem, Conflict) and innovation is not None:
        # What was typed stays on the page; saving it again now overwrites knowingly.
        form.lock_version.data = str(innovation.lock_version)
    show_problem(problem, form)
    return render_template(
        "innovations/form.html",
        region=g.region,
        innovation=innovation,
        form=form,
        notes=notes,
        general_notes=[n for n in notes if not n.field_key],
        notes_by_field=_notes_by_field(notes),
        sections=_form_sections(),
        **labels(),
    )


def _notes_by_field(notes: list) -> dict[str, list]:
    by_field: dict[str, list] = {}
    for note in notes:
        if note.field_key:
            by_field.setdefault(note.field_key, []).append(note)
    return by_field


def _form_sections():
    from lms import profile

    return [
        (title, [f for f in profile.PROFILE_FIELDS if f.section == key])
        for key, title in profile.SECTIONS
    ]


def _details(form) -> operations.Details:
    office = queries.office_in(g.region, form.office.data)
    if office is None or not permissions.can_create(g.access):
        abort(403)
    if not g.access.manages and office.id not in g.access.office_ids:
        abort(403)
    # The choice was validated against the sources the form offered.
    source = db.session.get(Innovation, form.replicated_from.data or 0)
    return operations.Details(
        office=office,
        video_url=(form.video_url.data or "").strip(),
        initiated_date=display.parse_date(form.initiated_date.data),
        replicated_from=source,
        replicated_from_url=(form.replicated_from_url.data or "").strip(),
        replicated_from_label=(form.replicated_from_label.data or "").strip(),
        answers=form.answers(),
    )


@bp.route(BASE + "/new", methods=["GET", "POST"])
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(render=_form_page)
def create(region_code: str):
    require(permissions.can_create(g.access))
    form, _notes = _form(None)
    if not form.validate_on_submit():
        return _form_page(form=form)
    innovation = operations.create_innovation(
        g.region, form.profile_values(), _details(form), actor=current_user
    )
    flash(_("Inovasi sudah dicatat sebagai draf."), "success")
    return redirect(detail_url(innovation))


@bp.route(ITEM + "/edit", methods=["GET", "POST"])
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(render=_form_page)
def edit(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_edit)
    if reason := permissions.why_not_edit(innovation):
        flash(reason, "error")
        return redirect(detail_url(innovation))
    form, _notes = _form(innovation)
    if not form.validate_on_submit():
        return _form_page(innovation_id=innovation_id, form=form)
    operations.update_innovation(
        innovation,
        form.profile_values(),
        _details(form),
        actor=current_user,
        seen_lock=form.seen_lock(),
    )
    flash(_("Perubahan inovasi sudah disimpan."), "success")
    return redirect(detail_url(innovation))


# --- the innovation's page ----------------------------------------------------------------


def _diff(old, new) -> list:
    """Field by field, what changed from version ``old`` (None: nothing before) to ``new``."""
    return diff_fields(
        old.profile if old else {},
        new.profile,
        display.profile_labels(new.profile),
        text_of=display.profile_text,
    )


@bp.get(ITEM)
@region_role(*permissions.READER_ROLES)
def detail(region_code: str, innovation_id: int):
    innovation = load(innovation_id)
    access = g.access
    versions = list(innovation.versions)
    latest = versions[-1] if versions else None
    previous = versions[-2] if len(versions) > 1 else None
    changes = []
    if latest is not None and previous is not None and innovation.state == "submitted":
        changes = [c for c in _diff(previous, latest) if c.changed]
    stage_form = StageForm(formdata=None)
    return render_template(
        "innovations/detail.html",
        region=g.region,
        innovation=innovation,
        sections=display.profile_sections(innovation.profile or {}, innovation.html),
        files=queries.current_files(innovation),
        innovators=innovation.innovators,
        notes=list(innovation.notes),
        versions=versions,
        changes=changes,
        previous=previous,
        classes=queries.classes_of(innovation),
        replicated_by=queries.replicated_by(innovation),
        source=queries.source_of(innovation),
        confirmed=queries.last_confirmation(innovation),
        can={
            "edit": permissions.can_edit(access, innovation)
            and not permissions.why_not_edit(innovation),
            "submit": permissions.can_submit(access, innovation)
            and not permissions.why_not("submit", innovation),
            "verify": permissions.can_verify(access, innovation)
            and not permissions.why_not("verify", innovation),
            "revise": permissions.can_request_revisions(access, innovation)
            and not permissions.why_not("request_revisions", innovation),
            "archive": permissions.can_archive(access, innovation)
            and not permissions.why_not("archive", innovation),
            "publish": permissions.can_publish(access, innovation)
            and not permissions.why_not_publish(innovation),
            "confirm": permissions.can_confirm(access, innovation)
            and not permissions.why_not_confirm(innovation),
            "stage": permissions.can_edit(access, innovation)
            and not permissions.why_not_advance(innovation)
            and innovation.stage != "penerapan",
        },
        submit_form=SubmitForm(formdata=None, lock_version=str(innovation.lock_version)),
        verify_form=VerifyForm(formdata=None),
        archive_form=ArchiveForm(formdata=None),
        stage_form=stage_form,
        file_form=FileForm(formdata=None),
        innovator_form=InnovatorForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        **labels(),
    )


@bp.get(ITEM + "/versions/<int:number>")
@region_role(*permissions.READER_ROLES)
def version(region_code: str, innovation_id: int, number: int):
    innovation = load(innovation_id)
    current = queries.version_of(innovation, number) or abort(404)
    previous = queries.version_of(innovation, number - 1) if number > 1 else None
    return render_template(
        "innovations/version.html",
        region=g.region,
        innovation=innovation,
        version=current,
        previous=previous,
        changes=_diff(previous, current),
        versions=list(innovation.versions),
        file_ids={f.key: f.id for f in innovation.files},
        **labels(),
    )
