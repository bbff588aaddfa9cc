"""Where a participant's work stands in grading, the one rule for it (in Python and in SQL),
and the words people see for it.

not_submitted → not_marked → in_progress → marked → (flagged → reconciled) → released
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import format_decimal

from lms.grading.models import Grade, Review
from lms.i18n import gettext as _

STATUSES = (
    "not_submitted",
    "not_marked",
    "in_progress",
    "marked",
    "flagged",
    "reconciled",
    "released",
)

#: An unreleased grade's status -> the workflow status it stands for.
GRADE_STATUSES = {"agreed": "marked", "flagged": "flagged", "reconciled": "reconciled"}

#: Workflow statuses whose grade an organizer or lead trainer can release.
RELEASABLE = ("marked", "reconciled")


def status_labels() -> dict[str, str]:
    return {
        "not_submitted": _("Belum dikumpulkan"),
        "not_marked": _("Belum dinilai"),
        "in_progress": _("Sedang dinilai"),
        "marked": _("Selesai dinilai"),
        "flagged": _("Perlu rekonsiliasi"),
        "reconciled": _("Direkonsiliasi"),
        "released": _("Dirilis"),
    }


def outcome_labels() -> dict[str, str]:
    return {"grade": _("Nilai akhir"), "revisions": _("Perlu revisi")}


# --- the rule, in Python ----------------------------------------------------------------------
# The grade book and the queue compute it in SQL (below); tests/grading/test_grading_status.py
# checks that both agree for every combination of states.


def grade_status(grade: Any | None) -> str | None:
    """A grade's workflow status (None: no grade)."""
    if grade is None:
        return None
    if grade.released_dt is not None:
        return "released"
    return GRADE_STATUSES[grade.status]


def workflow_status(
    submission: Any | None, latest: Any | None, reviews: Iterable[Any], grade: Any | None
) -> str:
    """``latest``: the newest submitted version; ``reviews``: markings of that version;
    ``grade``: the grade of that version (or None)."""
    if submission is None or latest is None:
        return "not_submitted"
    if grade is not None:
        return grade_status(grade)  # type: ignore[return-value]
    if any(r.state != "superseded" for r in reviews):
        return "in_progress"
    return "not_marked"


# --- the same rule, in SQL ----------------------------------------------------------------------


def _grade_whens() -> list[tuple[Any, str]]:
    return [
        (Grade.released_dt.is_not(None), "released"),
        *((Grade.status == status, word) for status, word in GRADE_STATUSES.items()),
    ]


def grade_status_sql() -> Any:
    """:func:`grade_status` of the outer-joined Grade (NULL: no grade)."""
    return sa.case((Grade.id.is_(None), sa.null()), *_grade_whens(), else_=sa.null())


def workflow_status_sql(version_id: Any) -> Any:
    """:func:`workflow_status` of a participant's work, given the outer-joined newest version
    (``version_id``) and its Grade."""
    marking = (
        sa.select(Review.id)
        .where(
            Review.version_id == version_id,
            Review.kind == "marking",
            Review.state != "superseded",
        )
        .exists()
    )
    return sa.case(
        (version_id.is_(None), "not_submitted"),
        *_grade_whens(),
        (marking, "in_progress"),
        else_="not_marked",
    )


def reason_text(code: str) -> str:
    """A stored flag reason (:func:`lms.grading.scoring.flag_reasons`) in the reader's
    language."""
    parts = []
    for reason in filter(None, code.split(";")):
        if reason == "outcome":
            parts.append(_("satu penilai meminta revisi, yang lain memberi nilai"))
        elif reason == "pass":
            parts.append(_("penilai berbeda tentang lulus atau tidak lulus"))
        elif reason.startswith("gap:"):
            _tag, gap, tolerance = reason.split(":")
            parts.append(
                _(
                    "selisih nilai %(gap)s poin, lebih dari toleransi %(tolerance)s",
                    gap=format_decimal(float(gap), format="#,##0.#"),
                    tolerance=format_decimal(float(tolerance), format="#,##0.#"),
                )
            )
    return "; ".join(parts)
