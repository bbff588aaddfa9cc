"""The coordinator's side: the region's cases, and triage of one (accept with mentors and
their load, change mentors, merge a duplicate, close with a reason)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from lms.clinic import bp, operations, permissions, queries
from lms.clinic.access import case_rule
from lms.clinic.forms import CloseForm, MentorsForm, MergeForm, lock_of
from lms.clinic.views._common import labels, stages
from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.regions.access import region_role
from lms.unit_of_work import unit_of_work


@bp.get("/regions/<region_code>/clinic")
@region_role("coordinator")
def region_cases(region_code: str):
    stage_set = stages()
    filters = queries.Filters.from_args(request.args, stage_set)
    return render_template(
        "clinic/region.html",
        region=g.region,
        listing=queries.region_cases(g.region, filters),
        filters=filters,
        stage_set=stage_set,
        follow_ups=queries.pending_follow_ups(g.region),
        **labels(),
    )


def _triage_url(consultation_id: int, **_: object) -> str:
    return url_for("lms.clinic.triage", consultation_id=consultation_id)


def _posted_form(name: str):
    """The triage form ``name`` bound to what was posted (its input kept)."""
    consultation = g.consultation
    if name == "mentors":
        return MentorsForm.for_loads(queries.mentor_loads(consultation.region))
    if name == "merge":
        return MergeForm.for_targets(queries.merge_targets(consultation))
    return CloseForm()


def _triage_page(
    problem: DomainError | None = None,
    consultation_id: int = 0,
    posted: tuple[str, object] | None = None,
    **_,
):
    consultation = g.consultation
    loads = queries.mentor_loads(consultation.region)
    chosen = [m.user_id for m in consultation.mentors]
    forms = {
        "mentors": MentorsForm.for_loads(loads, chosen, formdata=None),
        "merge": MergeForm.for_targets(queries.merge_targets(consultation), formdata=None),
        "close": CloseForm(formdata=None),
    }
    if posted is not None:
        forms[posted[0]] = posted[1]
    show_problem(problem, posted[1] if posted else None)
    for item in forms.values():
        if not item.lock.data:
            item.lock.data = str(consultation.lock_version)
    return render_template(
        "clinic/triage.html",
        c=consultation,
        access=g.case_access,
        loads=loads,
        forms=forms,
        can_accept=permissions.why_not_accept(consultation) is None,
        can_end=permissions.why_not_end(consultation) is None,
        **labels(),
    )


def _render_with(name: str):
    def render(problem: DomainError | None = None, **view_args):
        return _triage_page(problem, posted=(name, _posted_form(name)), **view_args)

    return render


@bp.get("/clinic/<int:consultation_id>/triage")
@case_rule(coordinator=True)
def triage(consultation_id: int):
    return _triage_page(consultation_id=consultation_id)


@bp.post("/clinic/<int:consultation_id>/mentors")
@case_rule(coordinator=True)
@unit_of_work(render=_render_with("mentors"))
def mentors(consultation_id: int):
    consultation = g.consultation
    form = _posted_form("mentors")
    if not form.validate_on_submit():
        return _triage_page(consultation_id=consultation_id, posted=("mentors", form)), 400
    chosen = queries.mentors_by_id(consultation.region, form.mentors.data)
    if consultation.state == "new":
        operations.accept(consultation, chosen, actor=current_user, seen_lock=lock_of(form.lock))
        flash(_("Konsultasi diterima; pendamping sudah diberi tahu."), "success")
        return redirect(url_for("lms.clinic.detail", consultation_id=consultation_id))
    added, removed = operations.set_mentors(
        consultation, chosen, actor=current_user, seen_lock=lock_of(form.lock)
    )
    flash(
        _("Pendamping sudah diubah.") if added or removed else _("Tidak ada perubahan."),
        "success" if added or removed else "info",
    )
    return redirect(_triage_url(consultation_id))


@bp.post("/clinic/<int:consultation_id>/merge")
@case_rule(coordinator=True)
@unit_of_work(render=_render_with("merge"))
def merge(consultation_id: int):
    consultation = g.consultation
    targets = queries.merge_targets(consultation)
    form = MergeForm.for_targets(targets)
    if not form.validate_on_submit():
        return _triage_page(consultation_id=consultation_id, posted=("merge", form)), 400
    target = next(t for t in targets if t.id == form.target.data)
    operations.merge(consultation, target, actor=current_user, seen_lock=lock_of(form.lock))
    flash(_("Konsultasi digabungkan ke #%(id)s.", id=target.id), "success")
    return redirect(url_for("lms.clinic.detail", consultation_id=target.id))


@bp.post("/clinic/<int:consultation_id>/close")
@case_rule(coordinator=True)
@unit_of_work(render=_render_with("close"))
def close(consultation_id: int):
    form = CloseForm()
    if not form.validate_on_submit():
        return _triage_page(consultation_id=consultation_id, posted=("close", form)), 400
    operations.close(
        g.consultation, form.reason.data, actor=current_user, seen_lock=lock_of(form.lock)
    )
    flash(_("Konsultasi ditutup; pemohon sudah diberi tahu."), "success")
    return redirect(url_for("lms.clinic.detail", consultation_id=consultation_id))
