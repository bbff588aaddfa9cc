"""Submission writes: a cohort's assignment rows, dates and extensions, drafts and their
files, submitted versions. Each function flushes; the unit of work commits."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lms import audit, profile, storage
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import gettext as _
from lms.submissions import permissions, queries
from lms.submissions.fields import (
    FIELDS_BY_KIND,
    PP38_CRITERIA,
    THUMBNAIL_KINDS,
    THUMBNAIL_MAX_BYTES,
    VIDEO_ELEMENTS,
    VIDEO_KINDS,
    attachment_kinds,
    attachment_max_bytes,
    video_max_bytes,
)
from lms.submissions.models import (
    CohortAssignment,
    Extension,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.submissions.video import VideoError, duration_problem, max_seconds_of, probe


class SubmissionError(DomainError):
    """A refusal with a message for the person who asked (deadlines, rights); ``field`` names
    the argument it is about (``due_dt``, ``cutoff_dt``, ``reason``, ``user``)."""


class ValidationFailed(DomainError):
    """Submitting found problems: ``errors`` holds them by field key ("" for the whole form)."""

    def __init__(self, errors: dict[str, list[str]], message: object = "") -> None:
        joined = "; ".join(m for ms in errors.values() for m in ms)
        super().__init__(message or joined, errors=errors)


# --- a cohort's assignments -------------------------------------------------------------------


def ensure_cohort_assignments(cohort: Cohort) -> list[CohortAssignment]:
    """One row per assignment spec of the courses the cohort follows, in course order."""
    specs = db.session.scalars(
        db.select(AssignmentSpec)
        .join(CohortCourse, CohortCourse.course_id == AssignmentSpec.course_id)
        .where(CohortCourse.cohort_id == cohort.id, AssignmentSpec.archived.is_(False))
        .order_by(CohortCourse.position, AssignmentSpec.title)
    ).all()
    existing = {
        row.spec_id: row
        for row in db.session.scalars(db.select(CohortAssignment).filter_by(cohort_id=cohort.id))
    }
    rows = []
    for spec in specs:
        row = existing.get(spec.id)
        if row is None:
            row = CohortAssignment(cohort_id=cohort.id, spec_id=spec.id)
            db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def set_dates(
    assignment: CohortAssignment,
    *,
    open_dt: datetime | None,
    due_dt: datetime | None,
    cutoff_dt: datetime | None,
    late_allowed: bool,
    resubmit_before_due: bool = True,
    actor: Any,
    seen_version: int | str | None = None,
) -> None:
    """The assignment's dates and rules. ``seen_version``: the row version the form was shown
    with; another one means someone saved in between (Conflict)."""
    if seen_version not in (None, "") and str(seen_version) != str(assignment.version):
        raise Conflict()
    if open_dt and due_dt and due_dt <= open_dt:
        raise SubmissionError(_("Batas waktu harus setelah tanggal dibuka."), field="due_dt")
    if cutoff_dt and due_dt and cutoff_dt < due_dt:
        raise SubmissionError(
            _("Batas akhir penerimaan tidak boleh sebelum batas waktu."), field="cutoff_dt"
        )
    if cutoff_dt and not due_dt:
        raise SubmissionError(_("Isi batas waktu sebelum batas akhir penerimaan."), field="due_dt")
    before = _dates(assignment)
    assignment.open_dt, assignment.due_dt, assignment.cutoff_dt = open_dt, due_dt, cutoff_dt
    assignment.late_allowed = late_allowed
    assignment.resubmit_before_due = resubmit_before_due
    db.session.flush()
    after = _dates(assignment)
    if after != before:
        audit.record(
            "assignment.dates",
            assignment,
            actor=actor,
            before=before,
            after=after,
            cohort_id=assignment.cohort_id,
        )


def _dates(a: CohortAssignment) -> dict[str, Any]:
    return {
        "open_dt": _iso(a.open_dt),
        "due_dt": _iso(a.due_dt),
        "cutoff_dt": _iso(a.cutoff_dt),
        "late_allowed": a.late_allowed,
        "resubmit_before_due": a.resubmit_before_due,
    }


def _is_participant(cohort_id: int, user: Any) -> bool:
    return (
        db.session.scalar(
            db.select(Membership.id).filter_by(
                cohort_id=cohort_id, user_id=user.id, role="participant"
            )
        )
        is not None
    )


def grant_extension(
    assignment: CohortAssignment,
    user: Any,
    *,
    due_dt: datetime,
    cutoff_dt: datetime | None,
    reason: str,
    actor: Any,
) -> Extension:
    """A later due date (and cut-off) for one participant; replaces their earlier one."""
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionError(_("Tulis alasan perpanjangan."), field="reason")
    if not _is_participant(assignment.cohort_id, user):
        raise SubmissionError(
            _("%(name)s bukan peserta kelas ini.", name=user.full_name), field="user"
        )
    if cutoff_dt and cutoff_dt < due_dt:
        raise SubmissionError(
            _("Batas akhir penerimaan tidak boleh sebelum batas waktu."), field="cutoff_dt"
        )
    extension = db.session.scalar(
        db.select(Extension).filter_by(assignment_id=assignment.id, user_id=user.id)
    )
    before = None
    if extension is None:
        extension = Extension(assignment_id=assignment.id, user_id=user.id, due_dt=due_dt)
        db.session.add(extension)
    else:
        before = {
            "due_dt": _iso(extension.due_dt),
            "cutoff_dt": _iso(extension.cutoff_dt),
            "reason": extension.reason,
        }
    extension.due_dt, extension.cutoff_dt = due_dt, cutoff_dt
    extension.reason = reason[:500]
    extension.granted_by_id = getattr(actor, "id", None)
    extension.granted_dt = utcnow()
    db.session.flush()
    audit.record(
        "assignment.extension",
        extension,
        actor=actor,
        before=before,
        after={
            "user_id": user.id,
            "due_dt": _iso(due_dt),
            "cutoff_dt": _iso(cutoff_dt),
            "reason": extension.reason,
        },
        cohort_id=assignment.cohort_id,
    )
    return extension


# --- drafts -----------------------------------------------------------------------------------


def submission_for(assignment: CohortAssignment, user: Any) -> Submission:
    """The user's working copy of the assignment, created on their first save."""
    submission = queries.own_submission(assignment, user)
    if submission is None:
        if not _is_participant(assignment.cohort_id, user):
            raise SubmissionError(_("Hanya peserta kelas ini yang dapat mengumpulkan tugas."))
        submission = Submission(assignment_id=assignment.id, user_id=user.id, draft={})
        db.session.add(submission)
        db.session.flush()
    return submission


def clean_fields(
    kind: str, data: dict[str, Any], keep: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Only the kind's fields, strings trimmed; lists (video elements) kept as lists. A field
    ``data`` does not hold keeps its value in ``keep`` (a field the page did not show, such as
    a theme in a year without index rules). A proposal's old keys (permasalahan, one
    rancang_bangun, pokok_perubahan) move to the six parts first (``profile.from_legacy``), so
    nothing typed is lost."""
    if kind == "proposal":
        data = profile.from_legacy(data)
        keep = profile.from_legacy(keep or {})
    keep = keep or {}
    cleaned: dict[str, Any] = {}
    for f in FIELDS_BY_KIND.get(kind, ()):
        value = data[f.key] if f.key in data else keep.get(f.key)
        if f.kind == "elements":
            allowed = {k for k, _label in VIDEO_ELEMENTS}
            cleaned[f.key] = [v for v in (value or []) if v in allowed]
        else:
            cleaned[f.key] = (value or "").strip() if isinstance(value, str) else ""
    return cleaned


def migrated_draft(kind: str, draft: dict[str, Any] | None) -> dict[str, Any]:
    """The data migration's rule for one stored draft (``Submission.draft``): a proposal draft
    written with the old keys gets them moved to the six parts (``profile.from_legacy``: text
    appended under its old heading where the part already holds text); any other draft is
    kept as it is. Versions are never migrated: they keep what was submitted."""
    draft = dict(draft or {})
    if kind == "proposal" and profile.is_legacy(draft):
        return profile.from_legacy(draft)
    return draft


def save_draft(submission: Submission, data: dict[str, Any]) -> Submission:
    """Keep whatever the participant wrote; nothing here can stop a draft from being saved."""
    kind = submission.assignment.spec.kind
    submission.draft = clean_fields(kind, data, keep=dict(submission.draft or {}))
    submission.draft_dt = utcnow()
    if submission.state == "withdrawn":
        submission.state = "draft"
    db.session.flush()
    return submission


def add_file(
    submission: Submission,
    stored: Any,
    *,
    name: str,
    role: str = "attachment",
    duration: float | None = None,
) -> SubmissionFile:
    row = SubmissionFile(
        submission_id=submission.id,
        key=stored.key,
        name=(name or "berkas")[:255],
        size=stored.size,
        kind=stored.kind,
        role=role,
        duration=duration,
    )
    db.session.add(row)
    db.session.flush()
    return row


def remove_file(submission: Submission, file: SubmissionFile) -> None:
    """Off the working copy; the stored bytes stay for the versions that list the file."""
    if file.submission_id != submission.id:
        raise SubmissionError(_("Berkas ini bukan milik pengumpulan Anda."))
    file.removed = True
    db.session.flush()


def _chosen(upload: Any) -> bool:
    return bool(upload is not None and getattr(upload, "filename", ""))


def _name_of(upload: Any) -> str:
    """The participant's file name without any folder (data only; never a path)."""
    return re.split(r"[/\\]", upload.filename or "")[-1][-255:]


def attach_files(
    submission: Submission, uploads: list[Any], *, allowed: set[str], max_bytes: int
) -> list[str]:
    """Store every chosen file and attach it; return a message per refused file."""
    problems = []
    known = {f.key for f in queries.current_files(submission)}
    for upload in uploads or []:
        if not _chosen(upload):
            continue
        name = _name_of(upload) or _("berkas")
        try:
            stored = storage.save_upload(upload.stream, max_bytes=max_bytes, allowed=allowed)
        except storage.UploadError as exc:
            problems.append(_("%(name)s tidak dilampirkan: %(reason)s", name=name, reason=str(exc)))
            continue
        if stored.key in known:
            continue  # the same content is attached already
        add_file(submission, stored, name=name)
        known.add(stored.key)
    # add_file writes rows directly: the loaded list of files is out of date.
    db.session.expire(submission, ["files"])
    return problems


@dataclass
class Saved:
    """A saved draft, and the files that were refused: key -> messages ("files" for the
    attachments of the work page, "video" and "thumbnail" on the video page)."""

    submission: Submission
    refused: dict[str, list[str]] = field(default_factory=dict)


def _check_fresh(assignment: CohortAssignment, user: Any, seen_lock: str | None) -> None:
    """Another tab saved this draft since the page was shown: nothing is overwritten."""
    if permissions.is_stale(queries.own_submission(assignment, user), seen_lock):
        raise Conflict()


def save_work(
    assignment: CohortAssignment,
    user: Any,
    *,
    seen_lock: str | None,
    fields: dict[str, Any] | None,
    uploads: list[Any] = (),  # type: ignore[assignment]
    remove: SubmissionFile | None = None,
) -> Saved:
    """The work page's save: the draft as typed and the chosen attachments (each file judged
    on its own), or a file taken off. ``seen_lock`` is the lock version the page was shown
    with; None (and ``fields`` None) when the post did not come from the page."""
    if seen_lock is not None:
        _check_fresh(assignment, user, seen_lock)
    submission = submission_for(assignment, user)
    saved = Saved(submission)
    if fields is not None:
        save_draft(submission, fields)
        spec = assignment.spec
        refused = attach_files(
            submission,
            list(uploads),
            allowed=set(attachment_kinds(spec)),
            max_bytes=attachment_max_bytes(),
        )
        if refused:
            saved.refused["files"] = refused
    if remove is not None:
        remove_file(submission, remove)
    return saved


def _store_video(upload: Any, max_seconds: int) -> tuple[storage.StoredFile, float]:
    """Store the upload and read its duration; raises UploadError or VideoError."""
    stored = storage.save_upload(
        upload.stream, max_bytes=video_max_bytes(), allowed=set(VIDEO_KINDS)
    )
    # The bytes stay in the store (content-addressed, maybe shared); no row points at them
    # unless the checks below pass.
    info = probe(storage.path_of(stored.key))
    problem = duration_problem(info.duration, max_seconds)
    if problem:
        raise VideoError(problem)
    return stored, info.duration


def save_video(
    assignment: CohortAssignment,
    user: Any,
    *,
    seen_lock: str | None,
    fields: dict[str, Any],
    video: Any = None,
    thumbnail: Any = None,
    remove_video: bool = False,
    remove_thumbnail: bool = False,
) -> Saved:
    """The video page's save: the draft, a new video (its duration checked) or thumbnail in
    place of the old one, or either taken off. A refused file is reported and the rest saved,
    so a good upload is never lost because of a bad thumbnail. ``seen_lock``: as for
    :func:`save_work` (None: not from the page, nothing to compare)."""
    if seen_lock is not None:
        _check_fresh(assignment, user, seen_lock)
    refused: dict[str, list[str]] = {}
    new: dict[str, tuple[storage.StoredFile, str, float | None]] = {}
    if _chosen(video):
        try:
            stored, seconds = _store_video(video, max_seconds_of(assignment.spec.settings))
        except (storage.UploadError, VideoError) as exc:
            refused["video"] = [str(exc)]
        else:
            new["video"] = (stored, _name_of(video), seconds)
    if _chosen(thumbnail):
        try:
            stored = storage.save_upload(
                thumbnail.stream, max_bytes=THUMBNAIL_MAX_BYTES, allowed=set(THUMBNAIL_KINDS)
            )
        except storage.UploadError as exc:
            refused["thumbnail"] = [str(exc)]
        else:
            new["thumbnail"] = (stored, _name_of(thumbnail), None)
    submission = submission_for(assignment, user)
    for role, remove in (("video", remove_video), ("thumbnail", remove_thumbnail)):
        if role in new or remove:
            for old in queries.current_files(submission):
                if old.role == role:
                    remove_file(submission, old)
    for role, (stored, name, seconds) in new.items():
        add_file(submission, stored, name=name, role=role, duration=seconds)
    db.session.expire(submission, ["files"])  # add_file wrote rows directly
    save_draft(submission, fields)
    return Saved(submission, refused)


# --- submitting -------------------------------------------------------------------------------


def content_hash(fields: dict[str, Any], files: list[dict[str, Any]]) -> str:
    canonical = json.dumps(
        {"fields": fields, "files": sorted(f["key"] for f in files)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def submit(
    submission: Submission,
    *,
    self_check: dict[str, Any],
    statement: bool,
    now: datetime | None = None,
) -> SubmissionVersion:
    """Check everything and write the next immutable version of the working copy."""
    now = now or utcnow()
    assignment = submission.assignment
    reason, errors = permissions.why_not_submit(
        submission, self_check=self_check, statement=statement, now=now
    )
    if reason:
        raise SubmissionError(reason)
    if errors:
        raise ValidationFailed(errors)
    late = permissions.is_late(queries.deadlines_for(assignment, submission.user), now)
    fields = dict(submission.draft or {})
    files = queries.current_files(submission)
    listed = [
        {"key": f.key, "name": f.name, "size": f.size, "kind": f.kind, "role": f.role}
        for f in files
    ]
    number = submission.latest_number + 1
    version = SubmissionVersion(
        submission_id=submission.id,
        number=number,
        fields=fields,
        files=listed,
        self_check={k: True for k, _label in PP38_CRITERIA if self_check.get(k)},
        statement_accepted=True,
        submitted_dt=now,
        late=late,
        content_hash=content_hash(fields, listed),
    )
    db.session.add(version)
    submission.latest_number = number
    submission.state = "submitted"
    db.session.flush()
    audit.record(
        "submission.submit",
        submission,
        actor=submission.user,
        after={"version": number, "late": late, "content_hash": version.content_hash},
        cohort_id=assignment.cohort_id,
    )
    return version
