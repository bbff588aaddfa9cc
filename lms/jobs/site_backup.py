"""``lms backup`` as a job, started from the admin's backups page (``/admin/backups``).

The archive is the one ``flask lms backup`` writes (``lms.backup``), made in the job's run
folder and downloaded from the job's page by admins only; like every result it is deleted
after ``LMS_JOB_RESULT_HOURS``. Backups leave the jobs folder out, so an archive never holds
an earlier archive.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lms.errors import DomainError
from lms.jobs.kinds import N_, JobContext, job_kind
from lms.jobs.permissions import admins
from lms.lazytext import lazy_gettext as _l

BACKUP = "site.backup"


@job_kind(BACKUP, title=_l("Cadangan situs (basis data dan berkas)"), can_view=admins)
def site_backup(ctx: JobContext) -> None:
    from lms import backup

    ctx.progress(5, N_("Menyalin basis data dan berkas unggahan"))
    name = f"cadangan-kelas-inovasi-{datetime.now(UTC):%Y-%m-%d-%H%M}.zip"
    path = ctx.result_path(name)
    lines: list[str] = []
    try:
        backup.create_backup(path, echo=lines.append)
    except backup.BackupError as exc:  # the administrator's message, as the command says it
        raise DomainError(str(exc)) from exc
    ctx.progress(95, N_("Memeriksa arsip"))
