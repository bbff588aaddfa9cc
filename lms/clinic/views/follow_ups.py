"""A follow-up's question and answer: the innovator answers (or a coordinator writes down
their answer); the answer is recorded on the innovation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from lms.clinic import bp, operations, permissions, queries
from lms.clinic.forms import FollowUpForm
from lms.clinic.models import FollowUp
from lms.clinic.views._common import labels
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.notifications import operations as notifications
from lms.security import login_required
from lms.unit_of_work import unit_of_work


def _follow_up(follow_up_id: int) -> tuple[FollowUp, bool]:
    """The follow-up the visitor may answer (404 for anyone else) and whether they answer
    as the region's coordinator."""
    item = db.session.get(FollowUp, follow_up_id)
    if item is None:
        abort(404)
    coordinator = queries.is_coordinator(current_user, item.region_id)
    if not permissions.can_answer_follow_up(current_user, item, coordinator):
        abort(404)
    return item, coordinator


def _page(problem: DomainError | None = None, follow_up_id: int = 0, form=None, **_):
    item, coordinator = _follow_up(follow_up_id)
    if form is None:
        form = FollowUpForm(formdata=None)
        if item.answered_dt is not None:
            yes_no = {True: "yes", False: "no", None: ""}
            form.trial_started.data = yes_no[item.trial_started]
            form.trial_date.data = item.trial_date
            form.has_decree.data = yes_no[item.has_decree]
            form.decree.data = item.decree
            form.still_running.data = yes_no[item.still_running]
            form.note.data = item.note
    show_problem(problem, form)
    return render_template(
        "clinic/follow_up.html",
        item=item,
        title=queries.follow_up_title(item),
        form=form,
        as_coordinator=coordinator and item.user_id != current_user.id,
        due=item.due_date <= queries.today_in(item.region.timezone),
        **labels(),
    )


@bp.route("/clinic/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@login_required
@unit_of_work(render=lambda problem, **kw: _page(problem, form=FollowUpForm(), **kw))
def follow_up(follow_up_id: int):
    item, coordinator = _follow_up(follow_up_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return _page(follow_up_id=follow_up_id, form=form if form.is_submitted() else None), status
    started = form.trial_started.data == "yes"
    operations.answer_follow_up(
        item,
        operations.Answer(
            trial_started=started,
            trial_date=form.trial_date.data if started else None,
            has_decree=form.has_decree.data == "yes",
            decree=form.decree.data or "",
            still_running=(form.still_running.data == "yes") if started else None,
            note=form.note.data or "",
        ),
        actor=current_user,
    )
    notifications.mark_subject_read(current_user, f"follow_up:{follow_up_id}")
    flash(_("Terima kasih; jawaban Anda sudah dicatat."), "success")
    if coordinator and item.user_id != current_user.id:
        return redirect(url_for("lms.clinic.pending_follow_ups", region_code=item.region.code))
    return redirect(url_for("lms.clinic.mine"))
