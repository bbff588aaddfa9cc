"""Who may see and change a submission, and when work can be sent: predicates and reasons.

- the owner sees their own work and, while a participant of the cohort, edits it;
- trainers (widyaiswara) and organizers (panitia) of the submission's cohort see it;
- admins see everything; nobody else sees anything, participants of the same cohort included.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from lms import profile
from lms.catalog.models import AssignmentSpec
from lms.cohorts.models import STAFF_ROLES, Membership
from lms.extensions import db
from lms.i18n import gettext as _
from lms.submissions import queries
from lms.submissions.fields import (
    PP38_CRITERIA,
    counted_keys,
    index_themes,
    min_words,
    required_fields,
    shown_fields,
    words_in,
)
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile
from lms.submissions.queries import Deadlines
from lms.timefmt import local_datetime

DEFAULT_VIDEO_HOSTS = "youtube.com youtu.be drive.google.com vimeo.com"


# --- seeing and changing ------------------------------------------------------------------


def _role_in_cohort_of(user: Any, submission: Submission) -> str | None:
    """The user's role in the cohort the submission belongs to (one query)."""
    return db.session.scalar(
        db.select(Membership.role)
        .join(CohortAssignment, CohortAssignment.cohort_id == Membership.cohort_id)
        .where(
            CohortAssignment.id == submission.assignment_id,
            Membership.user_id == user.id,
        )
    )


def _known(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_owner(user: Any, submission: Submission) -> bool:
    return _known(user) and submission.user_id == user.id


def is_participant(membership: Membership | None) -> bool:
    """The membership (in the page's cohort, as the route rule loaded it) is a participant's:
    only they work on assignments."""
    return membership is not None and membership.role == "participant"


def is_staff(user: Any, membership: Membership | None) -> bool:
    """An admin, or a trainer or organizer of the page's cohort: they see every participant."""
    return bool(
        getattr(user, "is_admin", False)
        or (membership is not None and membership.role in STAFF_ROLES)
    )


def can_view_submission(user: Any, submission: Submission) -> bool:
    """The owner, an admin, or a trainer/organizer of the submission's cohort."""
    if not _known(user):
        return False
    if user.is_admin or submission.user_id == user.id:
        return True
    return _role_in_cohort_of(user, submission) in STAFF_ROLES


def can_edit_submission(user: Any, submission: Submission) -> bool:
    """Only the owner, and only while a participant of the submission's cohort."""
    if not is_owner(user, submission):
        return False
    return _role_in_cohort_of(user, submission) == "participant"


# --- the draft's lock ---------------------------------------------------------------------


def lock_of(submission: Submission | None) -> str:
    """The draft's lock version as a page carries it ("0": no draft yet)."""
    return str(submission.lock_version) if submission is not None else "0"


def is_stale(submission: Submission | None, seen: str | None) -> bool:
    """The page was shown with another lock version: someone saved the draft since."""
    return (seen or "0") != lock_of(submission)


# --- deadlines and versions ---------------------------------------------------------------


def why_not_accepting(deadlines: Deadlines, tz: str, now: datetime) -> str | None:
    """Why nothing can be submitted now (not open yet, past the cut-off); None when it can."""
    if deadlines.open_dt and now < deadlines.open_dt:
        return _("Tugas ini baru dibuka %(time)s.", time=local_datetime(deadlines.open_dt, tz))
    if deadlines.cutoff_dt and now > deadlines.cutoff_dt:
        return _(
            "Batas akhir penerimaan sudah lewat (%(time)s). Hubungi panitia bila perlu "
            "perpanjangan.",
            time=local_datetime(deadlines.cutoff_dt, tz),
        )
    return None


def is_late(deadlines: Deadlines, now: datetime) -> bool:
    return bool(deadlines.due_dt and now > deadlines.due_dt)


def may_submit_again(submission: Submission, now: datetime) -> bool:
    """A new version: after the grader asked for revisions, or before the due date when the
    cohort allows it."""
    if submission.latest_number == 0 or submission.state in ("draft", "revisions_requested"):
        return True
    if submission.state == "graded":
        return False
    assignment = submission.assignment
    d = queries.deadlines_for(assignment, submission.user)
    return assignment.resubmit_before_due and (d.due_dt is None or now <= d.due_dt)


def why_locked(submission: Submission | None, now: datetime) -> str | None:
    """Why the participant cannot change their work now; None when they can."""
    if submission is None or submission.latest_number == 0:
        return None
    if may_submit_again(submission, now):
        return None
    if submission.state == "graded":
        return _("Tugas ini sudah dinilai; isinya tidak dapat diubah lagi.")
    return _(
        "Tugas ini sudah dikumpulkan. Versi baru hanya dapat dikirim bila penilai meminta revisi."
    )


# --- what a version needs -----------------------------------------------------------------


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


def _label(kind: str, field: Any, fields: dict[str, Any]) -> str:
    """A field's label as the page shows it (a proposal's results label follows its stage)."""
    return str(profile.label_of(field.key, fields) if kind == "proposal" else field.label)


def _choice_problem(field: Any, value: str, themes: Any) -> str | None:
    if field.kind == "choice" and value not in {c for c, _label in field.choices}:
        return _("Pilih salah satu pilihan yang tersedia.")
    if field.kind == "urusan" and value not in profile.urusan_by_key():
        return _(
            "Pilih urusan pemerintahan dari daftar; isian lama \u201c%(text)s\u201d tidak ada "
            "di daftar.",
            text=value,
        )
    if field.kind == "theme" and value not in {t.key for t in getattr(themes, "themes", ())}:
        return _("Pilih salah satu tema dari ketentuan indeks tahun ini.")
    if field.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return _("Tanggal tidak sah; gunakan format TTTT-BB-HH.")
    return None


def _words_problem(kind: str, key: str, minimum: int, fields: dict[str, Any], shown: dict) -> str:
    count = words_in(kind, key, fields)
    if count >= minimum:
        return ""
    if counted_keys(kind, key) != (key,):
        return _(
            "%(section)s minimal %(min)d kata, keenam bagiannya dihitung bersama; sekarang "
            "%(n)d kata.",
            section=str(profile.section_title(key)),
            min=minimum,
            n=count,
        )
    return _(
        "%(field)s minimal %(min)d kata; sekarang %(n)d kata.",
        field=_label(kind, shown[key], fields),
        min=minimum,
        n=count,
    )


def content_problems(
    spec: AssignmentSpec,
    fields: dict[str, Any],
    files: list[SubmissionFile],
    *,
    self_check: dict[str, Any],
    statement: bool,
    themes: Any = None,
) -> dict[str, list[str]]:
    """Every problem of the content at once: field key -> messages ("files" for the
    attachments, a section's key for its word minimum, "" for the form as a whole).
    ``themes``: the index rules of the class's year when they name themes (else the theme
    field is not shown, so not asked for)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    kind = spec.kind
    shown = {f.key: f for f in shown_fields(spec, themes)}
    required = required_fields(spec)
    for key, field in shown.items():
        value = fields.get(key)
        if not value:
            if key in required:
                add(key, _("%(field)s wajib diisi.", field=_label(kind, field, fields)))
            continue
        if isinstance(value, str) and (problem := _choice_problem(field, value, themes)):
            add(key, problem)
    for key, minimum in min_words(spec).items():
        if not any(k in shown for k in counted_keys(kind, key)):
            continue
        if problem := _words_problem(kind, key, minimum, fields, shown):
            add(key, problem)
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


def why_not_submit(
    submission: Submission, *, self_check: dict[str, Any], statement: bool, now: datetime
) -> tuple[str | None, dict[str, list[str]]]:
    """Why the working copy cannot become a version now: a reason that stops it whole (the
    deadlines, a version already sent), else every problem of its content by field;
    ``(None, {})`` when it can be sent."""
    assignment = submission.assignment
    deadlines = queries.deadlines_for(assignment, submission.user)
    reason = why_not_accepting(deadlines, assignment.cohort.timezone, now)
    if reason is None and not may_submit_again(submission, now):
        reason = _("Tugas ini sudah dikumpulkan; versi baru hanya bila penilai meminta revisi.")
    if reason is not None:
        return reason, {}
    errors = content_problems(
        assignment.spec,
        dict(submission.draft or {}),
        queries.current_files(submission),
        self_check=self_check,
        statement=statement,
        themes=index_themes(assignment.cohort) if assignment.spec.kind == "proposal" else None,
    )
    return None, errors
