"""Evidence pages: an innovation's year (every indicator, class evidence, checks), one
indicator (claim, verification, documents), and the same for the region's own indicators.

An operator reaches their own office's innovations only (another office's answers 404 and
nothing changes); verification routes are the coordinator's (anyone else: 403); leaders read.
Downloads pass the page's rule and go out as attachments with ``nosniff`` (lms.storage).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from lms import storage
from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.iid import bp, checks, operations, permissions, queries, scoring
from lms.iid.evidence import bimtek_bundle, class_evidence, training_details
from lms.iid.forms import (
    ClaimForm,
    DocumentEditForm,
    DocumentForm,
    EntryForm,
    StoredIndexForm,
    VerifyForm,
)
from lms.iid.models import Evidence
from lms.iid.rules import Indicator, Row, RuleSet
from lms.iid.views._common import (
    INNOVATION_ROW,
    ITEM,
    REGION_ROW,
    YEAR,
    helpers,
    indicator_url,
    innovation_url,
    load_innovation,
    require,
    rules_of,
)
from lms.innovations.models import Innovation
from lms.regions.access import region_role
from lms.submissions.video import VideoError, probe
from lms.unit_of_work import unit_of_work

#: lms.storage kinds for the file types the rules name.
FILE_TYPES = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "mp4": "mp4"}


@dataclass
class Target:
    """What an indicator URL names: the year, the innovation (None: the region) and the row."""

    year: int
    rules: RuleSet
    innovation: Innovation | None
    indicator: Indicator
    row: Row

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def innovation_id(self) -> int | None:
        return self.innovation.id if self.innovation else None


def _target(year: int, innovation_id: int | None, code: str) -> Target:
    rules = rules_of(year)
    innovation = load_innovation(innovation_id) if innovation_id is not None else None
    ind, row = queries.row_of(rules, code, "innovation" if innovation else "region")
    return Target(year, rules, innovation, ind, row)


def _back(target: Target) -> str:
    return indicator_url(target.year, target.innovation_id, target.code)


def _back_innovation(region_code: str, year: int, innovation_id: int, indicator_code: str, **_):
    return indicator_url(year, innovation_id, indicator_code)


def _back_region(region_code: str, year: int, region_indicator_code: str, **_):
    return indicator_url(year, None, region_indicator_code)


# --- an innovation's year -----------------------------------------------------------------


@bp.get(ITEM)
@region_role(*permissions.READER_ROLES)
def innovation(region_code: str, year: int, innovation_id: int):
    rules = rules_of(year)
    item = load_innovation(innovation_id)
    data = queries.innovation_data(g.region, year, rules, item)
    subject = data.subjects[0]
    entry = queries.entry_of(item, year)
    inputs = scoring.Inputs(
        innovations=[
            scoring.InnovationInput(
                item.id,
                item.name,
                {row.code: data.pair(item.id, row.code) for row in rules.rows("innovation")},
            )
        ]
    )
    claimed = scoring.score(rules, inputs, "claimed").innovations[0]
    verified = scoring.score(rules, inputs, "verified").innovations[0]
    klass = data.classes.get(item.id)
    return render_template(
        "iid/innovation.html",
        region=g.region,
        year=year,
        innovation=item,
        subject=subject,
        entry=entry,
        data=data,
        klass=klass,
        claimed=claimed,
        verified=verified,
        problems=checks.problems(data, queries.hosts()),
        can_edit=permissions.can_edit(g.access, item),
        why_not_enter=permissions.why_not_enter(item),
        too_early=checks.too_early(
            rules, year, item.implementation_date, subject.developed_further
        ),
        entry_form=EntryForm(
            formdata=None,
            developed_further=subject.developed_further,
            lock_version=str(entry.lock_version) if entry else "",
        ),
        confirm_form=ConfirmForm(formdata=None),
        indicator_url=indicator_url,
        **helpers(rules),
    )


@bp.get(ITEM + "/bimtek.pdf")
@region_role(*permissions.READER_ROLES)
def bimtek_pdf(region_code: str, year: int, innovation_id: int):
    """The bimtek evidence from the innovators' classes, in one PDF."""
    rules = rules_of(year)
    item = load_innovation(innovation_id)
    klass = class_evidence(rules, year, [item.id]).get(item.id)
    data = bimtek_bundle(item, year, rules, klass.trainings if klass else [])
    if data is None:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"bimtek-{item.id}-{year}.pdf",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get(ITEM + "/class-video")
@region_role(*permissions.READER_ROLES)
def class_video(region_code: str, year: int, innovation_id: int):
    rules = rules_of(year)
    item = load_innovation(innovation_id)
    klass = class_evidence(rules, year, [item.id]).get(item.id)
    if klass is None or klass.video is None or klass.video.file is None:
        abort(404)
    stored = klass.video.file
    return storage.send_stored(stored["key"], stored.get("name") or "video.mp4")


# --- one indicator ------------------------------------------------------------------------


def _indicator_page(
    target: Target,
    problem: DomainError | None = None,
    *,
    claim_form: ClaimForm | None = None,
    verify_form: VerifyForm | None = None,
    document_form: DocumentForm | None = None,
):
    rules, year, item = target.rules, target.year, target.innovation
    evidence = queries.evidence_of(g.region, year, item, target.code)
    if item is not None:
        data = queries.innovation_data(g.region, year, rules, item)
        entry = queries.entry_of(item, year)
    else:
        data = queries.year_data(g.region, year, rules, office_ids=[], include_region=True)
        entry = None
    level = data.level(target.innovation_id, target.code)
    derived = data.derived(target.innovation_id, target.code)
    claim_default = level.effective(derived)
    lock = str(evidence.lock_version) if evidence else "0"
    claim_form = claim_form or ClaimForm.for_row(
        target.row, prefix="claim", formdata=None, level=claim_default, lock_version=lock
    )
    verify_form = verify_form or VerifyForm.for_row(
        target.row,
        prefix="verify",
        formdata=None,
        level=level.verified if level.verified is not None else claim_default,
        note=level.verified_note,
        lock_version=lock,
    )
    kinds = permissions.document_kinds(rules, target.code)
    document_form = document_form or DocumentForm.for_kinds(kinds, prefix="doc", formdata=None)
    posted = {"claim": claim_form, "verify": verify_form, "add_document": document_form}
    action = (request.endpoint or "").rsplit(".", 1)[-1].removeprefix("region_")
    show_problem(problem, posted.get(action))
    klass = data.classes.get(item.id) if item is not None else None
    details = []
    if klass is not None and target.indicator.role == "bimtek":
        details = training_details(klass.trainings, year, rules)
    documents = [d for d in (evidence.documents if evidence else []) if not d.removed]
    return render_template(
        "iid/indicator.html",
        region=g.region,
        year=year,
        target=target,
        indicator=target.indicator,
        row=target.row,
        innovation=item,
        entry=entry,
        evidence=evidence,
        documents=documents,
        edit_forms={
            d.id: DocumentEditForm(
                formdata=None,
                prefix=f"edit{d.id}",
                number=d.number,
                doc_date=d.doc_date,
                about=d.about,
            )
            for d in documents
        },
        level=level,
        derived=derived,
        klass=klass,
        details=details,
        registry_video=data.registry_video.get(item.id) if item is not None else None,
        problems=[p for p in checks.problems(data, queries.hosts()) if p.code == target.code],
        claim_form=claim_form,
        verify_form=verify_form,
        document_form=document_form,
        confirm_form=ConfirmForm(formdata=None),
        can_edit=permissions.can_edit(g.access, item) and (item is None or entry is not None),
        can_verify=permissions.can_verify(g.access) and (item is None or entry is not None),
        claim_locked=permissions.why_not_claim(evidence) if evidence else None,
        link_kinds=[k for k in kinds if rules.evidence_kind(k).link],
        innovation_url=innovation_url,
        **helpers(rules),
    )


def _innovation_row_page(
    problem: DomainError | None = None,
    region_code: str = "",
    year: int = 0,
    innovation_id: int = 0,
    indicator_code: str = "",
    **forms: Any,
):
    return _indicator_page(_target(year, innovation_id, indicator_code), problem, **forms)


def _region_row_page(
    problem: DomainError | None = None,
    region_code: str = "",
    year: int = 0,
    region_indicator_code: str = "",
    **forms: Any,
):
    return _indicator_page(_target(year, None, region_indicator_code), problem, **forms)


def _claim(target: Target):
    require(permissions.can_edit(g.access, target.innovation))
    form = ClaimForm.for_row(target.row, prefix="claim")
    if not form.validate_on_submit():
        return _indicator_page(target, claim_form=form)
    operations.claim(
        g.region,
        target.year,
        target.rules,
        target.innovation,
        target.code,
        form.level.data,
        actor=current_user,
        seen_lock=form.seen_lock,
    )
    flash(_("Klaim tingkat sudah disimpan."), "success")
    return redirect(_back(target))


def _verify(target: Target):
    require(permissions.can_verify(g.access))
    form = VerifyForm.for_row(target.row, prefix="verify")
    if not form.validate_on_submit():
        return _indicator_page(target, verify_form=form)
    derived = None
    if target.innovation is not None:
        klass = class_evidence(target.rules, target.year, [target.innovation.id])
        item = klass.get(target.innovation.id)
        derived = item.derived.get(target.code) if item else None
    operations.verify(
        g.region,
        target.year,
        target.rules,
        target.innovation,
        target.code,
        form.level.data,
        form.note.data or "",
        actor=current_user,
        seen_lock=form.seen_lock,
        derived=derived,
    )
    if form.level.data is None:
        flash(_("Verifikasi dibuka lagi; klaim dapat diubah."), "success")
    else:
        flash(_("Tingkat terverifikasi sudah disimpan."), "success")
    return redirect(_back(target))


def _allowed_files(rules: RuleSet, kind: str) -> set[str]:
    types = rules.evidence_kind(kind).file_types
    return {FILE_TYPES[t] for t in types if t in FILE_TYPES} or {"pdf"}


def _store(rules: RuleSet, kind: str, upload: Any) -> tuple[storage.StoredFile, float | None]:
    config = current_app.config
    allowed = _allowed_files(rules, kind)
    video = allowed == {"mp4"}
    limit = config["LMS_VIDEO_MAX_BYTES"] if video else config["LMS_ATTACHMENT_MAX_BYTES"]
    try:
        stored = storage.save_upload(upload.stream, max_bytes=limit, allowed=allowed)
        seconds = None
        if stored.kind == "mp4":
            seconds = probe(storage.path_of(stored.key)).duration
            maximum = rules.innovation_rules.video_max_minutes
            if maximum and seconds > maximum * 60:
                raise VideoError(
                    _(
                        "Video ini berdurasi %(minutes)d menit %(seconds)02d detik; batasnya "
                        "%(max)d menit.",
                        minutes=int(seconds) // 60,
                        seconds=int(seconds) % 60,
                        max=maximum,
                    )
                )
    except (storage.UploadError, VideoError) as exc:
        raise operations.EvidenceError(str(exc), field="file") from exc
    return stored, seconds


def _add_document(target: Target):
    require(permissions.can_edit(g.access, target.innovation))
    kinds = permissions.document_kinds(target.rules, target.code)
    form = DocumentForm.for_kinds(kinds, prefix="doc")
    if not form.validate_on_submit():
        return _indicator_page(target, document_form=form)
    upload = form.file.data
    stored, seconds = None, None
    if upload is not None and getattr(upload, "filename", ""):
        stored, seconds = _store(target.rules, form.kind.data, upload)
    operations.add_document(
        g.region,
        target.year,
        target.rules,
        target.innovation,
        target.code,
        operations.DocumentInput(
            kind=form.kind.data,
            stored=stored,
            name=getattr(upload, "filename", "") or "",
            url=form.url.data or "",
            number=form.number.data or "",
            doc_date=form.doc_date.data,
            about=form.about.data or "",
            duration=seconds,
        ),
        actor=current_user,
    )
    flash(_("Bukti dukung sudah ditambahkan."), "success")
    return redirect(_back(target))


def _document(target: Target, document_id: int) -> Any:
    evidence: Evidence | None = queries.evidence_of(
        g.region, target.year, target.innovation, target.code
    )
    return queries.document_of(evidence, document_id)


def _download(target: Target, document_id: int):
    doc = _document(target, document_id)
    if not doc.key:
        abort(404)
    return storage.send_stored(doc.key, doc.name or "bukti")


def _edit_document(target: Target, document_id: int):
    require(permissions.can_edit(g.access, target.innovation))
    doc = _document(target, document_id)
    form = DocumentEditForm(prefix=f"edit{doc.id}")
    if not form.validate_on_submit():
        raise operations.EvidenceError(" ".join(m for ms in form.errors.values() for m in ms))
    operations.update_document(
        doc,
        number=form.number.data or "",
        doc_date=form.doc_date.data,
        about=form.about.data or "",
        actor=current_user,
    )
    flash(_("Keterangan dokumen sudah disimpan."), "success")
    return redirect(_back(target))


def _remove_document(target: Target, document_id: int):
    require(permissions.can_edit(g.access, target.innovation))
    doc = _document(target, document_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.remove_document(doc, actor=current_user)
    flash(_("Dokumen %(name)s sudah dilepas.", name=doc.label), "success")
    return redirect(_back(target))


# --- the routes of an innovation's indicator ----------------------------------------------


@bp.get(INNOVATION_ROW)
@region_role(*permissions.READER_ROLES)
def indicator(region_code: str, year: int, innovation_id: int, indicator_code: str):
    return _innovation_row_page(
        year=year, innovation_id=innovation_id, indicator_code=indicator_code
    )


@bp.post(INNOVATION_ROW + "/claim")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(render=_innovation_row_page)
def claim(region_code: str, year: int, innovation_id: int, indicator_code: str):
    return _claim(_target(year, innovation_id, indicator_code))


@bp.post(INNOVATION_ROW + "/verify")
@region_role("coordinator")
@unit_of_work(render=_innovation_row_page)
def verify(region_code: str, year: int, innovation_id: int, indicator_code: str):
    return _verify(_target(year, innovation_id, indicator_code))


@bp.post(INNOVATION_ROW + "/documents")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(render=_innovation_row_page)
def add_document(region_code: str, year: int, innovation_id: int, indicator_code: str):
    return _add_document(_target(year, innovation_id, indicator_code))


@bp.get(INNOVATION_ROW + "/documents/<int:document_id>")
@region_role(*permissions.READER_ROLES)
def document(
    region_code: str, year: int, innovation_id: int, indicator_code: str, document_id: int
):
    return _download(_target(year, innovation_id, indicator_code), document_id)


@bp.post(INNOVATION_ROW + "/documents/<int:document_id>/edit")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=_back_innovation)
def edit_document(
    region_code: str, year: int, innovation_id: int, indicator_code: str, document_id: int
):
    return _edit_document(_target(year, innovation_id, indicator_code), document_id)


@bp.post(INNOVATION_ROW + "/documents/<int:document_id>/remove")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=_back_innovation)
def remove_document(
    region_code: str, year: int, innovation_id: int, indicator_code: str, document_id: int
):
    return _remove_document(_target(year, innovation_id, indicator_code), document_id)


# --- the region's own indicators ----------------------------------------------------------


def _region_page(
    problem: DomainError | None = None,
    region_code: str = "",
    year: int = 0,
    stored_form: StoredIndexForm | None = None,
    **_ignored: Any,
):
    rules = rules_of(year)
    data = queries.year_data(g.region, year, rules, office_ids=[], include_region=True)
    stored = queries.stored_index(g.region, year - 1)
    stored_form = stored_form or StoredIndexForm(
        formdata=None,
        value=stored.value if stored else None,
        note=stored.note if stored else "",
        lock_version=str(stored.lock_version) if stored else "",
    )
    show_problem(problem, stored_form)
    return render_template(
        "iid/region.html",
        region=g.region,
        year=year,
        data=data,
        verified=scoring.score(rules, data.inputs(), "verified"),
        claimed=scoring.score(rules, data.inputs(), "claimed"),
        problems=[p for p in checks.problems(data, queries.hosts()) if p.innovation_id is None],
        indicator_url=indicator_url,
        stored_form=stored_form,
        can_set_stored=permissions.can_set_stored_index(g.access),
        **helpers(rules),
    )


@bp.get(YEAR + "/region")
@region_role(*permissions.SCORE_ROLES)
def region(region_code: str, year: int):
    return _region_page(year=year)


@bp.post(YEAR + "/last-year")
@region_role("coordinator")
@unit_of_work(render=_region_page)
def set_last_year(region_code: str, year: int):
    """The official verified index of the year before (when it was not scored here)."""
    rules_of(year)
    form = StoredIndexForm()
    if not form.validate_on_submit():
        return _region_page(year=year, stored_form=form)
    operations.set_stored_index(
        g.region,
        year - 1,
        form.value.data,
        form.note.data or "",
        actor=current_user,
        seen_lock=form.seen_lock,
    )
    flash(_("Nilai IID tahun %(year)d sudah disimpan.", year=year - 1), "success")
    return redirect(url_for("lms.iid.score", region_code=region_code, year=year))


@bp.get(REGION_ROW)
@region_role(*permissions.SCORE_ROLES)
def region_indicator(region_code: str, year: int, region_indicator_code: str):
    return _region_row_page(year=year, region_indicator_code=region_indicator_code)


@bp.post(REGION_ROW + "/claim")
@region_role("coordinator")
@unit_of_work(render=_region_row_page)
def region_claim(region_code: str, year: int, region_indicator_code: str):
    return _claim(_target(year, None, region_indicator_code))


@bp.post(REGION_ROW + "/verify")
@region_role("coordinator")
@unit_of_work(render=_region_row_page)
def region_verify(region_code: str, year: int, region_indicator_code: str):
    return _verify(_target(year, None, region_indicator_code))


@bp.post(REGION_ROW + "/documents")
@region_role("coordinator")
@unit_of_work(render=_region_row_page)
def region_add_document(region_code: str, year: int, region_indicator_code: str):
    return _add_document(_target(year, None, region_indicator_code))


@bp.get(REGION_ROW + "/documents/<int:document_id>")
@region_role(*permissions.SCORE_ROLES)
def region_document(region_code: str, year: int, region_indicator_code: str, document_id: int):
    return _download(_target(year, None, region_indicator_code), document_id)


@bp.post(REGION_ROW + "/documents/<int:document_id>/edit")
@region_role("coordinator")
@unit_of_work(back=_back_region)
def region_edit_document(region_code: str, year: int, region_indicator_code: str, document_id: int):
    return _edit_document(_target(year, None, region_indicator_code), document_id)


@bp.post(REGION_ROW + "/documents/<int:document_id>/remove")
@region_role("coordinator")
@unit_of_work(back=_back_region)
def region_remove_document(
    region_code: str, year: int, region_indicator_code: str, document_id: int
):
    return _remove_document(_target(year, None, region_indicator_code), document_id)
