"""The registry of job kinds: what long work exists, who may see it, how it runs.

A module adds a kind with one decorated function in ``lms/<module>/jobs.py`` (imported by
``lms.jobs`` when the app is built, in the web processes and in every worker)::

    from lms.jobs.kinds import N_, JobContext, job_kind
    from lms.jobs.permissions import cohort_members

    @job_kind(
        "grading.gradebook_xlsx",
        title=_l("Buku nilai (XLSX)"),
        model=Cohort,                              # the object: ctx.object
        can_view=cohort_members("organizer"),      # who besides the owner sees it
        back=lambda cohort: url_for("lms.grading.gradebook", cohort_id=cohort.id),
    )
    def gradebook_xlsx(ctx: JobContext) -> None:
        ctx.progress(10, N_("Memuat nilai"))
        book = gradebook(ctx.object)
        ctx.progress(60, N_("Menulis berkas"))
        ctx.write_result(filename(ctx.object, "xlsx"), gradebook_xlsx_bytes(book))

A view starts it with ``lms.jobs.pages.start(kind, obj)`` (or offers it for a GET with
``lms.jobs.pages.offer``). The function runs in a worker inside an app context and a read-only
request context (SQLite reads do not take the write lock); it may run more than once (a
killed worker's job is run again), so it only reads and writes its result through ``ctx``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.jobs.models import Job
    from lms.jobs.tasks import JobContext

__all__ = ["KINDS", "JobContext", "JobKind", "N_", "get", "job_kind"]


def N_(text: str) -> str:
    """Marks a progress message for extraction (pybabel knows ``N_``); the msgid is stored
    and translated where it is shown."""
    return text


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[JobContext], None]
    #: Shown on the job's page, e.g. "Buku nilai (XLSX)" (a lazy string).
    title: Any
    #: The model of the job's object (``ctx.object``); None for work about the whole site.
    model: type | None = None
    #: Who may see the job and download its result besides its owner: ``(user, job) -> bool``.
    can_view: Callable[[User, Job], bool] | None = None
    #: The object's name on the job's page (default: its ``name``).
    describe: Callable[[Any], str] | None = None
    #: The page the job was started from (a "back" link): ``(obj) -> url``.
    back: Callable[[Any], str] | None = None
    #: The kind writes to the database itself (its run gets no read-only request context).
    writes: bool = False

    @property
    def object_type(self) -> str:
        from lms.jobs.models import SITE

        return self.model.__name__ if self.model is not None else SITE


#: Every registered kind by name.
KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    title: Any,
    model: type | None = None,
    can_view: Callable[[User, Job], bool] | None = None,
    describe: Callable[[Any], str] | None = None,
    back: Callable[[Any], str] | None = None,
    writes: bool = False,
) -> Callable[[Callable[[JobContext], None]], Callable[[JobContext], None]]:
    """Register the decorated function as the job kind ``name`` ("<module>.<what>")."""

    def decorator(fn: Callable[[JobContext], None]) -> Callable[[JobContext], None]:
        known = KINDS.get(name)
        if known is not None and (known.run.__module__, known.run.__qualname__) != (
            fn.__module__,
            fn.__qualname__,
        ):
            raise ValueError(f"job kind {name!r} is registered twice")
        KINDS[name] = JobKind(
            name=name,
            run=fn,
            title=title,
            model=model,
            can_view=can_view,
            describe=describe,
            back=back,
            writes=writes,
        )
        return fn

    return decorator


def __getattr__(name: str) -> Any:
    # ``from lms.jobs.kinds import JobContext`` for kind authors (it lives with the runner).
    if name == "JobContext":
        from lms.jobs.tasks import JobContext

        return JobContext
    raise AttributeError(name)


def get(name: str) -> JobKind | None:
    return KINDS.get(name)


def discover(modules: tuple[str, ...]) -> None:
    """Import ``lms.<module>.jobs`` for every module that has one (registers its kinds)."""
    import importlib
    import importlib.util

    for module in modules:
        name = f"lms.{module}.jobs"
        if module != "jobs" and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
