"""Every read of the registry that is more than a get: the region's list with its filters,
one innovation with what its page shows, the public catalogue, the leader's numbers, and what a
graded class proposal would bring along. List reads run a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask import abort
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms import profile
from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.grading.models import Grade
from lms.innovations import permissions
from lms.innovations.models import (
    STAGES,
    STATES,
    Confirmation,
    Innovation,
    InnovationFile,
    InnovationVersion,
    Innovator,
)
from lms.paging import Page, page_for, requested
from lms.regions.access import RegionAccess
from lms.regions.models import Office, Region
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion
from lms.timefmt import to_utc

PER_PAGE = 50
CATALOGUE_PER_PAGE = 20


def offices_of(region: Region, *, active_only: bool = True) -> list[Office]:
    stmt = db.select(Office).filter_by(region_id=region.id)
    if active_only:
        stmt = stmt.filter_by(active=True)
    return list(db.session.scalars(stmt.order_by(Office.name)))


def office_in(region: Region, office_id: int | None) -> Office | None:
    if not office_id:
        return None
    office = db.session.get(Office, office_id)
    return office if office is not None and office.region_id == region.id else None


def _year_range(year: int, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants of 1 January of ``year`` and of the next year, in the region's zone."""
    return to_utc(date(year, 1, 1), time(0), tz), to_utc(date(year + 1, 1, 1), time(0), tz)


# --- the region's list --------------------------------------------------------------------


@dataclass
class Filters:
    office_id: int | None = None
    stage: str = ""
    state: str = ""
    year: int | None = None
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        def number(name: str) -> int | None:
            raw = (args.get(name) or "").strip()
            return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None

        stage, state = args.get("stage") or "", args.get("state") or ""
        return cls(
            office_id=number("office"),
            stage=stage if stage in STAGES else "",
            state=state if state in STATES else "",
            year=number("year"),
            q=(args.get("q") or "").strip()[:100],
            page=requested(args.get("page")),
        )

    def args(self) -> dict[str, Any]:
        """The query arguments that keep these filters in links (the page aside)."""
        values = {
            "office": self.office_id,
            "stage": self.stage,
            "state": self.state,
            "year": self.year,
            "q": self.q,
        }
        return {k: v for k, v in values.items() if v}


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(region: Region, access: RegionAccess, filters: Filters) -> Any:
    stmt = db.select(Innovation).where(Innovation.region_id == region.id)
    if not (access.manages or access.has("leader")):
        # An operator's list holds their own offices' innovations only.
        stmt = stmt.where(Innovation.office_id.in_(access.office_ids or {0}))
    if filters.office_id:
        stmt = stmt.where(Innovation.office_id == filters.office_id)
    if filters.stage:
        stmt = stmt.where(Innovation.stage == filters.stage)
    if filters.state:
        stmt = stmt.where(Innovation.state == filters.state)
    if filters.year:
        start, end = _year_range(filters.year, region.timezone)
        stmt = stmt.where(Innovation.created_dt >= start, Innovation.created_dt < end)
    if filters.q:
        pattern = _like(filters.q)
        stmt = stmt.where(
            db.or_(
                db.func.lower(Innovation.name).like(pattern, escape="\\"),
                db.func.lower(Office.name).like(pattern, escape="\\"),
                db.func.lower(Office.acronym).like(pattern, escape="\\"),
            )
        )
    return stmt.join(Innovation.office).options(contains_eager(Innovation.office))


@dataclass
class ListPage:
    rows: list[Innovation]
    page: Page
    offices: list[Office]
    years: list[int]


def innovation_list(region: Region, access: RegionAccess, filters: Filters) -> ListPage:
    """One page of the region's innovations the visitor may see: four queries."""
    stmt = _filtered(region, access, filters)
    page = page_for(stmt, filters.page, PER_PAGE, Innovation.id)
    rows = list(
        db.session.scalars(
            page.window(stmt.order_by(Innovation.updated_dt.desc(), Innovation.id.desc()))
        )
    )
    years = sorted(
        {
            int(y)
            for y in db.session.scalars(
                db.select(db.extract("year", Innovation.created_dt))
                .where(Innovation.region_id == region.id)
                .distinct()
            )
            if y is not None
        },
        reverse=True,
    )
    return ListPage(rows, page, offices_of(region, active_only=False), years)


def export_rows(region: Region, access: RegionAccess, filters: Filters) -> list[Innovation]:
    """Every row matching the filters (all pages), with their innovators."""
    stmt = _filtered(region, access, filters).options(
        selectinload(Innovation.innovators).joinedload(Innovator.user)
    )
    return list(db.session.scalars(stmt.order_by(Office.name, Innovation.name, Innovation.id)))


# --- one innovation -----------------------------------------------------------------------


def innovation_in(region: Region, innovation_id: int, access: RegionAccess) -> Innovation:
    """The region's innovation the visitor may read; 404 for anything else (another region's,
    another office's for an operator), so a guessed id tells nothing."""
    innovation = db.session.scalar(
        db.select(Innovation)
        .where(Innovation.id == innovation_id, Innovation.region_id == region.id)
        .options(joinedload(Innovation.office))
    )
    if innovation is None or not permissions.can_read(access, innovation):
        abort(404)
    return innovation


def current_files(innovation: Innovation) -> list[InnovationFile]:
    return [f for f in innovation.files if not f.removed]


def file_of(innovation: Innovation, file_id: int) -> InnovationFile:
    """A file of this innovation (404 otherwise); taken-off files stay readable for versions."""
    item = db.session.get(InnovationFile, file_id)
    if item is None or item.innovation_id != innovation.id:
        abort(404)
    return item


def innovator_of(innovation: Innovation, innovator_id: int) -> Innovator:
    person = db.session.get(Innovator, innovator_id)
    if person is None or person.innovation_id != innovation.id:
        abort(404)
    return person


@dataclass
class ClassRow:
    person: User
    cohort: Cohort


def classes_of(innovation: Innovation) -> list[ClassRow]:
    """The classes its innovators with an account took part in as participants."""
    user_ids = [i.user_id for i in innovation.innovators if i.user_id]
    if not user_ids:
        return []
    rows = db.session.execute(
        db.select(User, Cohort)
        .join(Membership, Membership.user_id == User.id)
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .where(Membership.user_id.in_(user_ids), Membership.role == "participant")
        .order_by(Cohort.start_date.desc(), User.full_name)
    ).all()
    return [ClassRow(person, cohort) for person, cohort in rows]


def replicated_by(innovation: Innovation) -> list[Innovation]:
    """Innovations here that say they copied this one."""
    return list(
        db.session.scalars(
            db.select(Innovation)
            .where(Innovation.replicated_from_id == innovation.id)
            .options(joinedload(Innovation.office), joinedload(Innovation.region))
            .order_by(Innovation.name)
        )
    )


def replication_sources(innovation: Innovation | None = None) -> list[Innovation]:
    """Verified innovations of this instance another one may say it copied."""
    stmt = (
        db.select(Innovation)
        .where(Innovation.state == "verified")
        .options(joinedload(Innovation.office), joinedload(Innovation.region))
        .order_by(Innovation.name)
    )
    if innovation is not None and innovation.id is not None:
        stmt = stmt.where(Innovation.id != innovation.id)
    return list(db.session.scalars(stmt))


def version_of(innovation: Innovation, number: int) -> InnovationVersion | None:
    return db.session.scalar(
        db.select(InnovationVersion).filter_by(innovation_id=innovation.id, number=number)
    )


def source_of(innovation: Innovation) -> tuple[SubmissionVersion, Cohort] | None:
    """The class proposal version it was registered from, with its class."""
    if innovation.source_version_id is None:
        return None
    row = db.session.execute(
        db.select(SubmissionVersion, Cohort)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .where(SubmissionVersion.id == innovation.source_version_id)
    ).first()
    return (row[0], row[1]) if row else None


def last_confirmation(innovation: Innovation) -> Confirmation | None:
    return max(innovation.confirmations, key=lambda c: c.year, default=None)


# --- the public catalogue -----------------------------------------------------------------


def _published() -> Any:
    return db.select(Innovation).where(
        Innovation.state == "verified", Innovation.published_dt.is_not(None)
    )


@dataclass
class CatalogueEntry:
    innovation: Innovation
    office: Office
    region: Region
    confirmed: Confirmation | None


def catalogue(q: str, wanted: int) -> tuple[list[CatalogueEntry], Page]:
    """A page of published innovations matching ``q`` (name, office, region): three queries."""
    stmt = (
        _published()
        .join(Office, Office.id == Innovation.office_id)
        .join(Region, Region.id == Innovation.region_id)
    )
    if q:
        pattern = _like(q)
        stmt = stmt.where(
            db.or_(
                db.func.lower(Innovation.name).like(pattern, escape="\\"),
                db.func.lower(Office.name).like(pattern, escape="\\"),
                db.func.lower(Region.name).like(pattern, escape="\\"),
            )
        )
    page = page_for(stmt, wanted, CATALOGUE_PER_PAGE, Innovation.id)
    rows = db.session.execute(
        page.window(
            stmt.with_only_columns(Innovation, Office, Region).order_by(
                Innovation.published_dt.desc(), Innovation.id.desc()
            )
        )
    ).all()
    ids = [row[0].id for row in rows]
    latest: dict[int, Confirmation] = {}
    if ids:
        for c in db.session.scalars(
            db.select(Confirmation)
            .where(Confirmation.innovation_id.in_(ids))
            .order_by(Confirmation.year)
        ):
            latest[c.innovation_id] = c
    entries = [CatalogueEntry(i, o, r, latest.get(i.id)) for i, o, r in rows]
    return entries, page


def published_by_slug(slug: str) -> Innovation:
    innovation = db.session.scalar(
        _published()
        .where(Innovation.slug == slug)
        .options(
            joinedload(Innovation.office),
            joinedload(Innovation.region),
            joinedload(Innovation.contact_office),
            selectinload(Innovation.innovators).joinedload(Innovator.user),
            selectinload(Innovation.confirmations),
            selectinload(Innovation.files),
        )
    )
    if innovation is None:
        abort(404)
    return innovation


def published_replications(innovation: Innovation) -> list[Innovation]:
    """Published innovations that copied this one (a public page links only public pages)."""
    return list(
        db.session.scalars(
            _published()
            .where(Innovation.replicated_from_id == innovation.id)
            .options(joinedload(Innovation.region), joinedload(Innovation.office))
            .order_by(Innovation.name)
        )
    )


def public_video(innovation: Innovation) -> InnovationFile | None:
    videos = [
        f for f in innovation.files if f.role == "video" and f.kind == "mp4" and not f.removed
    ]
    return videos[-1] if videos else None


# --- the leader's dashboard ---------------------------------------------------------------


@dataclass
class OfficeRow:
    office: Office
    by_stage: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


@dataclass
class Dashboard:
    year: int
    rows: list[OfficeRow]
    totals: dict[str, int]
    new_this_year: int
    verified: int
    stopped: int
    published: int
    innovators: int
    trained: int
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def widest(self) -> int:
        return max((r.total for r in self.rows), default=0)


def dashboard(region: Region, year: int) -> Dashboard:
    """The region's numbers: innovations that have not stopped per office and stage, and the
    year's counts (five queries whatever the number of innovations)."""
    per_office = db.session.execute(
        db.select(Innovation.office_id, Innovation.stage, db.func.count())
        .where(Innovation.region_id == region.id, Innovation.state != "archived")
        .group_by(Innovation.office_id, Innovation.stage)
    ).all()
    by_state = dict(
        db.session.execute(
            db.select(Innovation.state, db.func.count())
            .where(Innovation.region_id == region.id)
            .group_by(Innovation.state)
        ).all()
    )
    start, end = _year_range(year, region.timezone)
    new, published = db.session.execute(
        db.select(
            db.func.count().filter(Innovation.created_dt >= start, Innovation.created_dt < end),
            db.func.count().filter(Innovation.published_dt.is_not(None)),
        ).where(Innovation.region_id == region.id)
    ).one()
    people = db.session.execute(
        db.select(
            db.func.count(db.distinct(Innovator.user_id)),
            db.func.count(db.distinct(Membership.user_id)),
        )
        .join(Innovation, Innovation.id == Innovator.innovation_id)
        .outerjoin(
            Membership,
            (Membership.user_id == Innovator.user_id) & (Membership.role == "participant"),
        )
        .where(Innovation.region_id == region.id)
    ).one()
    outsiders = db.session.scalar(
        db.select(db.func.count(Innovator.id))
        .join(Innovation, Innovation.id == Innovator.innovation_id)
        .where(Innovation.region_id == region.id, Innovator.user_id.is_(None))
    )
    counts: dict[int, Counter] = {}
    for office_id, stage, n in per_office:
        counts.setdefault(office_id, Counter())[stage] += n
    offices = {o.id: o for o in offices_of(region, active_only=False)}
    rows = [
        OfficeRow(offices[office_id], {s: counter.get(s, 0) for s in STAGES})
        for office_id, counter in counts.items()
        if office_id in offices
    ]
    rows.sort(key=lambda r: (-r.total, r.office.name))
    totals = {s: sum(r.by_stage[s] for r in rows) for s in STAGES}
    return Dashboard(
        year=year,
        rows=rows,
        totals=totals,
        new_this_year=new or 0,
        verified=by_state.get("verified", 0),
        stopped=by_state.get("archived", 0),
        published=published or 0,
        innovators=(people[0] or 0) + (outsiders or 0),
        trained=people[1] or 0,
        by_state={s: by_state.get(s, 0) for s in STATES},
    )


# --- a class proposal becoming an innovation ----------------------------------------------


def graded_version(submission: Submission) -> SubmissionVersion | None:
    """The newest version of a proposal with a released grade (not a request for revisions)."""
    return db.session.scalar(
        db.select(SubmissionVersion)
        .join(Grade, Grade.version_id == SubmissionVersion.id)
        .where(
            SubmissionVersion.submission_id == submission.id,
            Grade.released_dt.is_not(None),
            Grade.outcome == "grade",
        )
        .order_by(SubmissionVersion.number.desc())
        .limit(1)
    )


def innovation_from(submission: Submission) -> Innovation | None:
    """The innovation registered from any version of this submission."""
    return db.session.scalar(
        db.select(Innovation)
        .join(SubmissionVersion, SubmissionVersion.id == Innovation.source_version_id)
        .where(SubmissionVersion.submission_id == submission.id)
        .options(joinedload(Innovation.region))
        .limit(1)
    )


def class_video(submission: Submission) -> tuple[str, dict[str, Any] | None]:
    """The participant's video of the same class: (public link, stored file listing) of its
    newest submitted version; ("", None) when there is none."""
    version = db.session.scalar(
        db.select(SubmissionVersion)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .where(
            CohortAssignment.cohort_id == submission.assignment.cohort_id,
            Submission.user_id == submission.user_id,
            AssignmentSpec.kind == "video",
        )
        .order_by(SubmissionVersion.submitted_dt.desc(), SubmissionVersion.id.desc())
        .limit(1)
    )
    if version is None:
        return "", None
    url = str((version.fields or {}).get("video_url") or "").strip()
    stored = next(
        (f for f in version.files or [] if f.get("role") == "video" and f.get("key")), None
    )
    return url, stored


@dataclass
class Carried:
    """What a graded proposal brings along: its fields, its files and the class video (a
    stored video is one of the files, with ``innovation_role`` "video")."""

    values: dict[str, Any]
    files: list[dict[str, Any]]
    video_url: str = ""


def carried_from(version: SubmissionVersion, submission: Submission) -> Carried:
    """Everything a graded proposal brings to the registry, nothing typed again."""
    fields = profile.from_legacy(version.fields or {})
    values = {k: fields[k] for k in profile.PROFILE_KEYS if fields.get(k) not in (None, "")}
    files = [
        {**f, "innovation_role": "other"}
        for f in version.files or []
        if f.get("key") and f.get("role", "attachment") == "attachment"
    ]
    url, stored = class_video(submission)
    if stored is not None:
        files.append({**stored, "innovation_role": "video"})
    return Carried(values=values, files=files, video_url=url)
