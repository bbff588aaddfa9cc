"""Grading reports: the cohort's grading overview, grade book (page, XLSX, CSV), trainers'
progress, the flagged list, and a participant's own released results."""

from __future__ import annotations

import io
from collections.abc import Callable

from babel.numbers import get_decimal_symbol
from flask import Response, abort, g, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.cohorts.models import Cohort
from lms.grading import bp, exports, reports
from lms.grading.permissions import can_lead
from lms.grading.status import STATUSES, outcome_labels, status_labels
from lms.security import cohort_role
from lms.submissions.anonymity import shown_name

#: Existing badge colours (lms/static/style.css) for each workflow status; the pages also add
#: ``grading-<status>`` for a stylesheet that wants its own.
STATUS_BADGES = {
    "not_submitted": "state-not_started",
    "not_marked": "state-submitted",
    "in_progress": "state-draft",
    "marked": "state-graded",
    "flagged": "state-revisions_requested",
    "reconciled": "state-graded",
    "released": "state-submitted",
}
#: The same for what a participant is told (reports.MY_STATES).
MY_BADGES = {
    "not_submitted": "state-not_started",
    "draft": "state-draft",
    "submitted": "state-submitted",
    "being_graded": "state-submitted",
    "released": "state-graded",
}


def score_formatter() -> Callable[[float | None], str]:
    """Totals with one decimal in the reader's language ("78,5" in Indonesian, "78.5" in
    English); "–" for none. Totals are 0–100, so there is no grouping to do: the decimal sign
    is looked up once per page instead of once per cell."""
    decimal = get_decimal_symbol(str(get_locale() or "id"))

    def score(value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:.1f}".replace(".", decimal)

    return score


def _labels() -> dict:
    return {
        "status_labels": status_labels(),
        "outcome_labels": outcome_labels(),
        "badges": STATUS_BADGES,
        "score": score_formatter(),
    }


def _is_organizer() -> bool:
    return current_user.is_admin or (g.membership is not None and g.membership.role == "organizer")


@bp.get("/cohorts/<int:cohort_id>/grading")
@cohort_role("organizer", "trainer")
def index(cohort_id: int):
    cohort: Cohort = g.cohort
    book = reports.gradebook(cohort)
    leads = {c.id: can_lead(current_user, g.membership, c.plan) for c in book.columns}
    return render_template(
        "grading/index.html",
        cohort=cohort,
        columns=book.columns,
        statuses=STATUSES,
        leads=leads,
        organizer=_is_organizer(),
        is_trainer=g.membership is not None and g.membership.role == "trainer",
        participants=len(book.rows),
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook")
@cohort_role("organizer")
def gradebook(cohort_id: int):
    cohort: Cohort = g.cohort
    book = reports.gradebook(cohort)
    selected = book.column(request.args.get("assignment", type=int))
    status = request.args.get("status")
    status = status if status in STATUSES else None
    return render_template(
        "grading/gradebook.html",
        cohort=cohort,
        book=book,
        columns=[selected] if selected else book.columns,
        selected=selected,
        status=status,
        statuses=STATUSES,
        counts=selected.counts if selected else book.totals(),
        rows=book.only(selected.id if selected else None, status),
        # Formatted per cell with |format(n=...): one lookup for the whole table.
        version_label=_("Versi %(n)d"),
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook.xlsx")
@cohort_role("organizer")
def gradebook_xlsx(cohort_id: int):
    cohort: Cohort = g.cohort
    data = exports.gradebook_xlsx(reports.gradebook(cohort))
    return send_file(
        io.BytesIO(data),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=exports.filename(cohort, "xlsx"),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook.csv")
@cohort_role("organizer")
def gradebook_csv(cohort_id: int):
    cohort: Cohort = g.cohort
    sep = exports.SEPARATORS.get(request.args.get("sep", ""), ",")
    lines = exports.gradebook_csv(reports.gradebook(cohort), sep)
    response = Response(
        (line.encode("utf-8") for line in lines), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(cohort, "csv")}"'
    )
    return response


@bp.get("/cohorts/<int:cohort_id>/grading/trainers")
@cohort_role("organizer")
def trainers(cohort_id: int):
    cohort: Cohort = g.cohort
    return render_template(
        "grading/trainers.html",
        cohort=cohort,
        progress=reports.trainer_progress(cohort),
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/flagged")
@cohort_role("organizer", "trainer")
def flagged(cohort_id: int):
    """Organizers see every flagged grade; a trainer only those of the assignments they lead
    (403 when they lead none)."""
    cohort: Cohort = g.cohort
    columns = reports.graded_assignments(cohort)
    led = [c for c in columns if can_lead(current_user, g.membership, c.plan)]
    if not _is_organizer() and not led:
        abort(403)
    everything = len(led) == len(columns)
    rows = reports.flagged(cohort, None if everything else [c.id for c in led])

    def name(row: reports.FlaggedRow) -> str:
        return shown_name(row.assignment, row.participant, current_user, g.membership)

    return render_template(
        "grading/flagged.html",
        cohort=cohort,
        rows=rows,
        columns=led,
        everything=everything,
        name=name,
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/mine")
@cohort_role("participant")
def my_results(cohort_id: int):
    cohort: Cohort = g.cohort
    return render_template(
        "grading/my_results.html",
        cohort=cohort,
        results=reports.my_results(cohort, current_user),
        my_labels=my_state_labels(),
        my_badges=MY_BADGES,
        **_labels(),
    )


def my_state_labels() -> dict[str, str]:
    """What a participant is told about their work (reports.MY_STATES)."""
    return {
        "not_submitted": _("Belum dikumpulkan"),
        "draft": _("Draf, belum dikumpulkan"),
        "submitted": _("Dikumpulkan"),
        "being_graded": _("Sedang dinilai"),
        "released": _("Hasil sudah dirilis"),
    }
