"""Job kinds for the tests only: one that reports steps to the test, one that fails, one
that waits for a flag file (so a test can kill its worker in the middle)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lms.errors import DomainError
from lms.jobs.kinds import N_, JobContext, job_kind
from lms.jobs.permissions import admins

STEPS = "tests.steps"
BROKEN = "tests.broken"
REFUSED = "tests.refused"
WAIT_FOR_FLAG = "tests.wait_for_flag"

#: Called by the steps kind in the middle of its run, with the context (set by a test).
during_run: list[Callable[[JobContext], Any]] = []


@job_kind(STEPS, title="Langkah uji", can_view=admins)
def steps(ctx: JobContext) -> None:
    ctx.progress(40, N_("Menulis berkas"))
    for hook in during_run:
        hook(ctx)
    ctx.progress(80, N_("Menulis berkas"))
    ctx.write_result("langkah.txt", b"satu\ndua\n")


@job_kind(BROKEN, title="Rusak", can_view=admins)
def broken(ctx: JobContext) -> None:
    ctx.write_result("setengah.txt", b"setengah")
    raise RuntimeError("a bug in the kind")


@job_kind(REFUSED, title="Ditolak", can_view=admins)
def refused(ctx: JobContext) -> None:
    raise DomainError("Kelas ini belum punya tugas.")


@job_kind(WAIT_FOR_FLAG, title="Menunggu bendera", can_view=admins)
def wait_for_flag(ctx: JobContext) -> None:
    """Writes the first half, says it started (``started-<attempt>``), waits for ``go``,
    then writes the second half."""
    folder = Path(ctx.params["folder"])
    path = ctx.result_path("hasil.txt")
    with path.open("wb") as out:
        out.write(b"bagian pertama\n")
        out.flush()
        (folder / f"started-{ctx.attempt}").write_text(str(os.getpid()))
        while not (folder / "go").exists():
            ctx.progress(30, N_("Menunggu"))
            time.sleep(0.05)
        out.write(b"bagian kedua\n")
    ctx.progress(90, N_("Menulis berkas"))
