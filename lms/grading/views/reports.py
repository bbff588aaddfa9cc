"""Grading reports: the cohort's grading overview, grade book (page, XLSX, CSV), trainers'
progress, the flagged list, and a participant's own released results."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from flask import Response, abort, g, render_template, request, send_file
from flask_babel import get_locale
from flask_login import current_user

from lms import fragments, paging
from lms.cohorts.access import cohort_role
from lms.grading import bp, exports, permissions
from lms.grading import jobs as grading_jobs
from lms.grading.queries import flagged as flagged_queries
from lms.grading.queries import gradebook as gradebook_queries
from lms.grading.queries import progress, results
from lms.grading.queries.cohort import graded_assignments
from lms.grading.status import STATUSES
from lms.grading.views._common import labels, score_formatter, submission_url
from lms.i18n import gettext as _
from lms.jobs import pages as job_pages
from lms.submissions.anonymity import shown_name
from lms.unit_of_work import unit_of_work

#: The badge colours of what a participant is told (results.MY_STATES).
MY_BADGES = {
    "not_submitted": "state-not_started",
    "draft": "state-draft",
    "submitted": "state-submitted",
    "being_graded": "state-submitted",
    "released": "state-graded",
}


def my_state_labels() -> dict[str, str]:
    """What a participant is told about their work (results.MY_STATES)."""
    return {
        "not_submitted": _("Belum dikumpulkan"),
        "draft": _("Draf, belum dikumpulkan"),
        "submitted": _("Dikumpulkan"),
        "being_graded": _("Sedang dinilai"),
        "released": _("Hasil sudah dirilis"),
    }


@bp.get("/cohorts/<int:cohort_id>/grading")
@cohort_role("organizer", "trainer")
def index(cohort_id: int):
    columns, participants = gradebook_queries.status_counts(g.cohort)
    return render_template(
        "grading/index.html",
        cohort=g.cohort,
        columns=columns,
        statuses=STATUSES,
        leads={c.id: permissions.can_lead(current_user, g.membership, c.plan) for c in columns},
        organizer=permissions.can_oversee(current_user, g.membership),
        is_trainer=permissions.has_queue(g.membership),
        participants=participants,
        **labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook")
@cohort_role("organizer")
def gradebook(cohort_id: int):
    """One page (``?page=``, paging.PER_PAGE rows) of the grade book; the counts and the
    filters (``?assignment=``, ``?status=``) are over every participant."""
    cohort = g.cohort
    assignment_id = request.args.get("assignment", type=int)
    status = request.args.get("status")
    status = status if status in STATUSES else None
    page = paging.requested(request.args.get("page"))
    book = gradebook_queries.gradebook_page(cohort, assignment_id, status, page, paging.PER_PAGE)
    selected = book.column(assignment_id)
    columns = [selected] if selected else book.columns
    args = {"cohort_id": cohort.id, "assignment": selected.id if selected else None}
    words = labels()
    return render_template(
        "grading/gradebook.html",
        cohort=cohort,
        book=book,
        columns=columns,
        selected=selected,
        status=status,
        statuses=STATUSES,
        counts=selected.counts if selected else book.totals(),
        rows_html=fragments.rows(
            "grading/_gradebook_row.html",
            "row",
            _gradebook_keys(book, columns, words),
            _gradebook_row_arguments,
        ),
        page=book.page,
        # The filters kept by the page links.
        page_args={**args, "status": status},
        status_labels=words["status_labels"],
    )


def _gradebook_keys(
    book: gradebook_queries.GradeBook, columns: list, words: dict[str, Any]
) -> Iterator[tuple]:
    """What each row of the page is kept by (lms.fragments): its number, its participant's
    and cells' SQL records, the columns, and the page's words and formats
    (:func:`_gradebook_row_arguments` makes the macro's arguments of them)."""
    cohort = g.cohort
    # Looked up once for the whole table, not once per cell.
    context = (
        (
            words["outcome_labels"]["revisions"],
            _("Lulus"),
            _("Tidak lulus"),
            _("Buka penilaian"),
            _("Rekonsiliasi"),
            _("Rilis"),
            _("NIP"),
            _("Versi %(n)d"),
            _("dirilis %(when)s"),
        ),
        tuple(
            submission_url(f"lms.grading.{name}", cohort_id=cohort.id)
            for name in ("mark", "reconcile", "release_one")
        ),
        tuple(words["status_labels"].items()),
        tuple(words["badges"].items()),
        cohort.timezone,
        str(get_locale() or "id"),
    )
    heads = tuple((column.id, column.title) for column in columns)
    records = book.records
    for n, person in enumerate(book.people, book.page.offset + 1):
        cells = tuple(records.get((column_id, person[0])) for column_id, _title in heads)
        yield n, person, cells, heads, context


def _gradebook_row_arguments(key: tuple) -> tuple:
    """The arguments of templates/grading/_gradebook_row.html's macro, of a row's key."""
    n, person, records, heads, context = key
    row_words, urls, status_labels, badges, timezone, locale = context
    status_labels, badges = dict(status_labels), dict(badges)
    person = gradebook_queries.Person(*person)
    score = score_formatter(locale)
    cells = []
    for (column_id, title), record in zip(heads, records, strict=True):
        cell = gradebook_queries.cell_of(record)
        cells.append(
            (
                column_id,
                title,
                cell.status,
                status_labels[cell.status],
                badges[cell.status],
                cell.has_result,
                cell.outcome,
                None if cell.total is None else score(cell.total),
                cell.band,
                cell.passed,
                cell.version,
                cell.released_dt,
                cell.submission_id,
                cell.releasable,
            )
        )
    return (
        n,
        person.id,
        person.full_name,
        person.nip_display if person.nip else None,
        person.office,
        tuple(cells),
        row_words,
        urls,
        timezone,
        locale,
    )


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook.xlsx")
@cohort_role("organizer")
def gradebook_xlsx(cohort_id: int):
    rows = grading_jobs.gradebook_rows(g.cohort)
    if job_pages.is_large(rows):  # prepared in the background (lms.jobs)
        return job_pages.offer(grading_jobs.GRADEBOOK_XLSX, g.cohort, rows=rows)
    data = exports.gradebook_xlsx(gradebook_queries.gradebook(g.cohort))
    return send_file(
        io.BytesIO(data),
        mimetype=exports.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=exports.filename(g.cohort, "xlsx"),
    )


@bp.post("/cohorts/<int:cohort_id>/grading/gradebook.xlsx")
@cohort_role("organizer")
@unit_of_work
def gradebook_xlsx_job(cohort_id: int):
    return job_pages.start(grading_jobs.GRADEBOOK_XLSX, g.cohort)


@bp.get("/cohorts/<int:cohort_id>/grading/gradebook.csv")
@cohort_role("organizer")
def gradebook_csv(cohort_id: int):
    sep = exports.SEPARATORS.get(request.args.get("sep", ""), ",")
    rows = grading_jobs.gradebook_rows(g.cohort)
    if job_pages.is_large(rows):  # prepared in the background (lms.jobs)
        return job_pages.offer(grading_jobs.GRADEBOOK_CSV, g.cohort, rows=rows)
    lines = exports.gradebook_csv(gradebook_queries.gradebook(g.cohort), sep)
    response = Response(
        (line.encode("utf-8") for line in lines), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(g.cohort, "csv")}"'
    )
    return response


@bp.post("/cohorts/<int:cohort_id>/grading/gradebook.csv")
@cohort_role("organizer")
@unit_of_work
def gradebook_csv_job(cohort_id: int):
    sep = exports.SEPARATORS.get(request.args.get("sep", ""), ",")
    return job_pages.start(grading_jobs.GRADEBOOK_CSV, g.cohort, {"sep": sep})


@bp.get("/cohorts/<int:cohort_id>/grading/trainers")
@cohort_role("organizer")
def trainers(cohort_id: int):
    return render_template(
        "grading/trainers.html",
        cohort=g.cohort,
        progress=progress.trainer_progress(g.cohort),
        **labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/flagged")
@cohort_role("organizer", "trainer")
def flagged(cohort_id: int):
    """Organizers see every flagged grade; a trainer only those of the assignments they lead
    (403 when they lead none)."""
    columns = graded_assignments(g.cohort)
    led = [c for c in columns if permissions.can_lead(current_user, g.membership, c.plan)]
    if not permissions.can_oversee(current_user, g.membership) and not led:
        abort(403)
    everything = len(led) == len(columns)
    rows = flagged_queries.flagged(g.cohort, None if everything else [c.id for c in led])

    def name(row: flagged_queries.FlaggedRow) -> str:
        return shown_name(row.assignment, row.participant, current_user, g.membership)

    return render_template(
        "grading/flagged.html",
        cohort=g.cohort,
        rows=rows,
        columns=led,
        everything=everything,
        name=name,
        **labels(),
    )


@bp.get("/cohorts/<int:cohort_id>/grading/mine")
@cohort_role("participant")
def my_results(cohort_id: int):
    return render_template(
        "grading/my_results.html",
        cohort=g.cohort,
        results=results.my_results(g.cohort, current_user),
        my_labels=my_state_labels(),
        my_badges=MY_BADGES,
        **labels(),
    )
