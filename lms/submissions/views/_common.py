"""What the work page and the video page share: labels, time left, the status box, the
messages of a refused save or submit next to their fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, url_for
from flask_login import current_user

from lms.errors import Conflict, DomainError
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.submissions import permissions, queries
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion
from lms.submissions.operations import SubmissionError, ValidationFailed
from lms.timefmt import local_datetime


def state_label(state: str) -> str:
    return queries.state_labels().get(state, state)


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


def receipt_url(assignment: CohortAssignment, number: int) -> str:
    return url_for(
        "lms.submissions.version",
        cohort_id=assignment.cohort_id,
        assignment_id=assignment.id,
        number=number,
    )


def page_status(
    assignment: CohortAssignment, submission: Submission | None, now: datetime
) -> dict[str, Any]:
    """The template values of both pages' head and status box (``_status.html``): state,
    deadlines, why the form is closed, the versions sent so far."""
    cohort = assignment.cohort
    deadlines = queries.deadlines_for(assignment, current_user)
    if permissions.is_participant(g.membership):
        locked = permissions.why_locked(submission, now) or ""
    else:
        locked = _("Hanya peserta kelas ini yang dapat mengerjakan dan mengumpulkan tugas.")
    versions = list(submission.versions) if submission is not None else []
    return {
        "cohort": cohort,
        "assignment": assignment,
        "spec": assignment.spec,
        "submission": submission,
        "state": queries.display_state(submission),
        "state_label": state_label,
        "kind_label": kind_label,
        "deadlines": deadlines,
        "time_left": time_left(deadlines.due_dt, now),
        "accepting_problem": permissions.why_not_accepting(deadlines, cohort.timezone, now) or "",
        "would_be_late": permissions.is_late(deadlines, now),
        "locked": locked,
        "versions": versions,
        "receipts": {v.number: receipt_url(assignment, v.number) for v in versions},
    }


def place_errors(
    form: Any,
    errors: dict[str, list[str]],
    *,
    order: list[str],
    aliases: dict[str, str] | None = None,
    labelled: tuple[str, ...] = (),
) -> tuple[dict[str, list[str]], list[tuple[str | None, str]]]:
    """Put each message next to its field; return the messages by target ("" for the page as
    a whole) and the summary [(target id or None, message)] in the ``order`` of the page.
    Messages of the ``labelled`` fields are prefixed with the field's label in the summary."""
    by_target: dict[str, list[str]] = {}
    for key, messages in errors.items():
        target = (aliases or {}).get(key, key)
        by_target.setdefault(target if target in order else "", []).extend(messages)
    for target, messages in by_target.items():
        if target in form._fields:
            form[target].errors = [*(form[target].errors or []), *messages]
    summary = []
    for target in sorted(by_target, key=lambda t: order.index(t) if t in order else len(order)):
        for message in by_target[target]:
            if target in labelled and str(form[target].label.text) not in message:
                message = f"{form[target].label.text}: {message}"
            summary.append((target or None, message))
    return by_target, summary


def problem_text(problem: DomainError, *, files_chosen: bool) -> str:
    """The message at the top of the page; a conflict says what became of the typed text and
    of the files that were chosen."""
    text = problem.message
    if isinstance(problem, Conflict):
        text += " " + _(
            "Teks yang Anda ketik masih ada di bawah dan belum disimpan: salin dulu bila perlu, "
            "atau simpan lagi untuk menimpa draf yang lain."
        )
        if files_chosen:
            text += " " + _("Berkas yang Anda pilih belum diunggah; pilih lagi.")
    return text


def _not_sent() -> str:
    return _("Belum terkirim. Draf sudah disimpan; perbaiki hal berikut.")


def files_refused(refused: dict[str, list[str]], *, sending: bool) -> DomainError | None:
    """Files that were not attached (the rest of the draft is saved), or None."""
    if not refused:
        return None
    if sending:
        return ValidationFailed(refused, _not_sent())
    message = _("Draf sudah disimpan, tetapi ada berkas yang tidak dapat dilampirkan.")
    return ValidationFailed(refused, message)


def not_sent(
    submission: Submission, *, self_check: dict[str, Any], statement: bool, now: datetime
) -> DomainError | None:
    """Why pressing *Kirim* makes no version (the draft stays saved): the page's message
    with every problem by field; None when the work can be sent."""
    reason, errors = permissions.why_not_submit(
        submission, self_check=self_check, statement=statement, now=now
    )
    if reason:
        return SubmissionError(_("Belum terkirim: %(reason)s Draf sudah disimpan.", reason=reason))
    if errors:
        return ValidationFailed(errors, _not_sent())
    return None


def sent_message(version: SubmissionVersion, tz: str) -> str:
    """The flash after a version was made (the receipt it leads to shows the content hash)."""
    message = _(
        "Versi %(n)d terkirim %(time)s.",
        n=version.number,
        time=local_datetime(version.submitted_dt, tz),
    )
    if version.late:
        message += " " + _("Pengumpulan ini tercatat terlambat.")
    return message
