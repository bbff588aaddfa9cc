"""The organizer's marking grid, closing a meeting, and importing marks."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.accounts.models import User
from lms.attendance import bp, operations, permissions, queries
from lms.attendance.forms import MarkingGridForm, MarksImportForm
from lms.attendance.importing.marks import MarkRow, ParsedMarks, column_label, parse_marks_file
from lms.attendance.models import STATUSES, AttendanceRecord, Meeting
from lms.attendance.views import offline
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.errors import DomainError
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.imports import discard_pending, expired_message, load_pending, save_pending
from lms.unit_of_work import on_commit, unit_of_work


def _marks_url(cohort_id: int, meeting_id: int, **_: object) -> str:
    return url_for("lms.attendance.marks", cohort_id=cohort_id, meeting_id=meeting_id)


# --- the marking grid ---------------------------------------------------------------------


@dataclass
class _Row:
    """What one row of the grid shows."""

    user: User
    record: AttendanceRecord | None
    #: What the inputs show (the stored values, or what the organizer typed).
    status: str
    note: str
    #: The hidden inputs: the row as the organizer saw it.
    version: str
    seen_status: str
    seen_note: str
    error: str = ""
    #: Someone else changed this row since the organizer loaded the page.
    conflict: bool = False


def _stored(user: User, record: AttendanceRecord | None) -> _Row:
    status, note = (record.status, record.note) if record else ("", "")
    return _Row(user, record, status, note, str(record.version) if record else "", status, note)


def _rows(form: MarkingGridForm, records: dict, *, after_conflict: bool) -> list[_Row]:
    """The grid's rows. After a refused save, rows the organizer did not touch show what is
    stored now, changed rows keep the organizer's input, and stale rows take the stored
    version, so that saving again is a choice made after seeing the other change."""
    rows = []
    for entry in form.entries():
        record = records.get(entry.user.id)
        if not entry.posted or (after_conflict and not entry.changed):
            rows.append(_stored(entry.user, record))
            continue
        row = _Row(
            entry.user,
            record,
            entry.status,
            entry.note,
            entry.version,
            entry.seen_status,
            entry.seen_note,
            error=entry.error,
        )
        if after_conflict and permissions.is_stale(
            record, entry.seen_version, entry.status, entry.note
        ):
            fresh = _stored(entry.user, record)
            row.version, row.seen_status, row.seen_note = (
                fresh.version,
                fresh.seen_status,
                fresh.seen_note,
            )
            row.conflict = True
        rows.append(row)
    return rows


def _grid_strings() -> dict[str, object]:
    """What mark-grid.js shows, in the page's language ({n}, {time}... filled in there)."""
    return {
        "statuses": queries.status_words(),
        "unmarked": _("belum ditandai"),
        "pending": _("{n} perubahan belum terkirim; tersimpan di ponsel ini."),
        "offline": _(
            "Tidak tersambung. Perubahan tersimpan di ponsel ini dan dikirim saat tersambung lagi."
        ),
        "sending": _("Mengirim perubahan..."),
        "saved": _("Tersimpan: {n} peserta."),
        "all_sent": _("Semua perubahan sudah terkirim."),
        "nothing": _("Tidak ada perubahan."),
        "conflicts": _("{n} peserta diubah orang lain sementara itu: pilih di barisnya."),
        "conflict": _("Diubah orang lain: sekarang {theirs}. Pilihan Anda: {mine}."),
        "keep_mine": _("Pakai pilihan saya"),
        "take_theirs": _("Pakai data terbaru"),
        "refused": _("Tidak disimpan: {detail}"),
        "login": _("Sesi Anda berakhir. Masuk lagi untuk mengirim perubahan yang tersimpan."),
        "login_link": _("Masuk"),
        "copy": _("Tampilan tersimpan dari {time}; belum tersambung ke server."),
        "filled": _("{n} peserta yang belum ditandai dipilih Hadir. Ubah yang lain, lalu simpan."),
        "pending_row": _("menunggu dikirim"),
        "unmarked_count": _("Belum ditandai: {n}"),
        "needs_status": _("Pilih status dulu; catatan disimpan bersama status."),
        "check_rows": _("Belum disimpan: periksa baris yang ditandai."),
        "error": _("Gagal mengirim; dicoba lagi nanti."),
    }


def _render_grid(
    meeting: Meeting,
    form: MarkingGridForm,
    records: dict,
    problem: DomainError | None = None,
    *,
    fill: bool = False,
):
    rows = _rows(form, records, after_conflict=problem is not None)
    conflicts = [row for row in rows if row.conflict]
    if not conflicts:
        show_problem(problem)
    filled = 0
    if fill:
        # "Tandai semua Hadir" without JavaScript: chosen on the page, saved with "Simpan".
        for row in rows:
            if not row.status:
                row.status, filled = "present", filled + 1
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        if row.record is not None:
            counts[row.record.status] += 1
    return render_template(
        "attendance/mark_grid.html",
        cohort=g.cohort,
        meeting=meeting,
        rows=rows,
        statuses=STATUSES,
        status_label=queries.status_label,
        status_symbol=queries.status_symbols().get,
        counts=counts,
        unmarked=sum(1 for row in rows if row.record is None),
        conflicts=conflicts,
        problem=problem,
        filled=filled,
        grid_strings=_grid_strings(),
        offline=offline.page_settings(
            offline.grid_scope(),
            api_marks=offline.api_path(f"/cohorts/{g.cohort.id}/meetings/{meeting.id}/marks"),
        ),
    )


def _grid_page(problem: DomainError | None = None, cohort_id=None, meeting_id=None):
    """The grid after a refused save (rolled back): what is stored now, with the input kept."""
    meeting = queries.meeting_of(g.cohort, meeting_id)
    records = queries.records_by_user(meeting)
    form = MarkingGridForm.for_roster(queries.participants(meeting.cohort_id), records)
    return _render_grid(meeting, form, records, problem)


@bp.route("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/marks", methods=["GET", "POST"])
@cohort_role("organizer")
@unit_of_work(render=_grid_page)
def marks(cohort_id: int, meeting_id: int):
    meeting = queries.meeting_of(g.cohort, meeting_id)
    records = queries.records_by_user(meeting)
    form = MarkingGridForm.for_roster(queries.participants(g.cohort.id), records)
    if not form.is_submitted():
        return _render_grid(meeting, form, records)
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Belum disimpan: periksa baris yang ditandai."), "error")
        return _render_grid(meeting, form, records)
    if form.fill.data == "present":
        return _render_grid(meeting, form, records, fill=True)
    written = operations.save_marks(meeting, form.changes(), actor=current_user)
    if written:
        flash(_("Kehadiran %(n)d peserta sudah disimpan.", n=written), "success")
    else:
        flash(_("Tidak ada perubahan."), "info")
    return redirect(_marks_url(cohort_id, meeting_id))


@bp.post("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/close")
@cohort_role("organizer")
@unit_of_work(back=_marks_url)
def close(cohort_id: int, meeting_id: int):
    meeting = queries.meeting_of(g.cohort, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = operations.close_meeting(meeting, actor=current_user)
    if count:
        flash(_("%(n)d peserta yang belum ditandai sudah dicatat Alpa.", n=count), "success")
    else:
        flash(_("Semua peserta sudah ditandai; tidak ada yang dicatat Alpa."), "info")
    return redirect(_marks_url(cohort_id, meeting_id))


# --- importing marks ----------------------------------------------------------------------
# Like the member import: every row is checked and shown first; the parsed rows wait in the
# upload store (lms.imports) until the organizer confirms.


def _import_url(cohort_id: int, meeting_id: int, **_: object) -> str:
    return url_for("lms.attendance.import_marks", cohort_id=cohort_id, meeting_id=meeting_id)


@bp.route(
    "/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/marks/import", methods=["GET", "POST"]
)
@cohort_role("organizer")
@unit_of_work
def import_marks(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = queries.meeting_of(cohort, meeting_id)
    form = MarksImportForm()
    if not form.validate_on_submit():
        return render_template(
            "attendance/mark_import.html", cohort=cohort, meeting=meeting, form=form
        )
    upload = form.file.data
    filename = upload.filename or ""
    parsed: ParsedMarks = parse_marks_file(upload.read())
    if parsed.rows:
        queries.resolve_people(parsed, cohort.id)
    token = None
    if parsed.ok:
        payload = {
            "meeting_id": meeting.id,
            "filename": filename,
            "rows": [r.payload() for r in parsed.rows],
        }
        token = save_pending("marks", cohort.id, current_user.id, payload)
    return render_template(
        "attendance/mark_import_preview.html",
        cohort=cohort,
        meeting=meeting,
        parsed=parsed,
        token=token,
        filename=filename,
        form=form,
        records=queries.records_by_user(meeting),
        column_label=column_label,
        status_label=queries.status_label,
    )


@bp.post("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/marks/import/<token>")
@cohort_role("organizer")
@unit_of_work(back=_import_url)
def confirm_import_marks(cohort_id: int, meeting_id: int, token: str):
    cohort: Cohort = g.cohort
    meeting = queries.meeting_of(cohort, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    payload = load_pending("marks", token, cohort.id, current_user.id)
    if payload is None:
        flash(expired_message(), "error")
        return redirect(_import_url(cohort_id, meeting_id))
    if payload.get("meeting_id") != meeting.id:
        abort(404)
    parsed = ParsedMarks(rows=[MarkRow(**{**r, "problems": []}) for r in payload["rows"]])
    queries.resolve_people(parsed, cohort.id)  # memberships may have changed since the preview
    if not parsed.ok:
        flash(_("Data peserta berubah sejak pratinjau. Periksa lagi sebelum mengimpor."), "error")
        return redirect(_import_url(cohort_id, meeting_id))
    count = operations.import_marks(meeting, parsed.rows, actor=current_user)
    on_commit(lambda: discard_pending("marks", token))
    flash(_("%(n)d baris sudah diimpor.", n=count), "success")
    return redirect(_marks_url(cohort_id, meeting_id))
