"""The organizer's marking grid, closing a meeting, the marks import, and excuse requests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from lms import storage
from lms.accounts.models import User
from lms.attendance import bp, operations
from lms.attendance.forms_marking import (
    EXCUSE_FILE_KINDS,
    EXCUSE_FILE_MAX_BYTES,
    DecideForm,
    ExcuseForm,
    MarksImportForm,
)
from lms.attendance.marking import (
    NOTE_MAX,
    MarkRow,
    ParsedMarks,
    column_label,
    parse_marks_file,
    resolve_people,
    status_label,
)
from lms.attendance.models import STATUSES, AttendanceRecord, ExcuseRequest, Meeting
from lms.attendance.views.meetings import meeting_of
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.imports import discard_pending, expired_message, load_pending, save_pending

EXCUSE_STATES = ("pending", "approved", "rejected", "withdrawn")


def _records(meeting: Meeting) -> dict[int, AttendanceRecord]:
    return {
        r.user_id: r
        for r in db.session.scalars(db.select(AttendanceRecord).filter_by(meeting_id=meeting.id))
    }


# --- the marking grid ---------------------------------------------------------------------


@dataclass
class GridRow:
    user: User
    record: AttendanceRecord | None
    #: What the inputs show (the stored values, or what the organizer typed).
    status: str
    note: str
    #: The row as the organizer saw it: record version ("" = no record), status and note.
    version: str
    seen_status: str
    seen_note: str
    error: str = ""
    #: Someone else changed this row since the organizer loaded the page.
    conflict: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.status) and (self.status, self.note) != (
            self.seen_status,
            self.seen_note,
        )


def _stored_row(user: User, record: AttendanceRecord | None) -> GridRow:
    status = record.status if record else ""
    note = record.note if record else ""
    version = str(record.version) if record else ""
    return GridRow(user, record, status, note, version, status, note)


def _posted_row(user: User, record: AttendanceRecord | None) -> GridRow:
    """The row as posted; a person added after the page was loaded keeps the stored values."""
    form = request.form
    uid = user.id
    if f"version-{uid}" not in form:
        return _stored_row(user, record)
    row = GridRow(
        user,
        record,
        status=form.get(f"status-{uid}", "").strip(),
        note=form.get(f"note-{uid}", "").strip(),
        version=form.get(f"version-{uid}", "").strip(),
        seen_status=form.get(f"seen-status-{uid}", "").strip(),
        seen_note=form.get(f"seen-note-{uid}", "").strip(),
    )
    if row.version and not row.version.isdigit():
        row.error = _("Data baris ini rusak. Muat ulang halaman.")
    elif row.status and row.status not in STATUSES:
        row.error = _("Status tidak dikenal. Pilih Hadir, Terlambat, Izin, Sakit atau Alpa.")
    elif row.note and not row.status:
        row.error = _("Pilih status dulu; catatan disimpan bersama status.")
    elif len(row.note) > NOTE_MAX:
        row.error = _("Catatan paling banyak %(max)d karakter.", max=NOTE_MAX)
    return row


def _already_stored(row: GridRow) -> bool:
    return row.record is not None and (row.record.status, row.record.note) == (
        row.status,
        row.note,
    )


def _is_conflict(row: GridRow) -> bool:
    """The organizer changed a row that someone else changed after it was shown."""
    current = row.record.version if row.record else None
    expected = int(row.version) if row.version else None
    # Someone else made exactly the same change: nothing is lost.
    return current != expected and not _already_stored(row)


def _refresh_after_conflict(rows: list[GridRow]) -> None:
    """Rows the organizer did not touch show what is stored now; changed rows keep the
    organizer's input; conflicting rows take the stored version so that saving again is a
    deliberate choice made after seeing the other change."""
    for i, row in enumerate(rows):
        if not row.changed:
            rows[i] = _stored_row(row.user, row.record)
        elif row.conflict:
            fresh = _stored_row(row.user, row.record)
            row.version, row.seen_status, row.seen_note = (
                fresh.version,
                fresh.seen_status,
                fresh.seen_note,
            )


def _render_grid(meeting: Meeting, rows: list[GridRow], *, conflicts=(), status: int = 200):
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        if row.record is not None:
            counts[row.record.status] += 1
    unmarked = sum(1 for row in rows if row.record is None)
    return (
        render_template(
            "attendance/mark_grid.html",
            cohort=g.cohort,
            meeting=meeting,
            rows=rows,
            statuses=STATUSES,
            status_label=status_label,
            counts=counts,
            unmarked=unmarked,
            conflicts=list(conflicts),
            has_errors=any(r.error for r in rows),
        ),
        status,
    )


@bp.route("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/marks", methods=["GET", "POST"])
@cohort_role("organizer")
def marks(cohort_id: int, meeting_id: int):
    meeting = meeting_of(g.cohort, meeting_id)
    people = operations.participants(g.cohort.id)
    records = _records(meeting)
    if request.method == "GET":
        return _render_grid(meeting, [_stored_row(p, records.get(p.id)) for p in people])

    if not ConfirmForm().validate_on_submit():
        abort(400)
    rows = [_posted_row(p, records.get(p.id)) for p in people]
    if any(r.error for r in rows):
        flash(_("Belum disimpan: periksa baris yang ditandai."), "error")
        return _render_grid(meeting, rows)
    changed = [r for r in rows if r.changed]
    for row in changed:
        row.conflict = _is_conflict(row)
    conflicts = [r for r in changed if r.conflict]
    # A row already stored exactly as chosen (someone else made the same change) needs no write.
    to_write = [r for r in changed if not _already_stored(r)]
    if not conflicts:
        try:
            for row in to_write:
                operations.set_mark(
                    meeting,
                    row.user,
                    row.status,
                    note=row.note,
                    actor=current_user,
                    expected_version=int(row.version) if row.version else None,
                )
            db.session.commit()
        except (operations.ConflictError, StaleDataError, IntegrityError):
            # Someone saved between our check and our write: nothing of ours is kept.
            db.session.rollback()
            records = _records(meeting)
            for row in rows:
                row.record = records.get(row.user.id)
            conflicts = [r for r in to_write if _is_conflict(r)]
            for row in conflicts:
                row.conflict = True
            if not conflicts:
                flash(
                    _("Data ini baru saja diubah orang lain. Muat ulang lalu coba lagi."),
                    "error",
                )
        else:
            if to_write:
                flash(
                    _("Kehadiran %(n)d peserta sudah disimpan.", n=len(to_write)),
                    "success",
                )
            else:
                flash(_("Tidak ada perubahan."), "info")
            return redirect(url_for(".marks", cohort_id=g.cohort.id, meeting_id=meeting.id))
    _refresh_after_conflict(rows)
    return _render_grid(meeting, rows, conflicts=conflicts, status=409)


@bp.post("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/close")
@cohort_role("organizer")
def close(cohort_id: int, meeting_id: int):
    meeting = meeting_of(g.cohort, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = operations.close_meeting(meeting, actor=current_user)
        db.session.commit()
    except (operations.AttendanceError, StaleDataError, IntegrityError):
        db.session.rollback()
        flash(
            _(
                "Belum ada yang ditandai Alpa: seseorang baru saja mencatat kehadiran. "
                "Periksa daftar lalu coba lagi."
            ),
            "error",
        )
    else:
        if count:
            flash(
                _("%(n)d peserta yang belum ditandai sudah dicatat Alpa.", n=count),
                "success",
            )
        else:
            flash(_("Semua peserta sudah ditandai; tidak ada yang dicatat Alpa."), "info")
    return redirect(url_for(".marks", cohort_id=g.cohort.id, meeting_id=meeting.id))


# --- importing marks ----------------------------------------------------------------------
# Like the member import: every row is checked and shown first; the parsed rows wait in the
# upload store (lms.imports) until the organizer confirms.


@bp.route(
    "/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/marks/import", methods=["GET", "POST"]
)
@cohort_role("organizer")
def import_marks(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = meeting_of(cohort, meeting_id)
    form = MarksImportForm()
    if not form.validate_on_submit():
        return render_template(
            "attendance/mark_import.html", cohort=cohort, meeting=meeting, form=form
        )
    upload = form.file.data
    filename = upload.filename or ""
    parsed: ParsedMarks = parse_marks_file(upload.read())
    if parsed.rows:
        resolve_people(parsed, cohort.id)
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
        records=_records(meeting),
        column_label=column_label,
        status_label=status_label,
    )


@bp.post("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/marks/import/<token>")
@cohort_role("organizer")
def confirm_import_marks(cohort_id: int, meeting_id: int, token: str):
    cohort: Cohort = g.cohort
    meeting = meeting_of(cohort, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for(".import_marks", cohort_id=cohort.id, meeting_id=meeting.id)
    payload = load_pending("marks", token, cohort.id, current_user.id)
    if payload is None:
        flash(expired_message(), "error")
        return redirect(back)
    if payload.get("meeting_id") != meeting.id:
        abort(404)
    parsed = ParsedMarks(rows=[MarkRow(**{**r, "problems": []}) for r in payload["rows"]])
    # Memberships may have changed since the preview.
    resolve_people(parsed, cohort.id)
    if not parsed.ok:
        flash(_("Data peserta berubah sejak pratinjau. Periksa lagi sebelum mengimpor."), "error")
        return redirect(back)
    users = {
        u.id: u
        for u in db.session.scalars(
            db.select(User).where(User.id.in_([r.user_id for r in parsed.rows]))
        )
    }
    records = _records(meeting)
    try:
        for row in parsed.rows:
            record = records.get(row.user_id)
            operations.set_mark(
                meeting,
                users[row.user_id],
                row.status,
                # An empty note in the file keeps the note already written.
                note=row.note or (record.note if record else ""),
                actor=current_user,
                expected_version=record.version if record else None,
                source="import",
            )
        db.session.commit()
    except (operations.AttendanceError, StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        detail = (
            str(exc)
            if isinstance(exc, operations.AttendanceError)
            else _("kehadiran baru saja diubah orang lain.")
        )
        flash(_("Impor dibatalkan, tidak ada yang disimpan: %(msg)s", msg=detail), "error")
        return redirect(back)
    discard_pending("marks", token)
    flash(_("%(n)d baris sudah diimpor.", n=len(parsed.rows)), "success")
    return redirect(url_for(".marks", cohort_id=cohort.id, meeting_id=meeting.id))


# --- excuse requests (Izin / Sakit) -------------------------------------------------------


def _excuse_of(cohort: Cohort, excuse_id: int) -> ExcuseRequest:
    excuse = db.session.scalar(
        db.select(ExcuseRequest)
        .options(joinedload(ExcuseRequest.meeting), joinedload(ExcuseRequest.user))
        .filter_by(id=excuse_id)
    )
    if excuse is None or excuse.meeting.cohort_id != cohort.id:
        abort(404)
    return excuse


@bp.route("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/excuse", methods=["GET", "POST"])
@cohort_role("participant")
def excuse(cohort_id: int, meeting_id: int):
    cohort: Cohort = g.cohort
    meeting = meeting_of(cohort, meeting_id)
    form = ExcuseForm()
    if form.validate_on_submit():
        upload = form.file.data
        key, name = None, ""
        if upload and upload.filename:
            try:
                stored = storage.save_upload(
                    upload.stream, max_bytes=EXCUSE_FILE_MAX_BYTES, allowed=set(EXCUSE_FILE_KINDS)
                )
            except storage.UploadError as exc:
                form.file.errors.append(str(exc))
            else:
                # The original name is data only (shown, and offered when downloading).
                key, name = stored.key, re.split(r"[/\\]", upload.filename)[-1][-255:]
        if not form.file.errors:
            try:
                operations.request_excuse(
                    meeting,
                    current_user,
                    kind=form.kind.data,
                    reason=form.reason.data,
                    file_key=key,
                    file_name=name,
                )
            except operations.AttendanceError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("Permohonan Anda sudah dikirim dan menunggu keputusan panitia."), "success")
                return redirect(url_for(".excuse", cohort_id=cohort.id, meeting_id=meeting.id))
    mine = db.session.scalars(
        db.select(ExcuseRequest)
        .filter_by(meeting_id=meeting.id, user_id=current_user.id)
        .order_by(ExcuseRequest.created_dt.desc(), ExcuseRequest.id.desc())
    ).all()
    record = db.session.scalar(
        db.select(AttendanceRecord).filter_by(meeting_id=meeting.id, user_id=current_user.id)
    )
    return render_template(
        "attendance/excuse_request.html",
        cohort=cohort,
        meeting=meeting,
        form=form,
        mine=mine,
        record=record,
        has_pending=any(e.state == "pending" for e in mine),
        status_label=status_label,
        can_see_members=False,
    )


def _render_excuses(cohort: Cohort, *, errors: dict[int, str] | None = None, status: int = 200):
    state = request.args.get("state", "")
    stmt = (
        db.select(ExcuseRequest)
        .join(ExcuseRequest.meeting)
        .where(Meeting.cohort_id == cohort.id)
        .options(joinedload(ExcuseRequest.meeting), joinedload(ExcuseRequest.user))
    )
    if state in EXCUSE_STATES:
        stmt = stmt.where(ExcuseRequest.state == state)
    pending_first = db.case((ExcuseRequest.state == "pending", 0), else_=1)
    excuses = db.session.scalars(
        stmt.order_by(pending_first, ExcuseRequest.created_dt.desc(), ExcuseRequest.id.desc())
    ).all()
    return (
        render_template(
            "attendance/excuse_list.html",
            cohort=cohort,
            excuses=excuses,
            state_filter=state if state in EXCUSE_STATES else "",
            errors=errors or {},
            posted_note=request.form.get("note", "") if errors else "",
            status_label=status_label,
        ),
        status,
    )


@bp.get("/cohorts/<int:cohort_id>/excuses")
@cohort_role("organizer")
def excuses(cohort_id: int):
    return _render_excuses(g.cohort)


@bp.post("/cohorts/<int:cohort_id>/excuses/<int:excuse_id>/decide")
@cohort_role("organizer")
def decide_excuse(cohort_id: int, excuse_id: int):
    cohort: Cohort = g.cohort
    form = DecideForm()
    valid = form.validate_on_submit()
    if not form.is_submitted() or form.csrf_token.errors:
        abort(400)
    item = _excuse_of(cohort, excuse_id)
    if not valid:
        message = " ".join(str(m) for field in (form.decision, form.note) for m in field.errors)
        return _render_excuses(cohort, errors={item.id: message}, status=400)
    approve = form.decision.data == "approve"
    note = (form.note.data or "").strip()
    if not approve and not note:
        return _render_excuses(
            cohort,
            errors={item.id: _("Tulis alasan penolakan agar peserta tahu.")},
            status=400,
        )
    name, kind = item.user.full_name, item.kind
    try:
        operations.decide_excuse(item, approve=approve, note=note, actor=current_user)
        db.session.commit()
    except (operations.AttendanceError, StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        detail = (
            str(exc)
            if isinstance(exc, operations.AttendanceError)
            else _("Data ini baru saja diubah orang lain. Muat ulang lalu coba lagi.")
        )
        flash(detail, "error")
    else:
        if approve:
            flash(
                _(
                    "Permohonan %(name)s disetujui; kehadirannya dicatat %(status)s.",
                    name=name,
                    status=status_label(kind),
                ),
                "success",
            )
        else:
            flash(_("Permohonan %(name)s ditolak.", name=name), "success")
    return redirect(url_for(".excuses", cohort_id=cohort.id))


@bp.get("/cohorts/<int:cohort_id>/excuses/<int:excuse_id>/file")
@cohort_role("participant", "organizer")
def excuse_file(cohort_id: int, excuse_id: int):
    cohort: Cohort = g.cohort
    item = _excuse_of(cohort, excuse_id)
    is_organizer = current_user.is_admin or (
        g.membership is not None and g.membership.role == "organizer"
    )
    if not is_organizer and item.user_id != current_user.id:
        abort(403)
    if not item.file_key:
        abort(404)
    return storage.send_stored(item.file_key, item.file_name or "lampiran")
