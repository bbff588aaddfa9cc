"""Submission writes and the rules they follow. Each function flushes; the caller commits."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from lms import audit
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.db import utcnow
from lms.extensions import db
from lms.submissions.fields import (
    DEFAULT_MIN_WORDS,
    FIELDS_BY_KIND,
    PP38_CRITERIA,
    VIDEO_ELEMENTS,
    word_count,
)
from lms.submissions.models import (
    CohortAssignment,
    Extension,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.timefmt import local_datetime

DEFAULT_VIDEO_HOSTS = "youtube.com youtu.be drive.google.com vimeo.com"


class SubmissionError(ValueError):
    """A refusal with a message for the person who asked (deadlines, rights)."""


class ValidationFailed(ValueError):
    """Submitting found problems: field key (or "" for the whole form) -> messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


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
) -> None:
    if open_dt and due_dt and due_dt <= open_dt:
        raise SubmissionError(_("Batas waktu harus setelah tanggal dibuka."))
    if cutoff_dt and due_dt and cutoff_dt < due_dt:
        raise SubmissionError(_("Batas akhir penerimaan tidak boleh sebelum batas waktu."))
    if cutoff_dt and not due_dt:
        raise SubmissionError(_("Isi batas waktu sebelum batas akhir penerimaan."))
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
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionError(_("Tulis alasan perpanjangan."))
    if not _is_participant(assignment.cohort_id, user):
        raise SubmissionError(_("%(name)s bukan peserta kelas ini.", name=user.full_name))
    if cutoff_dt and cutoff_dt < due_dt:
        raise SubmissionError(_("Batas akhir penerimaan tidak boleh sebelum batas waktu."))
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


@dataclass(frozen=True)
class Deadlines:
    open_dt: datetime | None
    due_dt: datetime | None
    #: None: no cut-off at all (no due date, or late work allowed without an end).
    cutoff_dt: datetime | None
    late_allowed: bool
    extended: bool


def deadlines_for(assignment: CohortAssignment, user: Any) -> Deadlines:
    extension = db.session.scalar(
        db.select(Extension).filter_by(assignment_id=assignment.id, user_id=user.id)
    )
    due, cutoff = assignment.due_dt, assignment.cutoff_dt
    if extension is not None:
        due = extension.due_dt
        cutoff = extension.cutoff_dt or (max(cutoff, due) if cutoff else None)
    if not assignment.late_allowed and due is not None:
        cutoff = due if cutoff is None or cutoff > due else cutoff
    return Deadlines(
        assignment.open_dt, due, cutoff, assignment.late_allowed, extension is not None
    )


def check_accepting(assignment: CohortAssignment, user: Any, now: datetime) -> bool:
    """Raise SubmissionError when nothing can be submitted now; return whether it is late."""
    d = deadlines_for(assignment, user)
    tz = assignment.cohort.timezone
    if d.open_dt and now < d.open_dt:
        raise SubmissionError(
            _("Tugas ini baru dibuka %(time)s.", time=local_datetime(d.open_dt, tz))
        )
    if d.cutoff_dt and now > d.cutoff_dt:
        raise SubmissionError(
            _(
                "Batas akhir penerimaan sudah lewat (%(time)s). Hubungi panitia bila perlu "
                "perpanjangan.",
                time=local_datetime(d.cutoff_dt, tz),
            )
        )
    return bool(d.due_dt and now > d.due_dt)


# --- drafts -----------------------------------------------------------------------------------


def submission_for(assignment: CohortAssignment, user: Any) -> Submission:
    submission = db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment.id, user_id=user.id)
    )
    if submission is None:
        if not _is_participant(assignment.cohort_id, user):
            raise SubmissionError(_("Hanya peserta kelas ini yang dapat mengumpulkan tugas."))
        submission = Submission(assignment_id=assignment.id, user_id=user.id, draft={})
        db.session.add(submission)
        db.session.flush()
    return submission


def clean_fields(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Only the kind's fields, strings trimmed; lists (video elements) kept as lists."""
    cleaned: dict[str, Any] = {}
    for field in FIELDS_BY_KIND.get(kind, ()):
        value = data.get(field.key)
        if field.kind == "elements":
            allowed = {k for k, _label in VIDEO_ELEMENTS}
            cleaned[field.key] = [v for v in (value or []) if v in allowed]
        else:
            cleaned[field.key] = (value or "").strip() if isinstance(value, str) else ""
    return cleaned


def save_draft(submission: Submission, data: dict[str, Any]) -> Submission:
    """Keep whatever the participant wrote; nothing here can stop a draft from being saved."""
    kind = submission.assignment.spec.kind
    submission.draft = clean_fields(kind, data)
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


def current_files(submission: Submission) -> list[SubmissionFile]:
    return [f for f in submission.files if not f.removed]


# --- submitting -------------------------------------------------------------------------------


def _allowed_video_hosts() -> set[str]:
    raw = current_app.config.get("LMS_VIDEO_HOSTS") or DEFAULT_VIDEO_HOSTS
    return {h.strip().lower() for h in raw.replace(",", " ").split() if h.strip()}


def video_url_problem(url: str) -> str | None:
    """None for an https link on an allowed host (or a subdomain of one), else a message."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return _("Tautan video harus berupa alamat https:// yang lengkap.")
    allowed = _allowed_video_hosts()
    if not any(host == h or host.endswith("." + h) for h in allowed):
        return _(
            "Tautan video harus dari salah satu layanan ini: %(hosts)s.",
            hosts=", ".join(sorted(allowed)),
        )
    return None


def validate(
    spec: AssignmentSpec,
    fields: dict[str, Any],
    files: list[SubmissionFile],
    *,
    self_check: dict[str, Any],
    statement: bool,
) -> dict[str, list[str]]:
    """Every problem at once: field key -> messages ("" for the form as a whole)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    kind = spec.kind
    settings = spec.settings or {}
    by_key = {f.key: f for f in FIELDS_BY_KIND.get(kind, ())}
    for key in settings.get("required_fields") or []:
        if key in by_key and not fields.get(key):
            add(key, _("%(field)s wajib diisi.", field=str(by_key[key].label)))
    for key, field in by_key.items():
        value = fields.get(key)
        if not value:
            continue
        if field.kind == "choice" and value not in {c for c, _label in field.choices}:
            add(key, _("Pilih salah satu pilihan yang tersedia."))
        if field.kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                add(key, _("Tanggal tidak sah; gunakan format TTTT-BB-HH."))
    minimums = settings.get("min_words") or DEFAULT_MIN_WORDS.get(kind, {})
    for key, minimum in minimums.items():
        if key not in by_key:
            continue
        count = word_count(fields.get(key))
        if count < minimum:
            add(
                key,
                _(
                    "%(field)s minimal %(min)d kata; sekarang %(n)d kata.",
                    field=str(by_key[key].label),
                    min=minimum,
                    n=count,
                ),
            )
    if kind == "proposal" and not all(self_check.get(k) for k, _label in PP38_CRITERIA):
        add(
            "self_check",
            _("Periksa dan centang kelima kriteria inovasi daerah (PP 38/2017) sebelum mengirim."),
        )
    if kind == "video":
        videos = [f for f in files if f.role == "video"]
        url = fields.get("video_url") or ""
        if not videos and not url:
            add("video_url", _("Unggah berkas MP4 atau isi tautan video publik."))
        elif url and (problem := video_url_problem(url)):
            add("video_url", problem)
    if kind == "text" and not fields.get("teks"):
        add("teks", _("Jawaban wajib diisi."))
    if kind == "file" and not [f for f in files if f.role == "attachment"]:
        add("files", _("Lampirkan setidaknya satu berkas."))
    if not statement:
        add("statement", _("Nyatakan bahwa karya ini adalah karya Anda sendiri."))
    return errors


def content_hash(fields: dict[str, Any], files: list[dict[str, Any]]) -> str:
    canonical = json.dumps(
        {"fields": fields, "files": sorted(f["key"] for f in files)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def may_submit_again(submission: Submission, now: datetime) -> bool:
    """A new version: after the grader asked for revisions, or before the due date when the
    cohort allows it."""
    if submission.latest_number == 0 or submission.state in ("draft", "revisions_requested"):
        return True
    if submission.state == "graded":
        return False
    assignment = submission.assignment
    d = deadlines_for(assignment, submission.user)
    return assignment.resubmit_before_due and (d.due_dt is None or now <= d.due_dt)


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
    late = check_accepting(assignment, submission.user, now)
    if not may_submit_again(submission, now):
        raise SubmissionError(
            _("Tugas ini sudah dikumpulkan; versi baru hanya bila penilai meminta revisi.")
        )
    fields = dict(submission.draft or {})
    files = current_files(submission)
    errors = validate(assignment.spec, fields, files, self_check=self_check, statement=statement)
    if errors:
        raise ValidationFailed(errors)
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


def display_state(submission: Submission | None) -> str:
    """What a participant sees: not_started, draft, submitted, late, revisions_requested,
    graded."""
    if submission is None or (submission.latest_number == 0 and not submission.draft_dt):
        return "not_started"
    if submission.state == "submitted" and submission.versions and submission.versions[-1].late:
        return "late"
    if submission.state == "withdrawn":
        return "draft"
    return submission.state
