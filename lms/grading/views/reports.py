"""Grading reports: the cohort's grading overview, grade book (page, XLSX, CSV), trainers'
progress, the flagged list, and a participant's own released results."""

from __future__ import annotations

import io
from collections.abc import Callable

from babel.numbers import get_decimal_symbol
from flask import Response, abort, g, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.grading import bp, exports, paging, reports
from lms.grading.permissions import can_lead
from lms.grading.status import STATUSES, outcome_labels, status_labels
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


#: A submission id no cohort reaches, put where :func:`submission_url` leaves a gap.
_SOME_ID = 2_147_483_647


def submission_url(endpoint: str, **values: object) -> str:
    """``endpoint``'s URL with ``{}`` in place of the submission id, for ``.format(id)`` in a
    table: one url_for per page instead of one (or two) per row."""
    url = url_for(endpoint, submission_id=_SOME_ID, **values)
    return url.replace(f"/{_SOME_ID}", "/{}", 1)


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
    columns, participants = reports.status_counts(cohort)
    leads = {c.id: can_lead(current_user, g.membership, c.plan) for c in columns}
    return render_template(
        "grading/index.html",
        cohort=cohort,
        columns=columns,
        statuses=STATUSES,
        leads=leads,
        organizer=_is_organizer(),
        is_trainer=g.membership is not None and g.membership.role == "trainer",
        participants=participants,
        **_labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook")
@cohort_role("organizer")
def gradebook(cohort_id: int):
    """One page (``?page=``, paging.PER_PAGE rows) of the grade book; the counts and the
    filters (``?assignment=``, ``?status=``) are over every participant."""
    cohort: Cohort = g.cohort
    assignment_id = request.args.get("assignment", type=int)
    status = request.args.get("status")
    status = status if status in STATUSES else None
    page = paging.requested(request.args.get("page"))
    book = reports.gradebook_page(cohort, assignment_id, status, page, paging.PER_PAGE)
    selected = book.column(assignment_id)
    args = {"cohort_id": cohort.id, "assignment": selected.id if selected else None}
    return render_template(
        "grading/gradebook.html",
        cohort=cohort,
        book=book,
        columns=[selected] if selected else book.columns,
        selected=selected,
        status=status,
        statuses=STATUSES,
        counts=selected.counts if selected else book.totals(),
        rows=book.rows,
        page=book.page,
        # The filters kept by the page links.
        page_args={**args, "status": status},
        # Looked up once for the whole table, not once per cell.
        version_label=_("Versi %(n)d"),
        released_label=_("dirilis %(when)s"),
        locale=str(get_locale() or "id"),
        urls={
            name: submission_url(f"lms.grading.{name}", cohort_id=cohort.id)
            for name in ("mark", "reconcile", "release_one")
        },
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
