"""A person's cases, opening one, a case's page (thread, history, stages, appointments,
action items) with its read mark, posting to the thread, its files and its calendar feed."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_login import current_user

from lms import storage
from lms.attendance import exports as attendance_exports
from lms.clinic import bp, exports, operations, permissions, queries
from lms.clinic.access import case_rule
from lms.clinic.forms import (
    ActionForm,
    ActionStateForm,
    LockForm,
    MessageForm,
    OpenForm,
)
from lms.clinic.views._common import event_text, labels, stages
from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.notifications import operations as notifications
from lms.notifications.views import BELL_KEY
from lms.security import login_required, writes_on_get
from lms.unit_of_work import unit_of_work


def detail_url(consultation_id: int, **_: object) -> str:
    return url_for("lms.clinic.detail", consultation_id=consultation_id)


@bp.get("/clinic")
@login_required
def mine():
    return render_template(
        "clinic/mine.html",
        cases=queries.my_cases(current_user),
        follow_ups=queries.my_follow_ups(current_user),
        can_open=bool(queries.home_regions(current_user)),
        **labels(),
    )


# --- opening a case ----------------------------------------------------------------------------


def _region_for_opening():
    """The region the person opens a case in: the only one, or the one chosen (?region=)."""
    regions = queries.home_regions(current_user)
    wanted = request.args.get("region") or ""
    chosen = next((r for r in regions if r.code == wanted), None)
    if chosen is None and len(regions) == 1:
        chosen = regions[0]
    return regions, chosen


def _open_form(region, form=None):
    proposals = [(s, c, queries.proposal_title(s)) for s, c in queries.own_proposals(current_user)]
    office = queries.office_in(region, current_user.office_id)
    return (
        OpenForm.for_person(
            queries.offices_of(region),
            queries.own_innovations(current_user, region),
            proposals,
            office_id=office.id if office else None,
        )
        if form is None
        else form
    )


def _open_page(problem: DomainError | None = None, form=None, **_):
    regions, region = _region_for_opening()
    if region is None:
        return render_template("clinic/choose_region.html", regions=regions)
    form = form or _open_form(region)
    show_problem(problem, form)
    return render_template("clinic/open.html", form=form, region=region, **labels())


@bp.route("/clinic/new", methods=["GET", "POST"])
@login_required
@unit_of_work(render=_open_page)
def open_case():
    regions, region = _region_for_opening()
    if region is None:
        if request.method == "POST":
            abort(400)
        return render_template("clinic/choose_region.html", regions=regions)
    form = _open_form(region)
    if not form.validate_on_submit():
        return _open_page(form=form), 400 if form.is_submitted() else 200
    innovations = {i.id: i for i in queries.own_innovations(current_user, region)}
    proposals = {s.id: s for s, _c in queries.own_proposals(current_user)}
    office = queries.office_in(region, form.office.data) or abort(400)
    consultation = operations.open_case(
        region,
        current_user,
        operations.Opening(
            title=form.title.data,
            problem=form.problem.data,
            office=office,
            category=form.category.data,
            urgency=form.urgency.data,
            innovation=innovations.get(int(form.innovation.data)) if form.innovation.data else None,
            submission=proposals.get(int(form.submission.data)) if form.submission.data else None,
            files=form.uploads,
        ),
        stages(),
    )
    flash(
        _("Konsultasi Anda sudah dikirim. Koordinator klinik akan segera menanggapinya."),
        "success",
    )
    return redirect(detail_url(consultation.id))


# --- a case's page --------------------------------------------------------------------------------


def _page(
    problem: DomainError | None = None,
    consultation_id: int = 0,
    message_form=None,
    page: queries.CasePage | None = None,
    **_,
):
    consultation, access = g.consultation, g.case_access
    page = page or queries.case_page(consultation, access, current_user)
    message_form = message_form or MessageForm(formdata=None)
    show_problem(problem, message_form)
    people = queries.roster(consultation)
    return render_template(
        "clinic/detail.html",
        c=consultation,
        access=access,
        page=page,
        stage_set=stages(),
        message_form=message_form,
        action_form=ActionForm.for_people(people, formdata=None),
        state_form=ActionStateForm(formdata=None),
        lock_form=LockForm(formdata=None),
        can_post=permissions.can_post(access, consultation),
        can_work=permissions.can_work(access, consultation),
        can_triage=permissions.can_triage(access),
        event_text=lambda m: event_text(m, staff=access.staff, tz=consultation.region.timezone),
        can_update_action=lambda item: permissions.can_update_action(access, item, current_user),
        today=queries.today_in(consultation.region.timezone),
        **labels(),
    )


@bp.get("/clinic/<int:consultation_id>")
@writes_on_get
@case_rule()
@unit_of_work
def detail(consultation_id: int):
    """The case's page; opening it marks the thread and the case's notifications read."""
    page = queries.case_page(g.consultation, g.case_access, current_user)
    response = _page(consultation_id=consultation_id, page=page)
    operations.mark_read(g.consultation, current_user, page.newest_id)
    read = notifications.mark_subject_read(current_user, f"consultation:{consultation_id}")
    if read and session.get(BELL_KEY):
        session[BELL_KEY] = max(0, session[BELL_KEY] - read)
    return response


@bp.post("/clinic/<int:consultation_id>/messages")
@case_rule()
@unit_of_work(render=lambda problem, **kw: _page(problem, message_form=MessageForm(), **kw))
def post_message(consultation_id: int):
    form = MessageForm()
    if not form.validate_on_submit():
        return _page(consultation_id=consultation_id, message_form=form), 400
    private = bool(form.private.data) and permissions.can_see_notes(g.case_access)
    operations.post(
        g.consultation,
        current_user,
        g.case_access,
        form.body.data,
        private=private,
        files=form.uploads,
    )
    flash(_("Catatan pendamping tersimpan.") if private else _("Pesan terkirim."), "success")
    return redirect(detail_url(consultation_id) + "#thread-end")


@bp.get("/clinic/<int:consultation_id>/files/<int:case_file_id>")
@case_rule()
def download(consultation_id: int, case_file_id: int):
    item = queries.file_of(g.consultation, case_file_id, g.case_access)
    return storage.send_stored(item.key, item.name)


@bp.get("/clinic/<int:consultation_id>/calendar.ics")
@case_rule()
def calendar(consultation_id: int):
    consultation = g.consultation
    with force_locale(current_user.locale or "id"):
        body = exports.case_calendar(consultation, queries.calendar_appointments(consultation))
    response = Response(body, mimetype=attendance_exports.ICS_MIMETYPE)
    response.headers.set(
        "Content-Disposition", "inline", filename=f"konsultasi-{consultation.id}.ics"
    )
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
