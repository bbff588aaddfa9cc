"""A cohort's assignments and the participant's work page: drafts, attachments, submitting."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from lms import profile, storage
from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES, Cohort
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import gettext as _
from lms.security import writes_on_get
from lms.submissions import bp, forms, operations, permissions, queries
from lms.submissions.fields import (
    PP38_CRITERIA,
    WORK_KINDS,
    attachment_kinds,
    attachment_max_bytes,
    counted_keys,
    index_themes,
    min_words,
    required_fields,
    shown_fields,
    word_count,
)
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile
from lms.submissions.views._common import (
    files_refused,
    kind_label,
    not_sent,
    page_status,
    place_errors,
    problem_text,
    receipt_url,
    sent_message,
    state_label,
    time_left,
)
from lms.unit_of_work import unit_of_work

# --- the list ------------------------------------------------------------------------------


def _role() -> str | None:
    if g.membership is not None:
        return g.membership.role
    return "admin" if current_user.is_admin else None


@bp.get("/cohorts/<int:cohort_id>/assignments")
@writes_on_get
@cohort_role(*MEMBER_ROLES)
@unit_of_work
def assignments(cohort_id: int):
    cohort: Cohort = g.cohort
    # Rows for the courses the cohort follows, created on the first visit so their ids stay put.
    ensured = operations.ensure_cohort_assignments(cohort)
    participant = permissions.is_participant(g.membership)
    now = utcnow()
    return render_template(
        "submissions/list.html",
        cohort=cohort,
        rows=queries.assignment_list(ensured, current_user if participant else None, now),
        role=_role(),
        participant=participant,
        state_label=state_label,
        kind_label=kind_label,
        time_left=partial(time_left, now=now),
    )


# --- the work page -------------------------------------------------------------------------


def _work_url(assignment: CohortAssignment) -> str:
    return url_for(".work", cohort_id=assignment.cohort_id, assignment_id=assignment.id)


@dataclass(frozen=True)
class WordGoal:
    """A word minimum on the page: one field's, or a section's parts counted together."""

    key: str
    minimum: int
    count: int
    #: The ids of the text areas it counts.
    sources: tuple[str, ...]
    section: bool


def _word_goals(spec: Any, form: forms._WorkFormBase) -> dict[str, WordGoal]:
    goals = {}
    for key, minimum in min_words(spec).items():
        counted = counted_keys(spec.kind, key)
        sources = tuple(k for k in counted if k in form.field_keys)
        if not sources:
            continue
        count = sum(word_count(form[k].data) for k in sources)
        goals[key] = WordGoal(key, minimum, count, sources, section=counted != (key,))
    return goals


def _sections(spec: Any, fields: tuple[Any, ...]) -> list[tuple[str, str, list[Any]]]:
    """A proposal's shown fields in the profile's sections, in order; [] for other kinds."""
    if spec.kind != "proposal":
        return []
    return [
        (key, str(title), [f for f in fields if f.section == key])
        for key, title in profile.SECTIONS
        if any(f.section == key for f in fields)
    ]


def _order(fields: tuple[Any, ...], goals: dict[str, WordGoal]) -> list[str]:
    """Where messages stand, in the order of the page: a section's word minimum (at the
    section, ``section-<key>``) after its last part."""
    order = []
    for f in fields:
        order.append(f.key)
        order.extend(
            f"section-{g.key}" for g in goals.values() if g.section and g.sources[-1] == f.key
        )
    return [*order, "attachments", "self_check", "statement"]


def _work_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    assignment_id: int | None = None,
    *,
    assignment: CohortAssignment | None = None,
    form: forms._WorkFormBase | None = None,
    submission: Submission | None = None,
    **_ignored: object,
):
    """The work page; after a refusal (``form`` None) the posted form over the draft as it is
    now, so what was typed is kept and saving again overwrites deliberately."""
    assignment = assignment or queries.assignment_of(g.cohort, assignment_id)
    spec = assignment.spec
    themes = _themes(assignment)
    if form is None:
        submission = queries.own_submission(assignment, current_user)
        form = forms.work_form(spec, themes=themes, locale=_locale())
    form.lock_version.data = permissions.lock_of(submission)
    fields = shown_fields(spec, themes)
    goals = _word_goals(spec, form)
    error_targets, summary = place_errors(
        form,
        problem.errors if problem else {},
        order=_order(fields, goals),
        aliases={
            "files": "attachments",
            **{k: f"section-{k}" for k, g in goals.items() if g.section},
        },
        labelled=tuple(f.key for f in fields),
    )
    files = queries.current_files(submission)
    return render_template(
        "submissions/work.html",
        **page_status(assignment, submission, utcnow()),
        form=form,
        fields=fields,
        sections=_sections(spec, fields),
        required=required_fields(spec),
        goals=goals,
        goal_of={k: goal for goal in goals.values() for k in goal.sources},
        themes=themes,
        results_labels=(profile.results_label(None), profile.results_label("penerapan")),
        urusan_old=_old_urusan(form),
        criteria=[(forms.check_name(k), label) for k, label in PP38_CRITERIA],
        files=files,
        file_urls={
            f.id: url_for(
                "lms.submissions.download_file",
                cohort_id=assignment.cohort_id,
                submission_id=f.submission_id,
                file_id=f.id,
            )
            for f in files
        },
        error_targets=error_targets,
        summary=summary,
        problem=problem_text(problem, files_chosen=form.chose_files()) if problem else "",
        allowed_labels=storage.allowed_labels(attachment_kinds(spec)),
        accept=",".join(
            ext for kind in sorted(attachment_kinds(spec)) for ext in storage.KINDS[kind][1]
        ),
        file_kinds={kind: label for kind, (_m, _e, label) in storage.KINDS.items()},
        max_mb=round(attachment_max_bytes() / 1048576, 1),
    )


def _locale() -> str:
    return str(get_locale() or "id")


def _themes(assignment: CohortAssignment) -> Any:
    """The index rules of the class's year when they name themes (proposals only)."""
    return index_themes(assignment.cohort) if assignment.spec.kind == "proposal" else None


def _old_urusan(form: forms._WorkFormBase) -> str:
    """An old draft's free-text urusan, not in the list: shown until the participant chooses."""
    if "urusan" not in form.field_keys:
        return ""
    value = form.urusan.data or ""
    return value if value and value not in profile.urusan_by_key() else ""


def _save(assignment: CohortAssignment, *, remove: SubmissionFile | None = None):
    """Save the draft (and attachments) from the work form, then submit or take a file off."""
    form = forms.work_form(assignment.spec, themes=_themes(assignment), locale=_locale())
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    here = _work_url(assignment)
    if reason := permissions.why_locked(queries.own_submission(assignment, current_user), now):
        flash(reason, "error")
        return redirect(here)
    seen = form.seen_lock()
    saved = operations.save_work(
        assignment,
        current_user,
        seen_lock=seen,
        fields=form.draft() if seen is not None else None,
        uploads=form.attachments.data or [],
        remove=remove,
    )
    sending = remove is None and bool(form.send.data)
    problem = files_refused(saved.refused, sending=sending)
    if problem is None and sending:
        problem = not_sent(
            saved.submission, self_check=form.self_check(), statement=form.statement.data, now=now
        )
    if problem is not None:
        # Not sent, or a file not attached: the draft is saved and nothing is versioned. The
        # page is answered here with 200, so the unit of work commits the draft.
        return _work_page(problem, assignment=assignment, form=form, submission=saved.submission)
    if sending:
        version = operations.submit(
            saved.submission,
            self_check=form.self_check(),
            statement=bool(form.statement.data),
            now=now,
        )
        flash(sent_message(version, assignment.cohort.timezone), "success")
        return redirect(receipt_url(assignment, version.number))
    if remove is not None:
        flash(_("Lampiran \u201c%(name)s\u201d dihapus dari draf.", name=remove.name), "success")
    else:
        flash(_("Draf tersimpan."), "success")
    return redirect(here)


@bp.route("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>", methods=["GET", "POST"])
@cohort_role("participant")
@unit_of_work(render=_work_page)
def work(cohort_id: int, assignment_id: int):
    assignment = queries.assignment_of(g.cohort, assignment_id)
    if assignment.spec.kind not in WORK_KINDS:  # videos have a page of their own
        return redirect(url_for(".video", cohort_id=cohort_id, assignment_id=assignment.id))
    if request.method == "POST":
        return _save(assignment)
    submission = queries.own_submission(assignment, current_user)
    draft = submission.draft if submission is not None else None
    form = forms.work_form(
        assignment.spec,
        draft=forms.starting_values(assignment.spec.kind, draft, current_user),
        themes=_themes(assignment),
        locale=_locale(),
    )
    return _work_page(assignment=assignment, form=form, submission=submission)


@bp.post("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/files/<int:file_id>/remove")
@cohort_role("participant")
@unit_of_work(render=_work_page)
def remove_file(cohort_id: int, assignment_id: int, file_id: int):
    """Removes an attachment from the participant's own draft. The button sits inside the
    work form, so what was typed on the page is saved with it."""
    assignment = queries.assignment_of(g.cohort, assignment_id)
    file = queries.own_file(assignment, current_user, file_id)
    if file is None or assignment.spec.kind not in WORK_KINDS:
        abort(404)
    return _save(assignment, remove=file)
