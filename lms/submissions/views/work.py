"""A cohort's assignments and the participant's work page: drafts, attachments, submitting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms import storage
from lms.catalog.models import AssignmentSpec
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db
from lms.security import writes_on_get
from lms.submissions import bp, forms
from lms.submissions import models as _models  # noqa: F401
from lms.submissions import operations as ops
from lms.submissions.fields import FIELDS_BY_KIND, PP38_CRITERIA, word_count
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile
from lms.timefmt import local_datetime

#: Where an error of ``operations.validate`` goes when its key is not a field of the form.
ERROR_TARGETS = {"files": "attachments", "self_check": "self_check", "statement": "statement"}


def state_label(state: str) -> str:
    return {
        "not_started": _("Belum mulai"),
        "draft": _("Draf"),
        "submitted": _("Dikumpulkan"),
        "late": _("Terlambat"),
        "revisions_requested": _("Perlu revisi"),
        "graded": _("Dinilai"),
    }.get(state, state)


def kind_label(kind: str) -> str:
    return {
        "proposal": _("Proposal"),
        "video": _("Video"),
        "text": _("Teks"),
        "file": _("Berkas"),
    }.get(kind, kind)


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d hari", "%(num)d hari", days))
        if hours:
            parts.append(ngettext("%(num)d jam", "%(num)d jam", hours))
    elif hours:
        parts.append(ngettext("%(num)d jam", "%(num)d jam", hours))
        if minutes:
            parts.append(ngettext("%(num)d menit", "%(num)d menit", minutes))
    else:
        parts.append(ngettext("%(num)d menit", "%(num)d menit", max(minutes, 1)))
    return " ".join(parts)


def time_left(due: datetime | None, now: datetime) -> str:
    """ "3 hari 4 jam lagi" before ``due``, "lewat 2 jam" after it."""
    if due is None:
        return ""
    seconds = int((due - now).total_seconds())
    if seconds >= 0:
        return _("%(time)s lagi", time=_duration(seconds))
    return _("lewat %(time)s", time=_duration(-seconds))


def _role() -> str | None:
    if g.membership is not None:
        return g.membership.role
    return "admin" if current_user.is_admin else None


def _is_participant() -> bool:
    return g.membership is not None and g.membership.role == "participant"


# --- the list ------------------------------------------------------------------------------


@dataclass
class Row:
    assignment: CohortAssignment
    deadlines: ops.Deadlines
    submission: Submission | None
    state: str
    time_left: str
    not_open_yet: bool
    closed: bool
    overdue: bool


@bp.get("/cohorts/<int:cohort_id>/assignments")
@writes_on_get
@cohort_role("participant", "trainer", "organizer")
def assignments(cohort_id: int):
    cohort: Cohort = g.cohort
    before = set(db.session.scalars(db.select(CohortAssignment.id).filter_by(cohort_id=cohort.id)))
    ensured = ops.ensure_cohort_assignments(cohort)
    if any(row.id not in before for row in ensured):
        db.session.commit()
    order = {row.id: i for i, row in enumerate(ensured)}
    loaded = db.session.scalars(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec).joinedload(AssignmentSpec.course))
        .where(CohortAssignment.id.in_(order))
    ).all()
    loaded = sorted(loaded, key=lambda a: order[a.id])
    participant = _is_participant()
    submissions: dict[int, Submission] = {}
    if participant and loaded:
        submissions = {
            s.assignment_id: s
            for s in db.session.scalars(
                db.select(Submission)
                .options(selectinload(Submission.versions))
                .where(
                    Submission.user_id == current_user.id,
                    Submission.assignment_id.in_(order),
                )
            )
        }
    now = utcnow()
    rows = []
    for assignment in loaded:
        if participant:
            d = ops.deadlines_for(assignment, current_user)
        else:
            d = ops.Deadlines(
                assignment.open_dt,
                assignment.due_dt,
                assignment.cutoff_dt,
                assignment.late_allowed,
                False,
            )
        submission = submissions.get(assignment.id)
        rows.append(
            Row(
                assignment=assignment,
                deadlines=d,
                submission=submission,
                state=ops.display_state(submission),
                time_left=time_left(d.due_dt, now),
                not_open_yet=bool(d.open_dt and now < d.open_dt),
                closed=bool(d.cutoff_dt and now > d.cutoff_dt),
                overdue=bool(d.due_dt and now > d.due_dt),
            )
        )
    return render_template(
        "submissions/list.html",
        cohort=cohort,
        rows=rows,
        role=_role(),
        participant=participant,
        state_label=state_label,
        kind_label=kind_label,
    )


# --- the work page -------------------------------------------------------------------------


def _assignment_of(cohort: Cohort, assignment_id: int) -> CohortAssignment:
    assignment = db.session.scalar(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec).joinedload(AssignmentSpec.course))
        .filter_by(id=assignment_id)
    )
    if assignment is None or assignment.cohort_id != cohort.id:
        abort(404)
    return assignment


def _own_submission(assignment: CohortAssignment) -> Submission | None:
    return db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment.id, user_id=current_user.id)
    )


def _work_url(assignment: CohortAssignment) -> str:
    return url_for(".work", cohort_id=assignment.cohort_id, assignment_id=assignment.id)


def _locked_reason(submission: Submission | None, now: datetime) -> str:
    """Why the participant cannot change their work now ("" when they can)."""
    if submission is None or submission.latest_number == 0:
        return ""
    if ops.may_submit_again(submission, now):
        return ""
    if submission.state == "graded":
        return _("Tugas ini sudah dinilai; isinya tidak dapat diubah lagi.")
    return _(
        "Tugas ini sudah dikumpulkan. Versi baru hanya dapat dikirim bila penilai meminta revisi."
    )


def _place_errors(
    form: Any, spec: AssignmentSpec, errors: dict[str, list[str]]
) -> tuple[dict[str, list[str]], list[tuple[str | None, str]]]:
    """Put each message next to its field; return the messages by target and the summary
    [(target id or None, message)] in the order of the page."""
    keys = [f.key for f in FIELDS_BY_KIND.get(spec.kind, ())]
    by_target: dict[str, list[str]] = {}
    for key, messages in errors.items():
        target = key if key in keys else ERROR_TARGETS.get(key, "")
        by_target.setdefault(target, []).extend(messages)
    for target, messages in by_target.items():
        if target in form._fields:
            form[target].errors = [*form[target].errors, *messages]
    order = [*keys, "attachments", "self_check", "statement", ""]
    summary = []
    for target in sorted(by_target, key=order.index):
        for message in by_target[target]:
            if target in keys and str(form[target].label.text) not in message:
                message = f"{form[target].label.text}: {message}"
            summary.append((target or None, message))
    return by_target, summary


def _render_work(
    assignment: CohortAssignment,
    submission: Submission | None,
    form: Any,
    *,
    now: datetime,
    errors: dict[str, list[str]] | None = None,
    problem: str = "",
    conflict: bool = False,
    status: int = 200,
):
    spec = assignment.spec
    cohort = assignment.cohort
    participant = _is_participant()
    error_targets, summary = _place_errors(form, spec, errors or {})
    deadlines = ops.deadlines_for(assignment, current_user)
    accepting_problem = ""
    would_be_late = False
    try:
        would_be_late = ops.check_accepting(assignment, current_user, now)
    except ops.SubmissionError as exc:
        accepting_problem = str(exc)
    locked = _locked_reason(submission, now)
    if not participant:
        locked = _("Hanya peserta kelas ini yang dapat mengerjakan dan mengumpulkan tugas.")
    minimums = forms.min_words(spec)
    counts = {key: word_count(form[key].data) for key in minimums if key in form._fields}
    versions = list(submission.versions) if submission is not None else []
    files = ops.current_files(submission) if submission is not None else []
    receipts = {
        v.number: url_for(
            "lms.submissions.version",
            cohort_id=cohort.id,
            assignment_id=assignment.id,
            number=v.number,
        )
        for v in versions
    }
    return (
        render_template(
            "submissions/work.html",
            cohort=cohort,
            assignment=assignment,
            spec=spec,
            form=form,
            fields=FIELDS_BY_KIND.get(spec.kind, ()),
            required=forms.required_fields(spec),
            minimums=minimums,
            counts=counts,
            criteria=[(forms.check_name(k), label) for k, label in PP38_CRITERIA],
            deadlines=deadlines,
            time_left=time_left(deadlines.due_dt, now),
            accepting_problem=accepting_problem,
            would_be_late=would_be_late,
            state=ops.display_state(submission),
            state_label=state_label,
            kind_label=kind_label,
            submission=submission,
            versions=versions,
            receipts=receipts,
            files=files,
            file_urls={
                f.id: url_for(
                    "lms.submissions.download_file",
                    cohort_id=cohort.id,
                    submission_id=f.submission_id,
                    file_id=f.id,
                )
                for f in files
            },
            locked=locked,
            error_targets=error_targets,
            summary=summary,
            problem=problem,
            conflict=conflict,
            allowed_labels=forms.allowed_labels(spec),
            accept=",".join(
                ext
                for kind in sorted(forms.attachment_kinds(spec))
                for ext in storage.KINDS[kind][1]
            ),
            file_kinds={kind: label for kind, (_m, _e, label) in storage.KINDS.items()},
            max_mb=round(forms.attachment_max_bytes() / 1048576, 1),
        ),
        status,
    )


def _store_uploads(submission: Submission, spec: AssignmentSpec) -> list[str]:
    """Store every chosen attachment; return a message per refused file."""
    problems = []
    known = {f.key for f in ops.current_files(submission)}
    allowed = set(forms.attachment_kinds(spec))
    for upload in request.files.getlist("attachments"):
        if upload is None or not upload.filename:
            continue
        name = re.split(r"[/\\]", upload.filename)[-1][-255:] or _("berkas")
        try:
            stored = storage.save_upload(
                upload.stream, max_bytes=forms.attachment_max_bytes(), allowed=allowed
            )
        except storage.UploadError as exc:
            problems.append(_("%(name)s tidak dilampirkan: %(reason)s", name=name, reason=str(exc)))
            continue
        if stored.key in known:
            continue  # the same content is attached already
        ops.add_file(submission, stored, name=name)
        known.add(stored.key)
    # add_file writes rows directly: the loaded list of files is out of date.
    db.session.expire(submission, ["files"])
    return problems


def _handle_post(assignment: CohortAssignment, *, remove: SubmissionFile | None = None):
    """Save the draft (and attachments) from the work form, then submit or remove a file."""
    spec = assignment.spec
    now = utcnow()
    back = redirect(_work_url(assignment))
    existing = _own_submission(assignment)
    form = forms.work_form(spec)
    if not form.validate_on_submit():
        abort(400)
    from_work_page = "lock_version" in request.form
    if _locked_reason(existing, now):
        flash(_locked_reason(existing, now), "error")
        return back
    seen = form.lock_version.data or ""
    if from_work_page and seen != (str(existing.lock_version) if existing else ""):
        return _conflict(assignment, existing, form, now)
    upload_problems: list[str] = []
    try:
        try:
            submission = ops.submission_for(assignment, current_user)
        except ops.SubmissionError as exc:
            flash(str(exc), "error")
            return back
        if from_work_page:
            ops.save_draft(submission, forms.posted_fields(form, spec))
            upload_problems = _store_uploads(submission, spec)
        if remove is not None:
            ops.remove_file(submission, remove)
        db.session.flush()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return _conflict(assignment, _own_submission(assignment), form, now)

    if upload_problems:
        db.session.commit()
        form.attachments.errors = upload_problems
        form.lock_version.data = str(submission.lock_version)
        return _render_work(
            assignment,
            submission,
            form,
            now=now,
            problem=_("Draf sudah disimpan, tetapi ada berkas yang tidak dapat dilampirkan."),
        )

    if remove is None and form.send.data:
        try:
            version = ops.submit(
                submission,
                self_check=forms.posted_self_check(form, spec),
                statement=bool(form.statement.data),
                now=now,
            )
        except ops.ValidationFailed as failed:
            db.session.commit()  # the draft is kept; nothing is versioned
            form.lock_version.data = str(submission.lock_version)
            return _render_work(
                assignment,
                submission,
                form,
                now=now,
                errors=failed.errors,
                problem=_("Belum terkirim. Draf sudah disimpan; perbaiki hal berikut."),
            )
        except ops.SubmissionError as exc:
            db.session.commit()
            form.lock_version.data = str(submission.lock_version)
            return _render_work(
                assignment,
                submission,
                form,
                now=now,
                problem=_("Belum terkirim: %(reason)s Draf sudah disimpan.", reason=str(exc)),
            )
        try:
            db.session.commit()
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            return _conflict(assignment, _own_submission(assignment), form, now)
        receipt = url_for(
            "lms.submissions.version",
            cohort_id=assignment.cohort_id,
            assignment_id=assignment.id,
            number=version.number,
        )
        sent = local_datetime(version.submitted_dt, assignment.cohort.timezone)
        # The receipt shows the content hash.
        message = _("Versi %(n)d terkirim %(time)s.", n=version.number, time=sent)
        if version.late:
            message += " " + _("Pengumpulan ini tercatat terlambat.")
        flash(message, "success")
        return redirect(receipt)

    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return _conflict(assignment, _own_submission(assignment), form, now)
    if remove is not None:
        flash(_("Lampiran \u201c%(name)s\u201d dihapus dari draf.", name=remove.name), "success")
    else:
        flash(_("Draf tersimpan."), "success")
    return back


def _conflict(
    assignment: CohortAssignment, submission: Submission | None, form: Any, now: datetime
):
    """Someone saved this draft in another tab: show the typed text again, saved nowhere.
    Saving once more (with the newer lock version) overwrites deliberately."""
    form.lock_version.data = str(submission.lock_version) if submission else ""
    problem = _("Draf ini baru saja disimpan di tab/perangkat lain. Muat ulang.")
    problem += " " + _(
        "Teks yang Anda ketik masih ada di bawah dan belum disimpan: salin dulu bila perlu, "
        "atau simpan lagi untuk menimpa draf yang lain."
    )
    if any(f and f.filename for f in request.files.getlist("attachments")):
        problem += " " + _("Berkas yang Anda pilih belum diunggah; pilih lagi.")
    return _render_work(
        assignment, submission, form, now=now, problem=problem, conflict=True, status=409
    )


@bp.route("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>", methods=["GET", "POST"])
@cohort_role("participant")
def work(cohort_id: int, assignment_id: int):
    assignment = _assignment_of(g.cohort, assignment_id)
    spec = assignment.spec
    if spec.kind not in forms.WORK_KINDS:  # videos have a page of their own
        return redirect(
            url_for("lms.submissions.video", cohort_id=g.cohort.id, assignment_id=assignment.id)
        )
    if request.method == "POST":
        return _handle_post(assignment)
    submission = _own_submission(assignment)
    form = forms.work_form(spec, draft=submission.draft if submission else None)
    form.lock_version.data = str(submission.lock_version) if submission else ""
    return _render_work(assignment, submission, form, now=utcnow())


@bp.post("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/files/<int:file_id>/remove")
@cohort_role("participant")
def remove_file(cohort_id: int, assignment_id: int, file_id: int):
    """Removes an attachment from the participant's own draft. The button sits inside the
    work form, so what was typed on the page is saved with it."""
    assignment = _assignment_of(g.cohort, assignment_id)
    file = db.session.get(SubmissionFile, file_id)
    if (
        file is None
        or file.removed
        or file.submission.assignment_id != assignment.id
        or file.submission.user_id != current_user.id
    ):
        abort(404)
    if assignment.spec.kind not in forms.WORK_KINDS:
        abort(404)
    return _handle_post(assignment, remove=file)
