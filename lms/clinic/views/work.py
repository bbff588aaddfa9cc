"""The mentors' work on a case: stage ticks and moving on (Deliver and the registry),
appointments with their record and attendance, and action items."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from lms.accounts.models import User
from lms.attendance.forms import MarkingGridForm
from lms.attendance.models import STATUSES
from lms.clinic import bp, operations, permissions, queries
from lms.clinic.access import case_rule
from lms.clinic.forms import (
    ActionForm,
    ActionStateForm,
    AppointmentForm,
    InnovationForm,
    LockForm,
    MoveForm,
    RecordForm,
    TicksForm,
    lock_of,
)
from lms.clinic.models import Appointment, AppointmentAttendance
from lms.clinic.views._common import labels, locale, stages
from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.innovations.models import Innovation
from lms.timefmt import to_utc
from lms.unit_of_work import unit_of_work


def _detail_url(consultation_id: int, **_: object) -> str:
    return url_for("lms.clinic.detail", consultation_id=consultation_id)


def _stage_url(consultation_id: int, **_: object) -> str:
    return url_for("lms.clinic.stage", consultation_id=consultation_id)


# --- stages ---------------------------------------------------------------------------------


def _stage_page(
    problem: DomainError | None = None,
    consultation_id: int = 0,
    ticks_form=None,
    move_form=None,
    **_,
):
    consultation, access = g.consultation, g.case_access
    stage_set = stages()
    stage = stage_set.get(consultation.stage)
    ticked = queries.ticked(consultation, consultation.stage)
    choices = queries.innovation_choices(consultation)
    if ticks_form is None and stage is not None:
        ticks_form = TicksForm.for_stage(stage, ticked, locale(), formdata=None)
    move_form = move_form or MoveForm.for_choices(choices, formdata=None)
    show_problem(problem, move_form)
    if not move_form.lock.data:
        move_form.lock.data = str(consultation.lock_version)
    following = stage_set.after(consultation.stage)
    reaching_deliver = (
        following is not None
        and following.key == stage_set.deliver
        and consultation.delivered_dt is None
    )
    bring, version = (None, None)
    if reaching_deliver and consultation.innovation_id is None and access.staff:
        bring, version = operations.carried(consultation)
    return render_template(
        "clinic/stage.html",
        c=consultation,
        access=access,
        stage_set=stage_set,
        stage=stage,
        ticked=ticked,
        missing=permissions.open_criteria(stage, ticked),
        following=following,
        reaching_deliver=reaching_deliver,
        ticks_form=ticks_form,
        move_form=move_form,
        can_work=permissions.can_work(access, consultation),
        carried=bring,
        version=version,
        moves=queries.moves_of(consultation),
        **labels(),
    )


@bp.route("/clinic/<int:consultation_id>/stage", methods=["GET", "POST"])
@case_rule()
@unit_of_work(render=_stage_page)
def stage(consultation_id: int):
    """The stages with their criteria (everyone on the case reads them); mentors tick."""
    consultation = g.consultation
    if request.method == "GET":
        return _stage_page(consultation_id=consultation_id)
    if not g.case_access.staff:
        abort(404)
    current = stages().get(consultation.stage)
    if current is None:
        raise operations.ClinicError(_("Tahap konsultasi ini tidak ada lagi di daftar tahap."))
    form = TicksForm.for_stage(current, queries.ticked(consultation, current.key), locale())
    if not form.validate():
        return _stage_page(consultation_id=consultation_id, ticks_form=form), 400
    ticked, unticked = operations.save_ticks(
        consultation, stages(), set(form.criteria.data or []), actor=current_user
    )
    changed = bool(ticked or unticked)
    flash(
        _("Centang kriteria tersimpan.") if changed else _("Tidak ada perubahan."),
        "success" if changed else "info",
    )
    return redirect(_stage_url(consultation_id))


@bp.post("/clinic/<int:consultation_id>/stage/next")
@case_rule(staff=True)
@unit_of_work(
    render=lambda problem, **kw: _stage_page(
        problem, move_form=MoveForm.for_choices(queries.innovation_choices(g.consultation)), **kw
    )
)
def move_on(consultation_id: int):
    consultation = g.consultation
    choices = {i.id: i for i in queries.innovation_choices(consultation)}
    form = MoveForm.for_choices(choices.values())
    if not form.validate_on_submit():
        return _stage_page(consultation_id=consultation_id, move_form=form), 400
    link_to = choices.get(int(form.link_to.data)) if form.link_to.data else None
    move = operations.move_on(
        consultation,
        stages(),
        g.case_access,
        operations.MoveInput(
            override_reason=form.override_reason.data or "",
            innovation=form.innovation.data or "later",
            link_to=link_to,
        ),
        actor=current_user,
        seen_lock=lock_of(form.lock),
    )
    if move.to_stage:
        flash(
            _(
                "Konsultasi masuk tahap %(stage)s.",
                stage=stages().get(move.to_stage).title(locale()),
            ),
            "success",
        )
    else:
        flash(_("Tahap terakhir selesai; konsultasi selesai didampingi."), "success")
    return redirect(_stage_url(consultation_id))


def _innovation_page(problem: DomainError | None = None, consultation_id: int = 0, form=None, **_):
    consultation = g.consultation
    form = form or InnovationForm.for_choices(
        queries.innovation_choices(consultation), formdata=None
    )
    show_problem(problem, form)
    bring, version = operations.carried(consultation)
    return render_template(
        "clinic/innovation.html",
        c=consultation,
        form=form,
        carried=bring,
        version=version,
        **labels(),
    )


@bp.route("/clinic/<int:consultation_id>/innovation", methods=["GET", "POST"])
@case_rule(staff=True)
@unit_of_work(
    render=lambda problem, **kw: _innovation_page(
        problem, form=InnovationForm.for_choices(queries.innovation_choices(g.consultation)), **kw
    )
)
def innovation(consultation_id: int):
    """After Deliver: create the registry innovation from the case, or link one."""
    consultation = g.consultation
    if consultation.innovation_id is not None or consultation.delivered_dt is None:
        return redirect(_detail_url(consultation_id))
    choices = {i.id: i for i in queries.innovation_choices(consultation)}
    form = InnovationForm.for_choices(choices.values())
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _innovation_page(consultation_id=consultation_id, form=form), status
    if form.innovation.data == "create":
        made: Innovation = operations.create_innovation(consultation, actor=current_user)
        flash(_("Inovasi daerah “%(name)s” dibuat di registri (draf).", name=made.name), "success")
    else:
        target = choices.get(int(form.link_to.data)) if form.link_to.data else None
        linked = operations.link_innovation(consultation, target, actor=current_user)
        flash(_("Konsultasi terhubung dengan “%(name)s”.", name=linked.name), "success")
    operations.schedule_follow_ups(consultation)
    return redirect(_detail_url(consultation_id))


# --- appointments ---------------------------------------------------------------------------------


def _new_appointment_page(
    problem: DomainError | None = None, consultation_id: int = 0, form=None, **_
):
    form = form or AppointmentForm()
    show_problem(problem, form)
    return render_template("clinic/appointment_form.html", c=g.consultation, form=form, **labels())


@bp.route("/clinic/<int:consultation_id>/appointments/new", methods=["GET", "POST"])
@case_rule(staff=True)
@unit_of_work(render=_new_appointment_page)
def new_appointment(consultation_id: int):
    consultation = g.consultation
    form = AppointmentForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _new_appointment_page(consultation_id=consultation_id, form=form), status
    tz = consultation.region.timezone
    operations.schedule(
        consultation,
        operations.AppointmentInput(
            title=form.title.data,
            start_dt=to_utc(form.day.data, form.start_time.data, tz),
            end_dt=to_utc(form.day.data, form.end_time.data, tz),
            mode=form.mode.data,
            place=form.place.data or "",
            link=form.link.data or "",
        ),
        actor=current_user,
    )
    flash(_("Sesi dijadwalkan; pemohon dan pendamping sudah diberi tahu."), "success")
    return redirect(_detail_url(consultation_id) + "#appointments")


@dataclass
class _Row:
    """One row of the attendance grid (templates/attendance/_mark_rows.html)."""

    user: User
    record: AppointmentAttendance | None
    status: str
    note: str
    version: str
    seen_status: str
    seen_note: str
    error: str = ""
    conflict: bool = False


def _rows(form: MarkingGridForm, records: dict) -> list[_Row]:
    rows = []
    for entry in form.entries():
        record = records.get(entry.user.id)
        if not entry.posted:
            status, note = (record.status, record.note) if record else ("", "")
            version = str(record.version) if record else ""
            rows.append(_Row(entry.user, record, status, note, version, status, note))
            continue
        rows.append(
            _Row(
                entry.user,
                record,
                entry.status,
                entry.note,
                entry.version,
                entry.seen_status,
                entry.seen_note,
                error=entry.error,
            )
        )
    return rows


def _appointment_page(
    problem: DomainError | None = None,
    consultation_id: int = 0,
    appointment_id: int = 0,
    record_form=None,
    grid=None,
    **_,
):
    consultation, access = g.consultation, g.case_access
    appointment = queries.appointment_of(consultation, appointment_id)
    people = queries.roster(consultation)
    records = queries.attendance_of(appointment)
    if grid is None:
        grid = MarkingGridForm.for_roster(people, records, formdata=None)
    record_form = record_form or RecordForm(formdata=None, obj=appointment)
    show_problem(problem, record_form)
    if not record_form.lock.data:
        record_form.lock.data = str(appointment.lock_version)
    return render_template(
        "clinic/appointment.html",
        c=consultation,
        access=access,
        appointment=appointment,
        rows=_rows(grid, records),
        statuses=STATUSES,
        tz=consultation.region.timezone,
        record_form=record_form,
        cancel_form=LockForm(formdata=None, lock=str(appointment.lock_version)),
        can_work=permissions.can_work(access, consultation),
        **labels(),
    )


@bp.get("/clinic/<int:consultation_id>/appointments/<int:appointment_id>")
@case_rule()
def appointment(consultation_id: int, appointment_id: int):
    return _appointment_page(consultation_id=consultation_id, appointment_id=appointment_id)


def _appointment_url(consultation_id: int, appointment_id: int, **_: object) -> str:
    return url_for(
        "lms.clinic.appointment", consultation_id=consultation_id, appointment_id=appointment_id
    )


@bp.post("/clinic/<int:consultation_id>/appointments/<int:appointment_id>/record")
@case_rule(staff=True)
@unit_of_work(
    render=lambda problem, **kw: _appointment_page(problem, record_form=RecordForm(), **kw)
)
def record(consultation_id: int, appointment_id: int):
    appointment: Appointment = queries.appointment_of(g.consultation, appointment_id)
    form = RecordForm()
    if not form.validate_on_submit():
        return _appointment_page(
            consultation_id=consultation_id, appointment_id=appointment_id, record_form=form
        ), 400
    operations.record(
        appointment,
        form.discussed.data,
        form.decisions.data or "",
        actor=current_user,
        seen_lock=lock_of(form.lock),
    )
    flash(_("Catatan sesi tersimpan."), "success")
    return redirect(_appointment_url(consultation_id, appointment_id))


@bp.post("/clinic/<int:consultation_id>/appointments/<int:appointment_id>/attendance")
@case_rule(staff=True)
@unit_of_work(render=_appointment_page)
def attendance(consultation_id: int, appointment_id: int):
    """Attendance the way class meetings take it: the same statuses, grid and stale-row
    rule (lms.attendance)."""
    appointment = queries.appointment_of(g.consultation, appointment_id)
    people = queries.roster(g.consultation)
    records = queries.attendance_of(appointment)
    form = MarkingGridForm.for_roster(people, records)
    if not form.validate_on_submit():
        flash(_("Belum disimpan: periksa baris yang ditandai."), "error")
        return _appointment_page(
            consultation_id=consultation_id, appointment_id=appointment_id, grid=form
        ), 400
    written = operations.save_attendance(appointment, people, form.changes(), actor=current_user)
    if written:
        flash(_("Kehadiran %(n)d orang sudah disimpan.", n=written), "success")
    else:
        flash(_("Tidak ada perubahan."), "info")
    return redirect(_appointment_url(consultation_id, appointment_id))


@bp.post("/clinic/<int:consultation_id>/appointments/<int:appointment_id>/cancel")
@case_rule(staff=True)
@unit_of_work(back=_appointment_url)
def cancel(consultation_id: int, appointment_id: int):
    appointment = queries.appointment_of(g.consultation, appointment_id)
    form = LockForm()
    if not form.validate_on_submit():
        abort(400)
    operations.cancel(appointment, actor=current_user, seen_lock=lock_of(form.lock))
    flash(_("Sesi dibatalkan; pemohon dan pendamping sudah diberi tahu."), "success")
    return redirect(_appointment_url(consultation_id, appointment_id))


# --- action items ---------------------------------------------------------------------------------


@bp.post("/clinic/<int:consultation_id>/actions")
@case_rule(staff=True)
@unit_of_work(back=_detail_url)
def add_action(consultation_id: int):
    consultation = g.consultation
    people = {p.id: p for p in queries.roster(consultation)}
    form = ActionForm.for_people(people.values())
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(_detail_url(consultation_id) + "#actions")
    operations.add_action(
        consultation,
        form.title.data,
        people[form.owner.data],
        form.due_date.data,
        actor=current_user,
    )
    flash(_("Tindak lanjut ditambahkan."), "success")
    return redirect(_detail_url(consultation_id) + "#actions")


@bp.post("/clinic/<int:consultation_id>/actions/<int:action_id>")
@case_rule()
@unit_of_work(back=_detail_url)
def action_state(consultation_id: int, action_id: int):
    item = queries.action_of(g.consultation, action_id)
    if not permissions.can_update_action(g.case_access, item, current_user):
        abort(404)
    form = ActionStateForm()
    if not form.validate_on_submit():
        abort(400)
    operations.set_action_state(
        item, form.state.data, actor=current_user, seen_lock=lock_of(form.lock)
    )
    flash(_("Tindak lanjut diperbarui."), "success")
    return redirect(_detail_url(consultation_id) + "#actions")
