"""Submitted versions: the receipt page, its PDF, and the difference from the version before.

Who sees which version: a participant always their own (``?user=`` is ignored for them, so a
guessed id shows their own work or a 404, never someone else's); trainers and organizers of the
cohort, and admins, the participant named in ``?user=``.

A proposal version also comes as a Word document, by submission id (the staff list and the
grading page know it, a blind marker included): the owner, the class's staff and admins; a
trainer marking without names gets it without the participant's name, under their code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask import abort, g, render_template, request, send_file
from flask_login import current_user

from lms.cohorts.access import cohort_role
from lms.cohorts.models import MEMBER_ROLES, Cohort
from lms.submissions import bp, exports, permissions, queries, receipts
from lms.submissions.anonymity import hides_identity, participant_code
from lms.submissions.diff import diff_versions
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

BASE = "/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/versions/<int:number>"


@dataclass
class Found:
    cohort: Cohort
    assignment: CohortAssignment
    submission: Submission
    version: SubmissionVersion
    #: Query arguments that keep pointing at the same participant in links (staff only).
    who: dict[str, Any]


def _load(assignment_id: int, number: int) -> Found:
    cohort: Cohort = g.cohort
    assignment = queries.assignment_of(cohort, assignment_id)
    owner_id = current_user.id
    if permissions.is_staff(current_user, g.membership):
        owner_id = request.args.get("user", type=int) or current_user.id
    submission = queries.submission_of(assignment, owner_id)
    if submission is None or not permissions.can_view_submission(current_user, submission):
        abort(404)
    if hides_identity(assignment, current_user, g.membership):
        # Receipts name the participant; blind markers read the work on the grading page.
        abort(403)
    version = queries.version_of(submission, number)
    if version is None:
        abort(404)
    who = {"user": submission.user_id} if submission.user_id != current_user.id else {}
    return Found(cohort, assignment, submission, version, who)


@bp.get(BASE)
@cohort_role(*MEMBER_ROLES)
def version(cohort_id: int, assignment_id: int, number: int):
    found = _load(assignment_id, number)
    kind = found.assignment.spec.kind
    versions = queries.version_list(found.submission)
    file_links, players = queries.file_links(found.cohort.id, found.submission.id, found.version)
    return render_template(
        "submissions/version.html",
        cohort=found.cohort,
        assignment=found.assignment,
        submission=found.submission,
        version=found.version,
        person=found.submission.user,
        who=found.who,
        rows=receipts.field_rows(kind, found.version.fields or {}, with_html=True),
        files=found.version.files or [],
        file_links=file_links,
        players=players,
        human_size=receipts.human_size,
        checks=receipts.self_check_labels(found.version),
        versions=versions,
        latest_number=found.submission.latest_number,
    )


@bp.get(BASE + "/receipt.pdf")
@cohort_role(*MEMBER_ROLES)
def receipt_pdf(cohort_id: int, assignment_id: int, number: int):
    found = _load(assignment_id, number)
    data = receipts.receipt_pdf(found.assignment, found.submission, found.version)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=receipts.pdf_filename(found.assignment, found.submission, number),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(BASE + "/diff")
@cohort_role(*MEMBER_ROLES)
def version_diff(cohort_id: int, assignment_id: int, number: int):
    if number < 2:
        abort(404)
    found = _load(assignment_id, number)
    previous = queries.version_of(found.submission, number - 1)
    if previous is None:
        abort(404)
    return render_template(
        "submissions/version_diff.html",
        cohort=found.cohort,
        assignment=found.assignment,
        submission=found.submission,
        person=found.submission.user,
        version=found.version,
        previous=previous,
        who=found.who,
        diff=diff_versions(found.assignment.spec.kind, previous, found.version),
        human_size=receipts.human_size,
    )


@bp.get(
    "/cohorts/<int:cohort_id>/submissions/<int:submission_id>/versions/<int:number>/proposal.docx"
)
@cohort_role(*MEMBER_ROLES)
def proposal_docx(cohort_id: int, submission_id: int, number: int):
    submission = queries.submission_in(g.cohort, submission_id)
    if not permissions.can_view_submission(current_user, submission):
        abort(404)  # another participant's work: as if it did not exist
    assignment = submission.assignment
    if assignment.spec.kind != "proposal":
        abort(404)
    version = queries.version_of(submission, number)
    if version is None:
        abort(404)
    code = None
    if hides_identity(assignment, current_user, g.membership):
        code = participant_code(assignment.id, submission.user_id)
    response = send_file(
        io.BytesIO(exports.proposal_docx(assignment, submission, version, blind_code=code)),
        mimetype=exports.DOCX_MIMETYPE,
        as_attachment=True,
        download_name=exports.docx_filename(assignment, submission, number, blind_code=code),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
