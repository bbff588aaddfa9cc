"""What several grading pages show alike: scores in the reader's language, status badges and
labels, row links built once per table, and the submission a grading page is about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_decimal_symbol
from flask import abort, g, url_for
from flask_babel import get_locale
from flask_login import current_user

from lms.grading import scoring
from lms.grading.models import GradingPlan
from lms.grading.queries import cohort as cohort_queries
from lms.grading.queries import submission as submission_queries
from lms.grading.status import outcome_labels, reason_text, status_labels
from lms.i18n import gettext as _
from lms.profile import label_of
from lms.submissions.anonymity import hides_identity, participant_code
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

STAFF = ("trainer", "organizer")

#: Existing badge colours (lms/static/style.css) for each workflow status; the pages also add
#: ``grading-<status>`` for a stylesheet that wants its own.
STATUS_BADGES = {
    "not_submitted": "state-not_started",
    "not_marked": "state-submitted",
    "in_progress": "state-draft",
    "marked": "state-graded",
    "flagged": "state-revisions_requested",
    "reconciled": "state-graded",
    "released": "state-submitted",
}


def score_formatter(locale: str | None = None) -> Callable[[float | None], str]:
    """Totals with one decimal in the reader's language (or ``locale``'s): "78,5" in
    Indonesian, "78.5" in English; "–" for none. Totals are 0–100, so there is no grouping to
    do: the decimal sign is looked up once per page instead of once per cell."""
    decimal = get_decimal_symbol(locale or str(get_locale() or "id"))

    def score(value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:.1f}".replace(".", decimal)

    return score


#: A submission id no cohort reaches, put where :func:`submission_url` leaves a gap.
_SOME_ID = 2_147_483_647


def submission_url(endpoint: str, **values: object) -> str:
    """``endpoint``'s URL with ``{}`` in place of the submission id, for ``.format(id)`` in a
    table: one url_for per page instead of one (or two) per row."""
    url = url_for(endpoint, submission_id=_SOME_ID, **values)
    return url.replace(f"/{_SOME_ID}", "/{}", 1)


def labels() -> dict[str, Any]:
    """The words and formatters of the report pages."""
    return {
        "status_labels": status_labels(),
        "outcome_labels": outcome_labels(),
        "badges": STATUS_BADGES,
        "score": score_formatter(),
    }


def marker_label(index: int) -> str:
    return _("Penilai %(n)d", n=index)


def review_helpers() -> dict[str, Any]:
    """What the partials showing a marking (grading/_review.html) call."""
    return {
        "outcome_labels": outcome_labels(),
        "marker_label": marker_label,
        "level_title": scoring.level_title,
        "highest_points": scoring.highest_points,
        "part_label": label_of,
    }


@dataclass
class Loaded:
    """The submission a grading page is about."""

    assignment: CohortAssignment
    submission: Submission
    version: SubmissionVersion
    plan: GradingPlan | None
    #: The participant's code when the viewer must not see who it is.
    blind_code: str | None

    def page(self) -> dict[str, Any]:
        """What every grading page of one submission shows."""
        return {
            "cohort": g.cohort,
            "assignment": self.assignment,
            "submission": self.submission,
            "version": self.version,
            "person": self.submission.user,
            "blind_code": self.blind_code,
            "reason_text": reason_text,
            **review_helpers(),
        }


def load_submission(submission_id: int) -> Loaded:
    """The cohort's submission and its newest version; 404 for ids of another cohort or work
    never submitted."""
    found = submission_queries.submission_in(g.cohort, submission_id) or abort(404)
    submission, assignment = found
    version = submission_queries.latest_version(submission) or abort(404)
    plan = cohort_queries.plan_of(assignment)
    blind = hides_identity(assignment, current_user, g.membership)
    code = participant_code(assignment.id, submission.user_id) if blind else None
    return Loaded(assignment, submission, version, plan, code)
