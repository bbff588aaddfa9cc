"""The innovation video: a participant's upload (or public link) page, and playing a video.

An uploaded MP4 goes through :mod:`lms.storage` (streamed, byte limit, type by content), then
:mod:`lms.submissions.video` reads its duration; a video longer than the spec allows is refused
with the measured duration and no row points at it. Each file is judged on its own
(``operations.save_video``): a refused file gets its message next to its field while the rest
of the request is kept as a draft, so a participant on a slow connection never loses a good
upload because of a bad thumbnail.
"""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

from lms import storage
from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import gettext as _
from lms.submissions import bp, operations, permissions, queries
from lms.submissions.fields import video_max_bytes
from lms.submissions.forms import VideoForm
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile
from lms.submissions.video import format_duration, max_seconds_of
from lms.submissions.views._common import (
    files_refused,
    not_sent,
    page_status,
    place_errors,
    problem_text,
    receipt_url,
    sent_message,
)
from lms.unit_of_work import unit_of_work

#: Sent by upload-progress.js: answer a success with JSON instead of a redirect, so the flash
#: message is still there for the page the script then opens.
XHR_HEADER = "X-Upload-Progress"
#: Where the messages of a refused save or submit stand, in the order of the page.
ORDER = ["video", "thumbnail", "video_url", "unsur", "deskripsi", "statement"]


def _video_assignment(assignment_id: int) -> CohortAssignment:
    assignment = queries.assignment_of(g.cohort, assignment_id)
    if assignment.spec.kind != "video":
        abort(404)
    return assignment


def _file_url(endpoint: str, cohort_id: int, file: SubmissionFile | None) -> str | None:
    """The address of a submission's file (None for no file)."""
    if file is None:
        return None
    return url_for(endpoint, cohort_id=cohort_id, submission_id=file.submission_id, file_id=file.id)


def _video_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    *,
    assignment: CohortAssignment | None = None,
    form: VideoForm | None = None,
    submission: Submission | None = None,
):
    """The video page; after a refusal (``form`` None) the posted form over the draft as it
    is now, so what was typed is kept and saving again overwrites deliberately."""
    assignment = assignment or _video_assignment(assignment_id)
    if form is None:
        submission = queries.own_submission(assignment, current_user)
        form = VideoForm()
    form.lock_version.data = permissions.lock_of(submission)
    summary = []
    if problem is not None:
        _targets, summary = place_errors(form, problem.errors, order=ORDER)
    cohort = assignment.cohort
    video_file = queries.current_file(submission, "video")
    thumbnail = queries.current_file(submission, "thumbnail")
    max_bytes = video_max_bytes()
    max_mb = format_decimal(round(max_bytes / 1048576, 1))
    max_duration = format_duration(max_seconds_of(assignment.spec.settings))
    form.video.description = _(
        "MP4 (H.264/AAC), paling besar %(mb)s MB, paling lama %(duration)s.",
        mb=max_mb,
        duration=max_duration,
    )
    return render_template(
        "submissions/video.html",
        **page_status(assignment, submission, utcnow()),
        form=form,
        problem=problem_text(problem, files_chosen=form.chose_files()) if problem else "",
        summary=summary,
        video_file=video_file,
        video_duration=format_duration(video_file.duration)
        if video_file is not None and video_file.duration
        else None,
        video_play_url=_file_url("lms.submissions.play_video", cohort.id, video_file),
        thumbnail=thumbnail,
        thumbnail_url=_file_url("lms.submissions.download_file", cohort.id, thumbnail),
        max_duration=max_duration,
        max_mb=max_mb,
        max_bytes=max_bytes,
    )


def _done(url: str):
    """A redirect after a successful post; JSON for upload-progress.js (see XHR_HEADER)."""
    if request.headers.get(XHR_HEADER):
        return jsonify(location=url)
    return redirect(url, code=303)


@bp.route("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/video", methods=["GET", "POST"])
@cohort_role("participant")
@unit_of_work(render=_video_page)
def video(cohort_id: int, assignment_id: int):
    assignment = _video_assignment(assignment_id)
    submission = queries.own_submission(assignment, current_user)
    if request.method == "GET":
        form = VideoForm.from_draft(submission.draft if submission is not None else None)
        return _video_page(assignment=assignment, form=form, submission=submission)

    if not permissions.is_participant(g.membership):
        abort(403)  # an admin may look at the page; only participants submit
    form = VideoForm()
    if not form.validate():
        return _video_page(assignment=assignment, form=form, submission=submission), 400
    now = utcnow()
    here = url_for(".video", cohort_id=cohort_id, assignment_id=assignment.id)
    if reason := permissions.why_locked(submission, now):
        flash(reason, "error")
        return _done(here)
    saved = operations.save_video(
        assignment,
        current_user,
        seen_lock=form.lock_version.data or "0",
        fields=form.draft(),
        video=form.video.data,
        thumbnail=form.thumbnail.data,
        remove_video=form.remove_video.data,
        remove_thumbnail=form.remove_thumbnail.data,
    )
    problem = files_refused(saved.refused, sending=form.submitting)
    if problem is None and form.submitting:
        problem = not_sent(saved.submission, self_check={}, statement=form.statement.data, now=now)
    if problem is not None:
        # Not sent, or a file refused: the draft (and any good file) is saved, nothing is
        # versioned. The page is answered here with 200, so the unit of work commits the draft.
        return _video_page(problem, assignment=assignment, form=form, submission=saved.submission)
    if not form.submitting:
        flash(_("Draf tersimpan."), "success")
        return _done(here)
    version = operations.submit(
        saved.submission, self_check={}, statement=bool(form.statement.data), now=now
    )
    flash(sent_message(version, assignment.cohort.timezone), "success")
    return _done(receipt_url(assignment, version.number))


@bp.get("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/files/<int:file_id>/play")
@cohort_role(*MEMBER_ROLES)
def play_video(cohort_id: int, submission_id: int, file_id: int):
    """An uploaded video, inline, with range requests (players seek and stream)."""
    # 404 unless the file, the submission and the cohort belong together; then the owner,
    # the cohort's staff and admins only.
    file = queries.file_of(g.cohort, submission_id, file_id)
    if not permissions.can_view_submission(current_user, file.submission):
        abort(403)
    if file.role != "video" or file.kind != "mp4":
        abort(404)
    return storage.send_stored(file.key, file.name, inline=True)
