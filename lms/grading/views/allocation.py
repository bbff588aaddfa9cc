"""Who marks whom (organizers: by hand or balanced automatically) and the trainer's queue of
work to grade, with its CSV export. Blind-marked assignments show trainers a code instead of
the participant's name and office, on the page and in the export."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from lms import fragments, paging
from lms.accounts.models import User
from lms.cohorts.access import cohort_role
from lms.errors import DomainError
from lms.grading import bp, exports, operations, permissions
from lms.grading.forms import AllocationForm, AutoAllocateForm
from lms.grading.queries import allocation as queries
from lms.grading.queries import cohort as cohort_queries
from lms.grading.queries import queue as queue_queries
from lms.grading.status import status_labels
from lms.grading.views._common import STAFF, score_formatter, submission_url
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.submissions.anonymity import hides_identity, participant_code
from lms.submissions.models import CohortAssignment
from lms.submissions.queries import assignment_of, state_labels
from lms.unit_of_work import unit_of_work

ALLOCATION = "/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>/allocation"


def _allocation_url(cohort_id: int, assignment_id: int, **_: object) -> str:
    return url_for(".allocation", cohort_id=cohort_id, assignment_id=assignment_id)


def _grid(table: queries.AllocationTable, **kwargs: object) -> AllocationForm:
    return AllocationForm.for_roster(
        [row.participant for row in table.rows],
        table.trainers,
        {row.participant.id: row.markers for row in table.rows},
        **kwargs,
    )


def _allocation_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    form: AllocationForm | None = None,
    auto_form: AutoAllocateForm | None = None,
    message: str = "",
    table: queries.AllocationTable | None = None,
):
    """The page; after a refused save, the grid as it was sent, its rows' problems next to
    them, read again from the database."""
    assignment = assignment_of(g.cohort, assignment_id)
    table = table or queries.allocation_table(assignment)
    if form is None:
        form = _grid(table) if problem is not None else _grid(table, formdata=None)
    if problem is not None:
        rest = problem.place(form)
        form.show_current()
        message = " ".join(m for m in (problem.message if problem.errors else "", rest) if m)
    return render_template(
        "grading/allocation.html",
        cohort=g.cohort,
        assignment=assignment,
        table=table,
        form=form,
        auto_form=auto_form or AutoAllocateForm(formdata=None),
        problem=message,
        state_labels=state_labels(),
        code=lambda person: participant_code(assignment.id, person.id),
    )


@bp.route(ALLOCATION, methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_allocation_page)
def allocation(cohort_id: int, assignment_id: int):
    """Every row of the grid in one POST: all saved, or nothing (each refusal on its row)."""
    assignment = assignment_of(g.cohort, assignment_id)
    table = queries.allocation_table(assignment)
    form = _grid(table)
    if form.validate_on_submit():
        changed = operations.allocate_by_hand(assignment, form.choices(), current_user)
        if changed:
            flash(
                ngettext(
                    "Penilai %(num)d peserta disimpan.",
                    "Penilai %(num)d peserta disimpan.",
                    changed,
                ),
                "success",
            )
        else:
            flash(_("Tidak ada perubahan."), "info")
        return redirect(_allocation_url(cohort_id, assignment_id))
    if not form.is_submitted():
        return _allocation_page(
            cohort_id=cohort_id, assignment_id=assignment_id, form=form, table=table
        )
    message = " ".join(form.participant.errors) or _(
        "Tidak ada yang disimpan: periksa baris yang ditandai."
    )
    return _allocation_page(
        cohort_id=cohort_id, assignment_id=assignment_id, form=form, table=table, message=message
    ), 400


@bp.post(ALLOCATION + "/auto")
@cohort_role("organizer")
@unit_of_work(back=_allocation_url)
def auto_allocate(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    form = AutoAllocateForm()
    if not form.validate_on_submit():
        page = _allocation_page(
            cohort_id=cohort_id,
            assignment_id=assignment_id,
            auto_form=form,
            message=_("Alokasi otomatis belum dijalankan: periksa isian di bawah."),
        )
        return page, 400
    summary = operations.auto_allocate(
        assignment,
        markers=form.markers.data,
        avoid_same_office=form.avoid_same_office.data,
        only_unallocated=form.only_unallocated.data,
        actor=current_user,
    )
    done = len(summary.allocated)
    parts = [ngettext("%(num)d peserta dialokasikan", "%(num)d peserta dialokasikan", done)]
    if summary.already:
        parts.append(
            ngettext(
                "%(num)d peserta sudah punya penilai (tidak diubah)",
                "%(num)d peserta sudah punya penilai (tidak diubah)",
                summary.already,
            )
        )
    flash("; ".join(parts) + ".", "success")
    if summary.unmatched:
        flash(
            ngettext(
                "%(num)d peserta tanpa widyaiswara yang cocok (alokasikan manual): %(names)s.",
                "%(num)d peserta tanpa widyaiswara yang cocok (alokasikan manual): %(names)s.",
                len(summary.unmatched),
                names=", ".join(p.full_name for p in summary.unmatched),
            ),
            "error",
        )
    return redirect(_allocation_url(cohort_id, assignment_id))


# --- the trainer's queue ------------------------------------------------------------------------


def _whose_queue() -> User:
    """The current user, or (organizers and admins) the trainer named by ``?trainer=``."""
    raw = request.args.get("trainer", "").strip()
    if not raw:
        return current_user._get_current_object()
    if not raw.isdigit():
        abort(404)
    if int(raw) == current_user.id:
        return current_user._get_current_object()
    if not permissions.can_see_queue(current_user, g.membership, int(raw)):
        abort(403)
    return cohort_queries.trainer_of(g.cohort, int(raw)) or abort(404)


def _filters() -> tuple[CohortAssignment | None, str | None]:
    raw = request.args.get("assignment", "").strip()
    assignment = None
    if raw:
        if not raw.isdigit():
            abort(404)
        assignment = assignment_of(g.cohort, int(raw))
    bucket = request.args.get("bucket")
    return assignment, bucket if bucket in queue_queries.BUCKETS else None


def _hides(assignment: CohortAssignment) -> bool:
    """Whether the viewer sees codes instead of names on ``assignment`` (blind marking)."""
    return hides_identity(assignment, current_user, g.membership)


def _identity(
    assignments: list[CohortAssignment],
) -> Callable[[queue_queries.QueueRow], tuple[str, str, bool]]:
    """A row's participant as the viewer may see them: (name or code, office, hidden)."""
    hidden = {a.id for a in assignments if _hides(a)}  # decided once, not once per row

    def shown(row: queue_queries.QueueRow) -> tuple[str, str, bool]:
        if row.assignment.id in hidden:
            return participant_code(row.assignment.id, row.participant.id), "", True
        return row.participant.full_name, row.participant.office, False

    return shown


@bp.get("/cohorts/<int:cohort_id>/grading/queue")
@cohort_role(*STAFF)
def queue(cohort_id: int):
    """One page (``?page=``, paging.PER_PAGE rows) of a trainer's queue; the counts per
    bucket are over every page."""
    cohort = g.cohort
    trainer = _whose_queue()
    assignment, bucket = _filters()
    listing = queue_queries.trainer_queue_page(
        cohort,
        trainer,
        assignment.id if assignment else None,
        bucket,
        paging.requested(request.args.get("page")),
        paging.PER_PAGE,
        hides=_hides,
    )
    oversees = permissions.can_oversee(current_user, g.membership)
    trainers = cohort_queries.trainers(cohort.id) if oversees else []
    own = trainer.id == current_user.id
    args: dict[str, int] = {"cohort_id": cohort.id}
    if not own:
        args["trainer"] = trainer.id
    if assignment is not None:
        args["assignment"] = assignment.id
    bucket_labels = queue_queries.bucket_labels()
    return render_template(
        "grading/queue.html",
        cohort=cohort,
        trainer=trainer,
        own=own,
        trainers=trainers,
        # An organizer (or admin) who marks nothing here picks a trainer first.
        choose=own and bool(trainers) and all(t.id != trainer.id for t in trainers),
        assignment=assignment,
        bucket=bucket,
        listing=listing,
        rows_html=fragments.rows(
            "grading/_queue_row.html",
            "row",
            _row_keys(listing, bucket_labels),
            _queue_row_arguments,
        ),
        page=listing.page,
        # The filters kept by the page links.
        page_args={**args, "bucket": bucket},
        buckets=queue_queries.BUCKETS,
        bucket_labels=bucket_labels,
        args=args,
    )


def _row_keys(listing: queue_queries.QueuePage, bucket_labels: dict[str, str]) -> Iterator[tuple]:
    """What each row of the page is kept by (lms.fragments): its number, its SQL record,
    whether the viewer sees a code instead of the name, its assignment's title and blind
    marking, and the page's words and formats (:func:`_queue_row_arguments` makes the
    macro's arguments of them)."""
    cohort = g.cohort
    hidden = {a.id for a in listing.assignments if _hides(a)}
    heads = {a.id: (a.spec.title, a.blind_marking) for a in listing.assignments}
    # Looked up once for the whole table, not once per row.
    context = (
        (
            _("penilaian anonim"),
            _("Kode"),
            _("terlambat"),
            _("Nilai bersama"),
            _("Versi %(n)d"),
        ),
        tuple(bucket_labels.items()),
        tuple(status_labels().items()),
        (("to_grade", _("Nilai")), ("in_progress", _("Lanjutkan"))),
        _("Lihat"),
        submission_url("lms.grading.mark", cohort_id=cohort.id),
        cohort.timezone,
        str(get_locale() or "id"),
    )
    for n, record in enumerate(listing.records, listing.page.offset + 1):
        assignment_id = record[1]
        yield n, record, assignment_id in hidden, heads[assignment_id], context


def _queue_row_arguments(key: tuple) -> tuple:
    """The arguments of templates/grading/_queue_row.html's macro, of a row's key."""
    n, record, hidden, (title, blind), context = key
    words, bucket_labels, grade_labels, actions, view, mark_url, timezone, locale = context
    (allocation_id, assignment_id, user_id, name, office, submission_id, version_id) = record[:7]
    number, submitted_dt, late, total, grade_status, bucket = record[7:]
    code = participant_code(assignment_id, user_id) if hidden or blind else None
    submitted = version_id is not None
    return (
        n,
        allocation_id,
        bucket,
        dict(bucket_labels)[bucket],
        code if hidden else name,
        "" if hidden else office or "",
        hidden,
        None if hidden else code,
        title,
        number if submitted else None,
        submitted_dt if submitted else None,
        bool(late) if submitted else False,
        dict(grade_labels)[grade_status] if grade_status else None,
        score_formatter(locale)(total),
        mark_url.format(submission_id) if submitted else None,
        dict(actions).get(bucket, view),
        words,
        timezone,
        locale,
    )


@bp.get("/cohorts/<int:cohort_id>/grading/queue.csv")
@cohort_role(*STAFF)
def queue_csv(cohort_id: int):
    """The queue as CSV, the same rows as the page (every page). ``?sep=semicolon``: ';'
    between cells (Excel with Indonesian settings); otherwise ','."""
    trainer = _whose_queue()
    assignment, bucket = _filters()
    listing = queue_queries.trainer_queue(
        g.cohort, trainer, assignment.id if assignment else None, hides=_hides
    )
    separator = ";" if request.args.get("sep") == "semicolon" else ","
    data = exports.queue_csv(listing.only(bucket), _identity(listing.assignments), separator)
    response = Response(data, content_type=exports.CSV_MIMETYPE)
    response.headers.set(
        "Content-Disposition", "attachment", filename=exports.queue_filename(g.cohort, trainer)
    )
    return response
