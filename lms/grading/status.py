"""Where a participant's work stands in grading, and the words people see for it.

not_submitted → not_marked → in_progress → marked → (flagged → reconciled) → released
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

STATUSES = (
    "not_submitted",
    "not_marked",
    "in_progress",
    "marked",
    "flagged",
    "reconciled",
    "released",
)


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


def workflow_status(
    submission: Any | None, latest: Any | None, reviews: Iterable[Any], grade: Any | None
) -> str:
    """``latest``: the newest submitted version; ``reviews``: markings of that version;
    ``grade``: the grade of that version (or None)."""
    if submission is None or latest is None:
        return "not_submitted"
    if grade is not None:
        if grade.released_dt is not None:
            return "released"
        return {"agreed": "marked", "flagged": "flagged", "reconciled": "reconciled"}[grade.status]
    if any(r.state != "superseded" for r in reviews):
        return "in_progress"
    return "not_marked"
