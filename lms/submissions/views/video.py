"""The innovation video: a participant's upload (or public link) page, and playing a video.

An uploaded MP4 goes through :mod:`lms.storage` (streamed, byte limit, type by content), then
:mod:`lms.submissions.video` reads its duration; a video longer than the spec allows is refused
with the measured duration and no row points at it. Each file is judged on its own: a refused
file gets its message next to its field while the rest of the request is kept as a draft, so a
participant on a slow connection never loses a good upload because of a bad thumbnail.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, SelectMultipleField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from lms import storage
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db
from lms.submissions import bp
from lms.submissions import operations as ops
from lms.submissions.fields import VIDEO_ELEMENTS
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile
from lms.submissions.video import (
    VideoError,
    duration_problem,
    format_duration,
    max_seconds_of,
    probe,
)
from lms.submissions.views.work import kind_label, state_label, time_left
from lms.timefmt import local_datetime

#: Thumbnails: small images only.
THUMBNAIL_MAX_BYTES = 5 * 1024 * 1024
THUMBNAIL_KINDS = frozenset({"jpeg", "png", "webp"})
VIDEO_KINDS = frozenset({"mp4"})
#: Sent by upload-progress.js: answer a success with JSON instead of a redirect, so the flash
#: message is still there for the page the script then opens.
XHR_HEADER = "X-Upload-Progress"


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VideoForm(FlaskForm):
    video = FileField(
        _l("Berkas video MP4"),
        render_kw={"accept": "video/mp4"},
    )
    remove_video = BooleanField(_l("Hapus video yang sudah diunggah"))
    video_url = URLField(
        _l("Tautan video publik"),
        description=_l(
            "Atau tempel tautan https:// dari YouTube, Google Drive atau layanan serupa yang "
            "dapat ditonton siapa saja yang memiliki tautannya."
        ),
        render_kw={"inputmode": "url", "autocomplete": "off", "maxlength": 500},
    )
    unsur = _Checkboxes(
        _l("Unsur yang ditampilkan video"),
        choices=[SelectChoice(key, label) for key, label in VIDEO_ELEMENTS],
    )
    deskripsi = TextAreaField(
        _l("Deskripsi singkat"),
        description=_l("Sekitar satu paragraf: nama inovasi, kantor, masalah yang diselesaikan."),
        render_kw={"rows": 5},
    )
    thumbnail = FileField(
        _l("Gambar mini (thumbnail), tidak wajib"),
        description=_l("JPG, PNG atau WebP, paling besar 5 MB; sebaiknya 16:9."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    remove_thumbnail = BooleanField(_l("Hapus gambar mini yang sudah diunggah"))
    statement = BooleanField(
        _l(
            "Saya menyatakan bahwa video ini adalah karya saya sendiri dan orang yang tampak di "
            "dalamnya sudah memberi izin."
        )
    )
    #: The draft's lock version when the page was loaded (0: no draft yet).
    lock_version = HiddenField()


def _assignment_of(cohort: Cohort, assignment_id: int) -> CohortAssignment:
    assignment = db.get_or_404(CohortAssignment, assignment_id)
    if assignment.cohort_id != cohort.id or assignment.spec.kind != "video":
        abort(404)
    return assignment


def _own_submission(assignment: CohortAssignment) -> Submission | None:
    return db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment.id, user_id=current_user.id)
    )


def _current(submission: Submission | None, role: str) -> SubmissionFile | None:
    if submission is None:
        return None
    files = [f for f in ops.current_files(submission) if f.role == role]
    return files[-1] if files else None


def _upload_name(upload: Any) -> str:
    return re.split(r"[/\\]", upload.filename or "")[-1][-255:]


def _chosen(upload: Any) -> bool:
    return bool(upload is not None and getattr(upload, "filename", ""))


def _store_video(upload: Any, max_seconds: int) -> tuple[storage.StoredFile, float]:
    """Store the upload and read its duration; raises UploadError or VideoError."""
    stored = storage.save_upload(
        upload.stream,
        max_bytes=current_app.config["LMS_VIDEO_MAX_BYTES"],
        allowed=set(VIDEO_KINDS),
    )
    # The bytes stay in the store (content-addressed, maybe shared); no row points at them
    # unless the checks below pass.
    info = probe(storage.path_of(stored.key))
    problem = duration_problem(info.duration, max_seconds)
    if problem:
        raise VideoError(problem)
    return stored, info.duration


def _locked_reason(submission: Submission | None, now: datetime) -> str:
    """Why the participant cannot change their video now ("" when they can); the same rule
    and words as the work page."""
    if submission is None or submission.latest_number == 0:
        return ""
    if ops.may_submit_again(submission, now):
        return ""
    if submission.state == "graded":
        return _("Tugas ini sudah dinilai; isinya tidak dapat diubah lagi.")
    return _(
        "Tugas ini sudah dikumpulkan. Versi baru hanya dapat dikirim bila penilai meminta revisi."
    )


def _place_errors(form: VideoForm, errors: dict[str, list[str]]) -> list[tuple[str | None, str]]:
    """Put each message of ``operations.validate`` next to its field; return the summary
    [(field id or None, message)] in the order of the page."""
    order = ["video_url", "unsur", "deskripsi", "statement", ""]
    summary = []
    for key in sorted(errors, key=lambda k: order.index(k) if k in order else len(order)):
        target = key if key in order[:-1] else None
        if target:
            form[target].errors = [*form[target].errors, *errors[key]]
        summary.extend((target, message) for message in errors[key])
    return summary


def _render(
    assignment: CohortAssignment,
    submission: Submission | None,
    form: VideoForm,
    *,
    now: datetime,
    problem: str = "",
    summary: list[tuple[str | None, str]] = (),  # type: ignore[assignment]
    status: int = 200,
):
    cohort: Cohort = g.cohort
    spec = assignment.spec
    is_participant = g.membership is not None and g.membership.role == "participant"
    locked = _locked_reason(submission, now)
    if not is_participant:
        locked = _("Hanya peserta kelas ini yang dapat mengerjakan dan mengumpulkan tugas.")
    deadlines = ops.deadlines_for(assignment, current_user)
    accepting_problem, would_be_late = "", False
    try:
        would_be_late = ops.check_accepting(assignment, current_user, now)
    except ops.SubmissionError as exc:
        accepting_problem = str(exc)
    video_file = _current(submission, "video")
    thumbnail = _current(submission, "thumbnail")
    versions = list(submission.versions) if submission is not None else []
    max_bytes = current_app.config["LMS_VIDEO_MAX_BYTES"]
    max_mb = format_decimal(round(max_bytes / 1048576, 1))
    max_duration = format_duration(max_seconds_of(spec.settings))
    form.video.description = _(
        "MP4 (H.264/AAC), paling besar %(mb)s MB, paling lama %(duration)s.",
        mb=max_mb,
        duration=max_duration,
    )
    return (
        render_template(
            "submissions/video.html",
            cohort=cohort,
            assignment=assignment,
            spec=spec,
            form=form,
            submission=submission,
            state=ops.display_state(submission),
            state_label=state_label,
            kind_label=kind_label,
            deadlines=deadlines,
            time_left=time_left(deadlines.due_dt, now),
            accepting_problem=accepting_problem,
            would_be_late=would_be_late,
            locked=locked,
            problem=problem,
            summary=list(summary),
            versions=versions,
            receipts={
                v.number: url_for(
                    "lms.submissions.version",
                    cohort_id=cohort.id,
                    assignment_id=assignment.id,
                    number=v.number,
                )
                for v in versions
            },
            video_file=video_file,
            video_duration=format_duration(video_file.duration)
            if video_file is not None and video_file.duration
            else None,
            video_play_url=url_for(
                ".play_video",
                cohort_id=cohort.id,
                submission_id=video_file.submission_id,
                file_id=video_file.id,
            )
            if video_file is not None
            else None,
            thumbnail=thumbnail,
            thumbnail_url=url_for(
                "lms.submissions.download_file",
                cohort_id=cohort.id,
                submission_id=thumbnail.submission_id,
                file_id=thumbnail.id,
            )
            if thumbnail is not None
            else None,
            max_duration=max_duration,
            max_mb=max_mb,
            max_bytes=max_bytes,
        ),
        status,
    )


def _done(url: str):
    """A redirect after a successful post; JSON for upload-progress.js (see XHR_HEADER)."""
    if request.headers.get(XHR_HEADER):
        return jsonify(location=url)
    return redirect(url, code=303)


def _conflict(assignment: CohortAssignment, form: VideoForm, now: datetime):
    """The draft was saved in another tab since this page was loaded: nothing is saved."""
    submission = _own_submission(assignment)
    form.lock_version.data = str(submission.lock_version if submission else 0)
    problem = _("Draf ini baru saja disimpan di tab/perangkat lain. Muat ulang.")
    if _chosen(form.video.data) or _chosen(form.thumbnail.data):
        problem += " " + _("Berkas yang Anda pilih belum diunggah; pilih lagi.")
    return _render(assignment, submission, form, now=now, problem=problem, status=409)


@bp.route("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/video", methods=["GET", "POST"])
@cohort_role("participant")
def video(cohort_id: int, assignment_id: int):
    cohort: Cohort = g.cohort
    assignment = _assignment_of(cohort, assignment_id)
    submission = _own_submission(assignment)
    here = url_for(".video", cohort_id=cohort.id, assignment_id=assignment.id)
    now = utcnow()

    if request.method == "GET":
        draft = submission.draft if submission is not None else {}
        form = VideoForm(
            formdata=None,
            video_url=draft.get("video_url", ""),
            unsur=draft.get("unsur") or [],
            deskripsi=draft.get("deskripsi", ""),
            lock_version=str(submission.lock_version if submission else 0),
        )
        return _render(assignment, submission, form, now=now)

    form = VideoForm()
    if g.membership is None or g.membership.role != "participant":
        abort(403)  # an admin may look at the page; only participants submit
    if not form.validate():
        return _render(assignment, submission, form, now=now, status=400)
    locked = _locked_reason(submission, now)
    if locked:
        flash(locked, "error")
        return _done(here)
    if (form.lock_version.data or "0") != str(submission.lock_version if submission else 0):
        return _conflict(assignment, form, now)

    submitting = request.form.get("action") == "submit"
    new_video: tuple[storage.StoredFile, float, str] | None = None
    new_thumbnail: tuple[storage.StoredFile, str] | None = None
    if _chosen(form.video.data):
        try:
            stored, seconds = _store_video(
                form.video.data, max_seconds_of(assignment.spec.settings)
            )
        except (storage.UploadError, VideoError) as exc:
            form.video.errors = [str(exc)]
        else:
            new_video = (stored, seconds, _upload_name(form.video.data))
    if _chosen(form.thumbnail.data):
        try:
            stored = storage.save_upload(
                form.thumbnail.data.stream,
                max_bytes=THUMBNAIL_MAX_BYTES,
                allowed=set(THUMBNAIL_KINDS),
            )
        except storage.UploadError as exc:
            form.thumbnail.errors = [str(exc)]
        else:
            new_thumbnail = (stored, _upload_name(form.thumbnail.data))

    try:
        try:
            submission = ops.submission_for(assignment, current_user)
        except ops.SubmissionError as exc:
            flash(str(exc), "error")
            return _done(here)
        for role, replace, remove in (
            ("video", new_video is not None, form.remove_video.data),
            ("thumbnail", new_thumbnail is not None, form.remove_thumbnail.data),
        ):
            if replace or remove:
                for old in ops.current_files(submission):
                    if old.role == role:
                        ops.remove_file(submission, old)
        if new_video is not None:
            stored, seconds, name = new_video
            ops.add_file(submission, stored, name=name, role="video", duration=seconds)
        if new_thumbnail is not None:
            stored, name = new_thumbnail
            ops.add_file(submission, stored, name=name, role="thumbnail")
        db.session.expire(submission, ["files"])  # add_file wrote rows directly
        ops.save_draft(
            submission,
            {
                "video_url": form.video_url.data or "",
                "unsur": form.unsur.data or [],
                "deskripsi": form.deskripsi.data or "",
            },
        )
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return _conflict(assignment, form, now)
    form.lock_version.data = str(submission.lock_version)

    if form.video.errors or form.thumbnail.errors:
        refused = [(f.id, message) for f in (form.video, form.thumbnail) for message in f.errors]
        return _render(
            assignment,
            submission,
            form,
            now=now,
            problem=_("Belum terkirim. Draf sudah disimpan; perbaiki hal berikut.")
            if submitting
            else _("Draf sudah disimpan, tetapi ada berkas yang tidak dapat dilampirkan."),
            summary=refused,
            status=400,
        )
    if not submitting:
        flash(_("Draf tersimpan."), "success")
        return _done(here)

    try:
        version = ops.submit(
            submission, self_check={}, statement=bool(form.statement.data), now=now
        )
    except ops.ValidationFailed as failed:
        db.session.rollback()  # nothing was versioned; the draft is committed already
        return _render(
            assignment,
            submission,
            form,
            now=now,
            problem=_("Belum terkirim. Draf sudah disimpan; perbaiki hal berikut."),
            summary=_place_errors(form, failed.errors),
            status=400,
        )
    except ops.SubmissionError as exc:
        db.session.rollback()
        return _render(
            assignment,
            submission,
            form,
            now=now,
            problem=_("Belum terkirim: %(reason)s Draf sudah disimpan.", reason=str(exc)),
            status=400,
        )
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return _conflict(assignment, form, now)
    # The receipt shows the content hash.
    message = _(
        "Versi %(n)d terkirim %(time)s.",
        n=version.number,
        time=local_datetime(version.submitted_dt, cohort.timezone),
    )
    if version.late:
        message += " " + _("Pengumpulan ini tercatat terlambat.")
    flash(message, "success")
    receipt = url_for(
        "lms.submissions.version",
        cohort_id=cohort.id,
        assignment_id=assignment.id,
        number=version.number,
    )
    return _done(receipt or here)


@bp.get("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/files/<int:file_id>/play")
@cohort_role("participant", "trainer", "organizer")
def play_video(cohort_id: int, submission_id: int, file_id: int):
    """An uploaded video, inline, with range requests (players seek and stream)."""
    cohort: Cohort = g.cohort
    submission = db.get_or_404(Submission, submission_id)
    if submission.assignment.cohort_id != cohort.id:
        abort(404)
    is_staff = current_user.is_admin or (
        g.membership is not None and g.membership.role in ("trainer", "organizer")
    )
    if not is_staff and submission.user_id != current_user.id:
        abort(403)
    file = db.get_or_404(SubmissionFile, file_id)
    if file.submission_id != submission.id or file.role != "video" or file.kind != "mp4":
        abort(404)
    try:
        path = storage.path_of(file.key)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="video/mp4",
        as_attachment=False,
        download_name=storage.download_name_for(file.name, "mp4"),
        conditional=True,
        etag=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
