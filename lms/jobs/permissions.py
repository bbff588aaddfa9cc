"""Who may see a job and download its result: its owner, plus whoever its kind says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lms.db import utcnow
from lms.i18n import gettext as _
from lms.jobs import kinds
from lms.jobs.models import Job


def can_view(user: Any, job: Job) -> bool:
    """The owner, or someone the kind's rule lets in (e.g. the class's organizers)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if job.owner_id is not None and job.owner_id == user.id:
        return True
    kind = kinds.get(job.kind)
    if kind is None or kind.can_view is None:
        return False
    return bool(kind.can_view(user, job))


def why_no_download(job: Job) -> str | None:
    """Why the job's result cannot be downloaded now, or None."""
    if job.state in ("queued", "running"):
        return _("Berkas belum selesai dibuat.")
    if job.state == "failed":
        return _("Proses ini gagal, jadi tidak ada berkas.")
    if (
        job.state == "expired"
        or job.result_key is None
        or (job.expires_dt is not None and job.expires_dt <= utcnow())
    ):
        return _("Berkas ini sudah kedaluwarsa dan dihapus. Buat lagi bila masih perlu.")
    return None


# --- rules kinds use ----------------------------------------------------------------------


def cohort_members(*roles: str) -> Callable[[Any, Job], bool]:
    """For a kind about a cohort: members of that cohort holding one of ``roles``, and
    admins."""

    def rule(user: Any, job: Job) -> bool:
        from lms.cohorts.permissions import roles_in

        return roles_in(user, job.object_id, roles)

    return rule


def admins(user: Any, job: Job) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)
