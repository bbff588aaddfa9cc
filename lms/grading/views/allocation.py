"""Who marks whom (organizers: by hand or balanced automatically) and the trainer's queue of
work to grade, with its CSV export. Blind-marked assignments show trainers a code instead of
the participant's name and office, on the page and in the export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired

from lms.forms import ConfirmForm
from lms.accounts.models import User
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading import allocating, bp, paging
from lms.grading import queue as grading_queue
from lms.grading.allocating import AllocationError
from lms.grading.exports import CSV_MIMETYPE, safe_text
from lms.grading.views.reports import score_formatter, submission_url
from lms.grading.status import status_labels
from lms.submissions.anonymity import hides_identity, participant_code
from lms.submissions.models import CohortAssignment
from lms.submissions.queries import assignment_of, state_labels

#: The grading page of one submission (views/marking.py).
MARK_ENDPOINT = "lms.grading.mark"
STAFF = ("trainer", "organizer")


def _whole_number(value: object) -> int:
    """A posted number; 0 for anything else (refused by the field's AnyOf)."""
    return int(value) if str(value).isdigit() else 0


class AutoAllocateForm(FlaskForm):
    markers = SelectField(
        _l("Penilai per peserta"),
        choices=[
            SelectChoice(1, _l("Satu penilai")),
            SelectChoice(2, _l("Dua penilai (penilaian ganda)")),
        ],
        coerce=_whole_number,
        default=1,
        validate_choice=False,
        validators=[
            InputRequired(_l("Pilih satu atau dua penilai per peserta.")),
            AnyOf([1, 2], message=_l("Pilih satu atau dua penilai per peserta.")),
        ],
    )
    avoid_same_office = BooleanField(
        _l("Hindari widyaiswara dari unit kerja yang sama dengan peserta"), default=True
    )
    only_unallocated = BooleanField(
        _l("Pertahankan penilai yang sudah ada; isi yang kosong saja"),
        description=_l(
            "Bila tidak dicentang, semua peserta dibagi ulang; widyaiswara yang sudah mulai "
            "menilai tetap menjadi penilai."
        ),
        default=True,
    )


# --- the allocation page ------------------------------------------------------------------------


@dataclass
class PickRow:
    """A participant's row on the allocation form: what the selects show."""

    row: grading_queue.AllocationRow
    #: Marker 1 and marker 2 as shown ("" or a trainer id).
    picks: list[str]
    #: The markers the organizer saw when the page was loaded ("3,7").
    seen: str
    error: str = ""

    @property
    def current(self) -> str:
        return ",".join(str(m.id) for m in self.row.markers)


def _stored(row: grading_queue.AllocationRow) -> PickRow:
    ids = [str(m.id) for m in row.markers]
    return PickRow(row, (ids + ["", ""])[:2], ",".join(ids))


def _posted(row: grading_queue.AllocationRow) -> PickRow | None:
    """The row as posted; None when the page did not show it (added since)."""
    uid = row.participant.id
    if f"seen-{uid}" not in request.form:
        return None
    picks = [request.form.get(f"marker{n}-{uid}", "").strip() for n in (1, 2)]
    return PickRow(row, picks, request.form.get(f"seen-{uid}", "").strip())


def _ids(values: list[str]) -> list[str]:
    return [v for v in values if v]


def _render_allocation(
    assignment: CohortAssignment,
    table: grading_queue.AllocationTable,
    picks: list[PickRow],
    auto_form: AutoAllocateForm,
    *,
    problem: str = "",
    status: int = 200,
):
    cohort: Cohort = g.cohort
    return (
        render_template(
            "grading/allocation.html",
            cohort=cohort,
            assignment=assignment,
            table=table,
            picks=picks,
            auto_form=auto_form,
            problem=problem,
            has_errors=any(p.error for p in picks),
            state_labels=state_labels(),
            code=lambda person: participant_code(assignment.id, person.id),
        ),
        status,
    )


def _save_picks(
    assignment: CohortAssignment, table: grading_queue.AllocationTable, picks: list[PickRow]
) -> int:
    """Apply every changed row; an error goes on its row. Returns the rows changed."""
    known = {t.id: t for t in table.trainers}
    changed = 0
    for pick in picks:
        wanted = _ids(pick.picks)
        if wanted == _ids(pick.seen.split(",")):
            continue
        if pick.current != pick.seen:
            names = ", ".join(m.full_name for m in pick.row.markers) or _("belum ada penilai")
            pick.error = _(
                "Diubah orang lain sejak halaman ini dibuka; sekarang: %(names)s. Periksa pilihan "
                "Anda lalu simpan lagi.",
                names=names,
            )
            pick.seen = pick.current
            continue
        people = {**known, **{m.id: m for m in pick.row.markers}}
        if any(not v.isdigit() or int(v) not in people for v in wanted):
            pick.error = _("Penilai yang dipilih bukan widyaiswara kelas ini.")
            continue
        try:
            if allocating.set_markers(
                assignment, pick.row.participant, [people[int(v)] for v in wanted], current_user
            ):
                changed += 1
        except AllocationError as exc:
            pick.error = str(exc)
    return changed


@bp.route(
    "/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>/allocation",
    methods=["GET", "POST"],
)
@cohort_role("organizer")
def allocation(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    table = grading_queue.allocation_table(assignment)
    if request.method == "GET":
        return _render_allocation(
            assignment, table, [_stored(row) for row in table.rows], AutoAllocateForm()
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    shown = {row.participant.id for row in table.rows}
    listed = request.form.getlist("participant")
    outsiders = [v for v in listed if not v.isdigit() or int(v) not in shown]
    picks = [_posted(row) or _stored(row) for row in table.rows]
    problem = ""
    try:
        if outsiders:
            problem = _(
                "Tidak ada yang disimpan: daftar berisi orang yang bukan peserta kelas ini "
                "(mungkin baru dikeluarkan). Muat ulang halaman, lalu ulangi."
            )
            changed = 0
        else:
            changed = _save_picks(assignment, table, picks)
    except IntegrityError:
        # Someone saved the same participant between our read and our write.
        db.session.rollback()
        problem = _("Data ini baru saja diubah orang lain. Muat ulang lalu coba lagi.")
    if problem or any(p.error for p in picks):
        db.session.rollback()
        fresh = grading_queue.allocation_table(assignment)
        by_id = {row.participant.id: row for row in fresh.rows}
        for pick in picks:
            pick.row = by_id.get(pick.row.participant.id, pick.row)
        if not problem:
            problem = _("Tidak ada yang disimpan: periksa baris yang ditandai.")
        return _render_allocation(
            assignment, fresh, picks, AutoAllocateForm(formdata=None), problem=problem, status=400
        )
    db.session.commit()
    if changed:
        flash(
            ngettext(
                "Penilai %(num)d peserta disimpan.", "Penilai %(num)d peserta disimpan.", changed
            ),
            "success",
        )
    else:
        flash(_("Tidak ada perubahan."), "info")
    return redirect(url_for(".allocation", cohort_id=g.cohort.id, assignment_id=assignment.id))


@bp.post("/cohorts/<int:cohort_id>/grading/assignments/<int:assignment_id>/allocation/auto")
@cohort_role("organizer")
def auto_allocate(cohort_id: int, assignment_id: int):
    assignment = assignment_of(g.cohort, assignment_id)
    form = AutoAllocateForm()
    if not form.validate_on_submit():
        table = grading_queue.allocation_table(assignment)
        return _render_allocation(
            assignment,
            table,
            [_stored(row) for row in table.rows],
            form,
            problem=_("Alokasi otomatis belum dijalankan: periksa isian di bawah."),
            status=400,
        )
    back = redirect(url_for(".allocation", cohort_id=g.cohort.id, assignment_id=assignment.id))
    try:
        summary = allocating.auto_allocate(
            assignment,
            markers=form.markers.data,
            avoid_same_office=form.avoid_same_office.data,
            only_unallocated=form.only_unallocated.data,
            actor=current_user,
        )
        db.session.commit()
    except AllocationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    except IntegrityError:
        db.session.rollback()
        flash(_("Data ini baru saja diubah orang lain. Muat ulang lalu coba lagi."), "error")
        return back
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
    return back


# --- the trainer's queue ------------------------------------------------------------------------


def _leads() -> bool:
    """Organizers and admins may look at any trainer's queue."""
    return current_user.is_admin or (g.membership is not None and g.membership.role == "organizer")


def _whose_queue() -> User:
    """The current user, or (organizers and admins) the trainer named by ``?trainer=``."""
    raw = request.args.get("trainer", "").strip()
    if not raw:
        return current_user._get_current_object()
    if not raw.isdigit():
        abort(404)
    if int(raw) == current_user.id:
        return current_user._get_current_object()
    if not _leads():
        abort(403)
    trainer = db.session.scalar(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == int(raw),
            Membership.cohort_id == g.cohort.id,
            Membership.role == "trainer",
        )
    )
    if trainer is None:
        abort(404)
    return trainer


def _filters() -> tuple[CohortAssignment | None, str | None]:
    raw = request.args.get("assignment", "").strip()
    assignment = None
    if raw:
        if not raw.isdigit():
            abort(404)
        assignment = assignment_of(g.cohort, int(raw))
    bucket = request.args.get("bucket")
    return assignment, bucket if bucket in grading_queue.BUCKETS else None


def _hides(assignment: CohortAssignment) -> bool:
    """Whether the viewer sees codes instead of names on ``assignment`` (blind marking)."""
    return hides_identity(assignment, current_user, g.membership)


def _identity(
    assignments: list[CohortAssignment],
) -> Callable[[grading_queue.QueueRow], tuple[str, str, bool]]:
    """A row's participant as the viewer may see them: (name or code, office, hidden)."""
    hidden = {a.id for a in assignments if _hides(a)}  # decided once, not once per row

    def shown(row: grading_queue.QueueRow) -> tuple[str, str, bool]:
        if row.assignment.id in hidden:
            return participant_code(row.assignment.id, row.participant.id), "", True
        return row.participant.full_name, row.participant.office, False

    return shown


def _load_queue():
    """The whole queue (the CSV export)."""
    trainer = _whose_queue()
    assignment, bucket = _filters()
    listing = grading_queue.trainer_queue(
        g.cohort, trainer, assignment.id if assignment else None, hides=_hides
    )
    return trainer, assignment, bucket, listing


@bp.get("/cohorts/<int:cohort_id>/grading/queue")
@cohort_role(*STAFF)
def queue(cohort_id: int):
    """One page (``?page=``, paging.PER_PAGE rows) of a trainer's queue; the counts per
    bucket are over every page."""
    cohort: Cohort = g.cohort
    trainer = _whose_queue()
    assignment, bucket = _filters()
    listing = grading_queue.trainer_queue_page(
        cohort,
        trainer,
        assignment.id if assignment else None,
        bucket,
        paging.requested(request.args.get("page")),
        paging.PER_PAGE,
        hides=_hides,
    )
    trainers = allocating.cohort_trainers(cohort.id) if _leads() else []
    own = trainer.id == current_user.id
    args: dict[str, int] = {"cohort_id": cohort.id}
    if not own:
        args["trainer"] = trainer.id
    if assignment is not None:
        args["assignment"] = assignment.id
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
        rows=listing.rows,
        page=listing.page,
        # The filters kept by the page links.
        page_args={**args, "bucket": bucket},
        buckets=grading_queue.BUCKETS,
        bucket_labels=grading_queue.bucket_labels(),
        grade_labels=status_labels(),
        shown=_identity(listing.assignments),
        code=participant_code,
        args=args,
        mark_url=submission_url(MARK_ENDPOINT, cohort_id=cohort.id),
        # Looked up once for the whole table, not once per row.
        version_label=_("Versi %(n)d"),
        locale=str(get_locale() or "id"),
        score=score_formatter(),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")


@bp.get("/cohorts/<int:cohort_id>/grading/queue.csv")
@cohort_role(*STAFF)
def queue_csv(cohort_id: int):
    """The queue as CSV (UTF-8 with a byte order mark, so Excel reads names right), the same
    rows as the page. ``?sep=semicolon``: ';' between cells (Excel with Indonesian settings);
    otherwise ','. Totals keep a decimal point either way, like the grade book export."""
    cohort: Cohort = g.cohort
    trainer, _assignment, bucket, listing = _load_queue()
    separator = ";" if request.args.get("sep") == "semicolon" else ","
    labels = grading_queue.bucket_labels()
    shown = _identity(listing.assignments)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(
        [_("Peserta"), _("Unit kerja"), _("Tugas"), _("Versi"), _("Status"), _("Nilai saya")]
    )
    for row in listing.only(bucket):
        name, office, _hidden = shown(row)
        writer.writerow(
            [
                safe_text(name),
                safe_text(office),
                safe_text(row.assignment.spec.title),
                row.latest.number if row.latest else "",
                labels[row.bucket],
                "" if row.total is None else f"{row.total:.1f}",
            ]
        )
    parts = ["antrean-penilaian", _slug(cohort.code), _slug(trainer.full_name)]
    filename = "-".join(p for p in parts if p)[:120] + ".csv"
    response = Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type=CSV_MIMETYPE)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response
