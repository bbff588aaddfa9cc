"""Staff pages: an assignment's submissions across the cohort, and file downloads."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, g, render_template, request, url_for
from flask_login import current_user

from lms.cohorts.access import cohort_role
from lms.cohorts.models import STAFF_ROLES, Cohort
from lms.storage import send_stored
from lms.submissions import bp, queries
from lms.submissions.anonymity import hides_identity, participant_code
from lms.submissions.models import CohortAssignment
from lms.submissions.permissions import can_view_submission

#: The receipt page of a submitted version (in views/versions.py).
RECEIPT_ENDPOINT = "lms.submissions.version"


def _receipt_url(
    cohort: Cohort, assignment: CohortAssignment
) -> Callable[[queries.StaffRow], str | None]:
    """A function giving a row's receipt link (None before the first version)."""

    def build(row: queries.StaffRow) -> str | None:
        if row.latest is None or row.submission is None:
            return None
        return url_for(
            RECEIPT_ENDPOINT,
            cohort_id=cohort.id,
            assignment_id=assignment.id,
            number=row.latest.number,
            user=row.user.id,
        )

    return build


@bp.get("/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/submissions")
@cohort_role(*STAFF_ROLES)
def staff_list(cohort_id: int, assignment_id: int):
    cohort: Cohort = g.cohort
    assignment = queries.assignment_of(cohort, assignment_id)
    listing = queries.staff_list(assignment)
    state = request.args.get("state")
    if state not in queries.DISPLAY_STATES:
        state = None
    rows = listing.only(state)
    codes: dict[int, str] = {}
    if hides_identity(assignment, current_user, g.membership):
        # Blind marking: codes instead of names, in code order (name order would give them away).
        codes = {row.user.id: participant_code(assignment.id, row.user.id) for row in listing.rows}
        rows = sorted(rows, key=lambda row: codes[row.user.id])
    return render_template(
        "submissions/staff_list.html",
        cohort=cohort,
        assignment=assignment,
        listing=listing,
        rows=rows,
        codes=codes,
        state=state,
        states=queries.DISPLAY_STATES,
        state_labels=queries.state_labels(),
        receipt_url=_receipt_url(cohort, assignment),
    )


@bp.get("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/files/<int:file_id>")
@cohort_role("participant", *STAFF_ROLES)
def download_file(cohort_id: int, submission_id: int, file_id: int):
    # 404 unless the file, the submission and the cohort belong together; then the owner,
    # the cohort's staff and admins only (another participant guessing ids gets 403).
    row = queries.file_of(g.cohort, submission_id, file_id)
    if not can_view_submission(current_user, row.submission):
        abort(403)
    name = row.name
    if hides_identity(row.submission.assignment, current_user, g.membership):
        # The participant's file name may carry their name: send it under the code.
        code = participant_code(row.submission.assignment_id, row.submission.user_id)
        name = f"{code}-{row.id}.{row.kind or 'bin'}"
    return send_stored(row.key, name)
