"""An innovation's files (budget document, SOP, photos, video, other) and its innovators.

Downloads pass the same rule as the innovation's page (another office's file is 404 for an
operator) and go out as attachments with ``nosniff`` (lms.storage.send_stored).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect
from flask_login import current_user

from lms import storage
from lms.accounts.models import User
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.i18n import gettext as _
from lms.innovations import bp, operations, permissions, queries
from lms.innovations.forms import FileForm, InnovatorForm
from lms.innovations.views._common import back_to_detail, detail_url, load
from lms.innovations.views.registry import ITEM
from lms.regions.access import region_role
from lms.submissions.video import DEFAULT_MAX_SECONDS, VideoError, duration_problem, probe
from lms.unit_of_work import unit_of_work

DOCUMENT_KINDS = {"pdf", "docx", "xlsx", "pptx", "jpeg", "png"}
#: What each role of file accepts (judged by content, lms.storage).
KINDS_BY_ROLE = {
    "budget": DOCUMENT_KINDS,
    "sop": DOCUMENT_KINDS,
    "other": DOCUMENT_KINDS,
    "photo": {"jpeg", "png", "webp"},
    "video": {"mp4"},
}


def _store(upload, role: str) -> storage.StoredFile:
    """The upload in the store; the video's duration checked (the index's five minutes)."""
    config = current_app.config
    limit = config["LMS_VIDEO_MAX_BYTES"] if role == "video" else config["LMS_ATTACHMENT_MAX_BYTES"]
    try:
        stored = storage.save_upload(upload.stream, max_bytes=limit, allowed=KINDS_BY_ROLE[role])
        if role == "video":
            problem = duration_problem(
                probe(storage.path_of(stored.key)).duration, DEFAULT_MAX_SECONDS
            )
            if problem:
                raise VideoError(problem)
    except (storage.UploadError, VideoError) as exc:
        raise operations.InnovationError(str(exc), field="file") from exc
    return stored


@bp.post(ITEM + "/files")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=back_to_detail)
def upload_file(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_edit)
    form = FileForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        raise operations.InnovationError(_("Pilih berkas yang akan diunggah."), field="file")
    stored = _store(upload, form.role.data)
    operations.add_file(
        innovation, stored, name=upload.filename, role=form.role.data, actor=current_user
    )
    flash(_("Berkas %(name)s sudah diunggah.", name=upload.filename), "success")
    return redirect(detail_url(innovation) + "#files")


@bp.get(ITEM + "/files/<int:innovation_file_id>")
@region_role(*permissions.READER_ROLES)
def download_file(region_code: str, innovation_id: int, innovation_file_id: int):
    innovation = load(innovation_id)
    item = queries.file_of(innovation, innovation_file_id)
    return storage.send_stored(item.key, item.name)


@bp.post(ITEM + "/files/<int:innovation_file_id>/remove")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=back_to_detail)
def remove_file(region_code: str, innovation_id: int, innovation_file_id: int):
    innovation = load(innovation_id, permissions.can_edit)
    item = queries.file_of(innovation, innovation_file_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.remove_file(innovation, item, actor=current_user)
    flash(_("Berkas %(name)s sudah dilepas.", name=item.name), "success")
    return redirect(detail_url(innovation) + "#files")


# --- innovators ---------------------------------------------------------------------------


@bp.post(ITEM + "/innovators")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=back_to_detail)
def add_innovator(region_code: str, innovation_id: int):
    innovation = load(innovation_id, permissions.can_edit)
    form = InnovatorForm()
    if not form.validate_on_submit():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        raise operations.InnovationError(" ".join(messages))
    user = None
    if form.email.data:
        user = db.session.scalar(db.select(User).filter_by(email=form.email.data))
        if user is None:
            raise operations.InnovationError(
                _(
                    "Tidak ada akun dengan email itu. Tulis namanya saja bila inovator "
                    "belum punya akun."
                ),
                field="email",
            )
    person = operations.add_innovator(
        innovation, user=user, name=form.name.data or "", role=form.role.data, actor=current_user
    )
    flash(_("%(name)s sudah dicatat sebagai inovator.", name=person.display_name), "success")
    return redirect(detail_url(innovation) + "#innovators")


@bp.post(ITEM + "/innovators/<int:innovator_id>/remove")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=back_to_detail)
def remove_innovator(region_code: str, innovation_id: int, innovator_id: int):
    innovation = load(innovation_id, permissions.can_edit)
    person = queries.innovator_of(innovation, innovator_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = person.display_name
    operations.remove_innovator(innovation, person, actor=current_user)
    flash(_("%(name)s sudah dihapus dari daftar inovator.", name=name), "success")
    return redirect(detail_url(innovation) + "#innovators")
