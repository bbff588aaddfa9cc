"""Excuse requests (Izin / Sakit): the participant asks, the organizer decides, the attachment."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from lms import storage
from lms.attendance import bp, operations, permissions, queries
from lms.attendance.forms import DecideForm, ExcuseForm
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.unit_of_work import unit_of_work


def _excuse_page(problem: DomainError | None = None, cohort_id=None, meeting_id=None, form=None):
    cohort: Cohort = g.cohort
    meeting = queries.meeting_of(cohort, meeting_id)
    form = form or ExcuseForm()
    show_problem(problem, form)
    mine = queries.own_excuses(meeting, current_user)
    return render_template(
        "attendance/excuse_request.html",
        cohort=cohort,
        meeting=meeting,
        form=form,
        mine=mine,
        record=queries.own_record(meeting, current_user),
        has_pending=any(e.state == "pending" for e in mine),
        status_label=queries.status_label,
        can_see_members=False,
    )


@bp.route("/cohorts/<int:cohort_id>/meetings/<int:meeting_id>/excuse", methods=["GET", "POST"])
@cohort_role("participant")
@unit_of_work(render=_excuse_page)
def excuse(cohort_id: int, meeting_id: int):
    meeting = queries.meeting_of(g.cohort, meeting_id)
    form = ExcuseForm()
    if not form.validate_on_submit():  # a valid form has stored its attachment
        return _excuse_page(cohort_id=cohort_id, meeting_id=meeting_id, form=form)
    operations.request_excuse(
        meeting,
        current_user,
        kind=form.kind.data,
        reason=form.reason.data,
        file_key=form.file_key,
        file_name=form.file_name,
    )
    flash(_("Permohonan Anda sudah dikirim dan menunggu keputusan panitia."), "success")
    return redirect(url_for(".excuse", cohort_id=cohort_id, meeting_id=meeting_id))


def _excuses_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.attendance.excuses", cohort_id=cohort_id)


def _excuse_list(cohort: Cohort, *, errors: dict[int, str] | None = None, posted_note: str = ""):
    state = request.args.get("state", "")
    return render_template(
        "attendance/excuse_list.html",
        cohort=cohort,
        excuses=queries.excuses(cohort, state),
        state_filter=state if state in queries.EXCUSE_STATES else "",
        errors=errors or {},
        posted_note=posted_note,
        status_label=queries.status_label,
    )


@bp.get("/cohorts/<int:cohort_id>/excuses")
@cohort_role("organizer")
def excuses(cohort_id: int):
    return _excuse_list(g.cohort)


@bp.post("/cohorts/<int:cohort_id>/excuses/<int:excuse_id>/decide")
@cohort_role("organizer")
@unit_of_work(back=_excuses_url)
def decide_excuse(cohort_id: int, excuse_id: int):
    cohort: Cohort = g.cohort
    form = DecideForm()
    valid = form.validate_on_submit()
    if not form.is_submitted() or form.csrf_token.errors:
        abort(400)
    item = queries.excuse_of(cohort, excuse_id)
    if not valid:
        message = " ".join(str(m) for field in (form.decision, form.note) for m in field.errors)
        page = _excuse_list(cohort, errors={item.id: message}, posted_note=form.note.data or "")
        return page, 400
    name, kind = item.user.full_name, item.kind
    operations.decide_excuse(item, approve=form.approve, note=form.note.data, actor=current_user)
    if form.approve:
        flash(
            _(
                "Permohonan %(name)s disetujui; kehadirannya dicatat %(status)s.",
                name=name,
                status=queries.status_label(kind),
            ),
            "success",
        )
    else:
        flash(_("Permohonan %(name)s ditolak.", name=name), "success")
    return redirect(_excuses_url(cohort_id))


@bp.get("/cohorts/<int:cohort_id>/excuses/<int:excuse_id>/file")
@cohort_role("participant", "organizer")
def excuse_file(cohort_id: int, excuse_id: int):
    item = queries.excuse_of(g.cohort, excuse_id)
    if not permissions.can_download_excuse(current_user, g.membership, item):
        abort(403)
    if not item.file_key:
        abort(404)
    return storage.send_stored(item.file_key, item.file_name or "lampiran")
