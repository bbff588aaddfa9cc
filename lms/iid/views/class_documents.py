"""A class's decree or invitation: the organizers upload it on the class; the innovations of
the innovators who attended then show it as bimtek evidence ("dari kelas")."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms import storage
from lms.cohorts.access import cohort_role
from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.iid import bp, operations, queries
from lms.iid.forms import ClassDocumentForm
from lms.submissions.receipts import human_size
from lms.unit_of_work import unit_of_work

URL = "/cohorts/<int:cohort_id>/documents"


def _page(problem: DomainError | None = None, cohort_id: int = 0, form=None, **_ignored):
    form = form or ClassDocumentForm()
    show_problem(problem, form)
    return render_template(
        "iid/class_documents.html",
        cohort=g.cohort,
        documents=queries.class_documents(g.cohort.id),
        form=form,
        confirm_form=ConfirmForm(formdata=None),
        human_size=human_size,
    )


def _list_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.iid.class_documents", cohort_id=cohort_id)


@bp.route(URL, methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_page)
def class_documents(cohort_id: int):
    form = ClassDocumentForm()
    if not form.validate_on_submit():
        return _page(form=form)
    upload = form.file.data
    try:
        stored = storage.save_upload(
            upload.stream,
            max_bytes=current_app.config["LMS_ATTACHMENT_MAX_BYTES"],
            allowed={"pdf"},
        )
    except storage.UploadError as exc:
        raise operations.EvidenceError(str(exc), field="file") from exc
    operations.add_class_document(
        g.cohort,
        stored,
        name=upload.filename or "",
        kind=form.kind.data,
        number=form.number.data or "",
        doc_date=form.doc_date.data,
        about=form.about.data or "",
        actor=current_user,
    )
    flash(_("Dokumen %(name)s sudah diunggah.", name=upload.filename), "success")
    return redirect(_list_url(cohort_id))


@bp.get(URL + "/<int:class_document_id>")
@cohort_role("organizer")
def class_document(cohort_id: int, class_document_id: int):
    doc = queries.class_document_of(cohort_id, class_document_id)
    return storage.send_stored(doc.key, doc.name)


@bp.post(URL + "/<int:class_document_id>/remove")
@cohort_role("organizer")
@unit_of_work(back=_list_url)
def remove_class_document(cohort_id: int, class_document_id: int):
    doc = queries.class_document_of(cohort_id, class_document_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.remove_class_document(doc, actor=current_user)
    flash(_("Dokumen %(name)s sudah dilepas.", name=doc.name), "success")
    return redirect(_list_url(cohort_id))
