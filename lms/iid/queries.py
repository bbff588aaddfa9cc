"""Reads of the index: a region's year (who is reported, every level and document, the class
evidence), the score both ways, gaps, checks and last year, in a fixed number of statements.

The page and the CLI score through the same path: :func:`year_data` then
:func:`lms.iid.scoring.score` on :meth:`YearData.inputs`. A region's analysis is kept in a
small per-process cache keyed by a fingerprint of everything it reads (see :func:`analysis`).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort, current_app
from sqlalchemy.orm import contains_eager, selectinload

from lms import profile
from lms.audit import AuditEvent
from lms.extensions import db
from lms.iid import checks, scoring
from lms.iid.evidence import ClassEvidence, class_evidence
from lms.iid.models import ClassDocument, Entry, Evidence, EvidenceDocument, StoredIndex
from lms.iid.rules import Indicator, RuleSet, UnknownYear, available_rules, rules_for
from lms.innovations.models import Innovation, InnovationFile
from lms.regions.access import RegionAccess
from lms.regions.models import Office, Region


def rules_or_404(year: int) -> RuleSet:
    try:
        return rules_for(year)
    except UnknownYear:
        abort(404)


def known_years() -> list[int]:
    return sorted(available_rules(current_app.config), reverse=True)


def copy_source(year: int) -> int:
    """The year "salin dari tahun lalu" copies from: the year before, or, when that year has
    no rules here (2024 between the shipped 2023 and 2025), the latest earlier year that has."""
    earlier = [y for y in available_rules(current_app.config) if y < year]
    if year - 1 in earlier or not earlier:
        return year - 1
    return max(earlier)


# --- one year of a region ------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """An innovation as the index sees it in one year."""

    id: int
    name: str
    office_id: int
    office_label: str
    #: Affair names (Indonesian) for the count rule's coverage.
    urusan: tuple[str, ...]
    implementation_date: date | None
    stage: str
    state: str
    #: None: not (yet) reported this year.
    entry_id: int | None
    developed_further: bool
    video_url: str


@dataclass(frozen=True)
class Level:
    claimed: int | None
    verified: int | None
    verified_note: str
    evidence_id: int | None
    lock_version: int

    def effective(self, derived: int | None) -> int | None:
        """The claim counted: the stored one, else what the class evidence gives (prefill)."""
        return self.claimed if self.claimed is not None else derived


EMPTY = Level(None, None, "", None, 0)


@dataclass(frozen=True)
class Doc:
    id: int
    evidence_id: int
    code: str
    kind: str
    key: str | None
    name: str
    size: int
    file_kind: str
    url: str
    number: str
    doc_date: date | None
    about: str
    duration: float | None


@dataclass(frozen=True)
class RegistryVideo:
    """The innovation's own video in the registry: its link and stored files."""

    url: str
    files: tuple[tuple[int, str], ...]  # (innovation file id, name)

    @property
    def present(self) -> bool:
        return bool(self.url or self.files)


@dataclass
class YearData:
    rules: RuleSet
    region_id: int
    year: int
    subjects: list[Subject]
    #: (innovation id or None, row code) -> levels.
    levels: dict[tuple[int | None, str], Level]
    documents: dict[tuple[int | None, str], list[Doc]]
    classes: dict[int, ClassEvidence]
    registry_video: dict[int, RegistryVideo] = field(default_factory=dict)
    #: Region-level rows are part of this data (the coordinator's and leader's view).
    include_region: bool = True

    def level(self, innovation_id: int | None, code: str) -> Level:
        return self.levels.get((innovation_id, code), EMPTY)

    def derived(self, innovation_id: int | None, code: str) -> int | None:
        if innovation_id is None:
            return None
        klass = self.classes.get(innovation_id)
        return klass.derived.get(code) if klass else None

    def pair(self, innovation_id: int | None, code: str) -> tuple[int | None, int | None]:
        level = self.level(innovation_id, code)
        return level.effective(self.derived(innovation_id, code)), level.verified

    def reported(self) -> list[Subject]:
        return [s for s in self.subjects if s.entry_id is not None]

    def inputs(self) -> scoring.Inputs:
        """(claimed, verified) per row of the reported innovations and of the region."""
        region = {row.code: self.pair(None, row.code) for row in self.rules.rows("region")}
        rows = self.rules.rows("innovation")
        return scoring.Inputs(
            region=region,
            innovations=tuple(
                scoring.InnovationInput(
                    s.id, s.name, {row.code: self.pair(s.id, row.code) for row in rows}, s.urusan
                )
                for s in self.reported()
            ),
        )


def _urusan(values: dict[str, Any]) -> tuple[str, ...]:
    key = values.get("urusan")
    return (profile.urusan_label(key, "id"),) if key else ()


def _subject(innovation: Innovation, office: Office, entry: Entry | None) -> Subject:
    return Subject(
        id=innovation.id,
        name=innovation.name,
        office_id=innovation.office_id,
        office_label=office.label,
        urusan=_urusan(innovation.profile or {}),
        implementation_date=innovation.implementation_date,
        stage=innovation.stage,
        state=innovation.state,
        entry_id=entry.id if entry else None,
        developed_further=bool(entry and entry.developed_further),
        video_url=innovation.video_url or "",
    )


def _levels_and_documents(
    region_id: int, year: int, innovation_ids: list[int], include_region: bool
) -> tuple[dict, dict]:
    """Two statements: every level, every document still attached."""
    scope = [Evidence.innovation_id.in_(innovation_ids or [0])]
    if include_region:
        scope.append(Evidence.innovation_id.is_(None))
    where = [Evidence.region_id == region_id, Evidence.year == year, db.or_(*scope)]
    levels = {}
    for row in db.session.execute(
        db.select(
            Evidence.id,
            Evidence.innovation_id,
            Evidence.indicator_code,
            Evidence.claimed_level,
            Evidence.verified_level,
            Evidence.verified_note,
            Evidence.lock_version,
        ).where(*where)
    ):
        levels[(row.innovation_id, row.indicator_code)] = Level(
            row.claimed_level, row.verified_level, row.verified_note, row.id, row.lock_version
        )
    documents: dict[tuple[int | None, str], list[Doc]] = defaultdict(list)
    for row in db.session.execute(
        db.select(
            EvidenceDocument.id,
            EvidenceDocument.evidence_id,
            Evidence.innovation_id,
            Evidence.indicator_code,
            EvidenceDocument.kind,
            EvidenceDocument.key,
            EvidenceDocument.name,
            EvidenceDocument.size,
            EvidenceDocument.file_kind,
            EvidenceDocument.url,
            EvidenceDocument.number,
            EvidenceDocument.doc_date,
            EvidenceDocument.about,
            EvidenceDocument.duration,
        )
        .join(Evidence, Evidence.id == EvidenceDocument.evidence_id)
        .where(*where, EvidenceDocument.removed.is_(False))
        .order_by(EvidenceDocument.id)
    ):
        documents[(row.innovation_id, row.indicator_code)].append(
            Doc(
                id=row.id,
                evidence_id=row.evidence_id,
                code=row.indicator_code,
                kind=row.kind,
                key=row.key,
                name=row.name,
                size=row.size,
                file_kind=row.file_kind,
                url=row.url,
                number=row.number,
                doc_date=row.doc_date,
                about=row.about,
                duration=row.duration,
            )
        )
    return levels, dict(documents)


def _registry_videos(subjects: list[Subject]) -> dict[int, RegistryVideo]:
    files: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ids = [s.id for s in subjects]
    if ids:
        for item_id, innovation_id, name in db.session.execute(
            db.select(InnovationFile.id, InnovationFile.innovation_id, InnovationFile.name).where(
                InnovationFile.innovation_id.in_(ids),
                InnovationFile.role == "video",
                InnovationFile.removed.is_(False),
            )
        ):
            files[innovation_id].append((item_id, name))
    return {s.id: RegistryVideo(s.video_url, tuple(files.get(s.id, ()))) for s in subjects}


def year_data(
    region: Region,
    year: int,
    rules: RuleSet,
    *,
    office_ids: Iterable[int] | None = None,
    include_region: bool = True,
) -> YearData:
    """The reported innovations (of ``office_ids`` only, when given) and the region's rows:
    a fixed number of statements (one for the innovations, two for levels and documents,
    one for registry videos, at most five for class evidence)."""
    stmt = (
        db.select(Entry, Innovation, Office)
        .join(Innovation, Innovation.id == Entry.innovation_id)
        .join(Office, Office.id == Innovation.office_id)
        .where(Entry.region_id == region.id, Entry.year == year)
        .order_by(Innovation.name, Innovation.id)
    )
    offices = None if office_ids is None else set(office_ids)
    if offices is not None:
        stmt = stmt.where(Innovation.office_id.in_(offices or {0}))
    subjects = [_subject(i, o, e) for e, i, o in db.session.execute(stmt)]
    ids = [s.id for s in subjects]
    levels, documents = _levels_and_documents(region.id, year, ids, include_region)
    return YearData(
        rules=rules,
        region_id=region.id,
        year=year,
        subjects=subjects,
        levels=levels,
        documents=documents,
        classes=class_evidence(rules, year, ids),
        registry_video=_registry_videos(subjects),
        include_region=include_region,
    )


def innovation_data(region: Region, year: int, rules: RuleSet, innovation: Innovation) -> YearData:
    """One innovation's year, reported or not (its evidence page)."""
    entry = db.session.scalar(
        db.select(Entry).where(Entry.innovation_id == innovation.id, Entry.year == year)
    )
    subject = _subject(innovation, innovation.office, entry)
    levels, documents = _levels_and_documents(region.id, year, [innovation.id], False)
    return YearData(
        rules=rules,
        region_id=region.id,
        year=year,
        subjects=[subject],
        levels=levels,
        documents=documents,
        classes=class_evidence(rules, year, [innovation.id]),
        registry_video=_registry_videos([subject]),
        include_region=False,
    )


def region_score(region: Region, year: int, which: str = "verified") -> scoring.RegionScore:
    """What ``lms iid score`` prints and the score page shows: the same two steps."""
    rules = rules_for(year)
    return scoring.score(rules, year_data(region, year, rules).inputs(), which)


# --- the analysis of a region's year (the score page), cached ------------------------------


@dataclass(frozen=True)
class LastYear:
    year: int
    #: The verified score computed here, when that year has rules and reported innovations.
    computed: scoring.RegionScore | None
    #: The official number stored for that year, and where it comes from.
    stored: Decimal | None
    stored_note: str
    stored_predicate: str

    @property
    def index(self) -> Decimal | None:
        if self.computed is not None:
            return self.computed.index
        return self.stored


@dataclass(frozen=True)
class Contribution:
    subject: Subject
    claimed: scoring.InnovationScore
    verified: scoring.InnovationScore
    #: Index points the innovation brings (verified): score / divisor / total_max x 100.
    points: Decimal


def contributions(
    data: YearData, claimed: scoring.RegionScore, verified: scoring.RegionScore
) -> list[Contribution]:
    """Each reported innovation's share of the index, largest first."""
    by_id = {i.id: i for i in claimed.innovations}
    rows = [
        Contribution(
            subject,
            by_id[subject.id],
            item,
            item.score * 100 / verified.divisor / data.rules.total_max,
        )
        for subject, item in zip(data.reported(), verified.innovations, strict=True)
    ]
    rows.sort(key=lambda c: (-c.points, c.subject.name))
    return rows


@dataclass(frozen=True)
class Analysis:
    data: YearData
    claimed: scoring.RegionScore
    verified: scoring.RegionScore
    #: Ranked by the index points raising each to its top level gains, on verified levels.
    gaps: list[scoring.Gap]
    problems: list[checks.Problem]
    last_year: LastYear
    contributions: list[Contribution]
    #: What the score page drew from this analysis (lms.iid.views.score), kept with it.
    fragments: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def rules(self) -> RuleSet:
        return self.data.rules

    @property
    def refused(self) -> list[checks.Problem]:
        return [p for p in self.problems if p.refused]


def _last_year(region: Region, year: int) -> LastYear:
    previous = year - 1
    stored = db.session.scalar(db.select(StoredIndex).filter_by(region_id=region.id, year=previous))
    computed = None
    rules = available_rules(current_app.config).get(previous)
    if rules is not None:
        reported = db.session.scalar(
            db.select(db.func.count(Entry.id)).filter_by(region_id=region.id, year=previous)
        )
        if reported:
            data = year_data(region, previous, rules)
            computed = scoring.score(rules, data.inputs(), "verified")
    predicate = ""
    if stored is not None:
        this_rules = available_rules(current_app.config).get(previous) or rules_for(year)
        predicate = scoring.predicate_for(this_rules, stored.value).name
    return LastYear(
        previous,
        computed,
        stored.value if stored is not None else None,
        stored.note if stored is not None else "",
        predicate,
    )


_FINGERPRINT = db.text(
    f"""
    SELECT
      (SELECT max(updated_dt) FROM {Entry.__tablename__}
        WHERE region_id = :region AND year = :year),
      (SELECT max(updated_dt) FROM {Entry.__tablename__}
        WHERE region_id = :region AND year = :last),
      (SELECT max(updated_dt) FROM {Evidence.__tablename__}
        WHERE region_id = :region AND year = :year),
      (SELECT max(updated_dt) FROM {Evidence.__tablename__}
        WHERE region_id = :region AND year = :last),
      (SELECT max(updated_dt) FROM {Innovation.__tablename__} WHERE region_id = :region),
      (SELECT max(set_dt) FROM {StoredIndex.__tablename__} WHERE region_id = :region),
      (SELECT max(id) FROM {AuditEvent.__tablename__})
    """  # table names from the models; every value is bound
)


def _fingerprint(region: Region, year: int) -> tuple:
    """Everything an analysis reads, as one cheap row: the newest change of its own rows (new
    rows and edits move ``updated_dt``; what is taken off or out is audited) and the newest
    audit event (class evidence changes are audited too: attendance, certificates,
    memberships, submissions, innovators). Each is one index lookup; plain SQL, as this
    runs on every score page."""
    row = db.session.execute(
        _FINGERPRINT, {"region": region.id, "year": year, "last": year - 1}
    ).one()
    return tuple(str(v) for v in row)


_cache: OrderedDict[tuple, tuple[float, Analysis]] = OrderedDict()
_cache_lock = threading.Lock()
#: One analysis computed at a time per process: the threads that miss together wait for it
#: instead of each reading six thousand rows at once.
_compute_lock = threading.Lock()
CACHE_SIZE = 16


def _cache_seconds() -> float:
    """``LMS_IID_CACHE_SECONDS`` in the app's config or the environment (default 300; 0: no
    cache); off under testing unless set."""
    config = current_app.config
    if "LMS_IID_CACHE_SECONDS" in config:
        return float(config["LMS_IID_CACHE_SECONDS"] or 0)
    if (value := os.environ.get("LMS_IID_CACHE_SECONDS")) is not None:
        return float(value or 0)
    return 0.0 if config.get("TESTING") else 300.0


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def analysis(region: Region, year: int, rules: RuleSet) -> Analysis:
    """The score page's numbers. Kept per process while the fingerprint is unchanged (and for
    ``LMS_IID_CACHE_SECONDS`` at most): a page for 300 innovations x 20 indicators reads one
    row instead of six thousand."""
    seconds = _cache_seconds()
    if seconds <= 0:
        return _analyse(region, year, rules)
    key = (
        current_app.config.get("SQLALCHEMY_DATABASE_URI"),
        region.id,
        year,
        id(rules),
        _fingerprint(region, year),
    )

    def cached() -> Analysis | None:
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] > time.monotonic() and hit[1].rules is rules:
                _cache.move_to_end(key)
                return hit[1]
        return None

    found = cached()
    if found is not None:
        return found
    with _compute_lock:
        found = cached()  # made by the thread this one waited for
        if found is not None:
            return found
        result = _analyse(region, year, rules)
        with _cache_lock:
            _cache[key] = (time.monotonic() + seconds, result)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return result


def _analyse(region: Region, year: int, rules: RuleSet) -> Analysis:
    data = year_data(region, year, rules)
    inputs = data.inputs()
    claimed = scoring.score(rules, inputs, "claimed")
    verified = scoring.score(rules, inputs, "verified")
    return Analysis(
        data=data,
        claimed=claimed,
        verified=verified,
        gaps=scoring.gaps(rules, inputs, "verified", by="top", result=verified),
        problems=checks.problems(data, hosts()),
        last_year=_last_year(region, year),
        contributions=contributions(data, claimed, verified),
    )


def hosts() -> tuple[str, ...]:
    return checks.video_hosts(current_app.config.get("LMS_VIDEO_HOSTS") or "")


# --- lists and single rows --------------------------------------------------------------


@dataclass
class ReportRow:
    innovation: Innovation
    entry: Entry | None


def report_rows(region: Region, year: int, access: RegionAccess) -> list[ReportRow]:
    """The region's innovations the visitor may see (an operator: their office's), those
    reported this year first: two statements."""
    stmt = (
        db.select(Innovation)
        .join(Innovation.office)
        .options(contains_eager(Innovation.office))
        .where(Innovation.region_id == region.id)
    )
    if not (access.manages or access.has("leader")):
        stmt = stmt.where(Innovation.office_id.in_(access.office_ids or {0}))
    innovations = list(db.session.scalars(stmt.order_by(Innovation.name, Innovation.id)))
    entries = {
        e.innovation_id: e
        for e in db.session.scalars(
            db.select(Entry).where(
                Entry.region_id == region.id,
                Entry.year == year,
                Entry.innovation_id.in_([i.id for i in innovations] or [0]),
            )
        )
    }
    rows = [ReportRow(i, entries.get(i.id)) for i in innovations]
    rows.sort(key=lambda r: r.entry is None)
    return rows


def entry_of(innovation: Innovation, year: int) -> Entry | None:
    return db.session.scalar(
        db.select(Entry).where(Entry.innovation_id == innovation.id, Entry.year == year)
    )


def evidence_of(
    region: Region, year: int, innovation: Innovation | None, code: str
) -> Evidence | None:
    stmt = db.select(Evidence).where(
        Evidence.region_id == region.id, Evidence.year == year, Evidence.indicator_code == code
    )
    if innovation is None:
        stmt = stmt.where(Evidence.innovation_id.is_(None))
    else:
        stmt = stmt.where(Evidence.innovation_id == innovation.id)
    return db.session.scalar(
        stmt.options(selectinload(Evidence.documents), selectinload(Evidence.verified_by))
    )


def row_of(rules: RuleSet, code: str, scope: str) -> tuple[Indicator, Any]:
    """The indicator and scored row of ``code`` in ``scope``; 404 for anything else."""
    for ind in rules.indicators:
        if ind.scope != scope:
            continue
        for row in ind.rows:
            if row.code == code:
                return ind, row
    abort(404)


def document_of(evidence: Evidence | None, document_id: int) -> EvidenceDocument:
    if evidence is None:
        abort(404)
    doc = db.session.get(EvidenceDocument, document_id)
    if doc is None or doc.evidence_id != evidence.id:
        abort(404)
    return doc


def years_of(innovation: Innovation) -> set[int]:
    return set(
        db.session.scalars(db.select(Entry.year).where(Entry.innovation_id == innovation.id))
    )


def stored_index(region: Region, year: int) -> StoredIndex | None:
    return db.session.scalar(db.select(StoredIndex).filter_by(region_id=region.id, year=year))


def class_documents(cohort_id: int) -> list[ClassDocument]:
    return list(
        db.session.scalars(
            db.select(ClassDocument)
            .where(ClassDocument.cohort_id == cohort_id, ClassDocument.removed.is_(False))
            .order_by(ClassDocument.created_dt, ClassDocument.id)
        )
    )


def class_document_of(cohort_id: int, document_id: int) -> ClassDocument:
    doc = db.session.get(ClassDocument, document_id)
    if doc is None or doc.cohort_id != cohort_id or doc.removed:
        abort(404)
    return doc
