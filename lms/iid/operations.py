"""Every write of the index: reporting an innovation in a year, claims and verifications,
evidence documents, copying last year's evidence forward, the stored index of a year, and a
class's documents. Each function flushes, writes its audit row and never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lms import audit
from lms.db import utcnow
from lms.errors import DomainError, check_fresh
from lms.extensions import db
from lms.i18n import gettext as _
from lms.iid import permissions
from lms.iid.models import (
    CLASS_DOCUMENT_KINDS,
    ClassDocument,
    Entry,
    Evidence,
    EvidenceDocument,
    StoredIndex,
)
from lms.iid.rules import RuleSet
from lms.innovations.models import Innovation
from lms.regions.access import RegionAccess
from lms.regions.models import Region
from lms.storage import StoredFile


class EvidenceError(DomainError):
    """An index rule refused the change; nothing of it is written."""


# --- the year's report -------------------------------------------------------------------


def enter(region: Region, year: int, innovation: Innovation, *, actor: Any) -> Entry:
    """Report the innovation in ``year`` (it then counts in n)."""
    if innovation.region_id != region.id:
        raise EvidenceError(_("Inovasi ini bukan milik daerah ini."))
    if reason := permissions.why_not_enter(innovation):
        raise EvidenceError(reason)
    existing = db.session.scalar(
        db.select(Entry).where(Entry.innovation_id == innovation.id, Entry.year == year)
    )
    if existing is not None:
        return existing
    return _new_entry(region, year, innovation, actor=actor)


def _new_entry(
    region: Region,
    year: int,
    innovation: Innovation,
    *,
    actor: Any,
    developed_further: bool = False,
    **noted: Any,
) -> Entry:
    """The innovation reported in ``year``, audited as "iid.enter" (with ``noted``)."""
    entry = Entry(
        region_id=region.id,
        innovation_id=innovation.id,
        year=year,
        developed_further=developed_further,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "iid.enter",
        entry,
        actor=actor,
        after={"innovation_id": innovation.id, "year": year, **noted},
    )
    return entry


def leave(entry: Entry, *, actor: Any, seen_lock: int | None = None) -> None:
    """Take the innovation out of the year's report; its evidence stays for later."""
    check_fresh(seen_lock, entry.lock_version)
    audit.record(
        "iid.leave",
        entry,
        actor=actor,
        before={"innovation_id": entry.innovation_id, "year": entry.year},
    )
    db.session.delete(entry)
    db.session.flush()


def set_developed_further(entry: Entry, value: bool, *, actor: Any, seen_lock: int | None) -> None:
    check_fresh(seen_lock, entry.lock_version)
    before = entry.developed_further
    if before == value:
        return
    entry.developed_further = value
    db.session.flush()
    audit.record(
        "iid.developed_further",
        entry,
        actor=actor,
        before={"developed_further": before},
        after={"developed_further": value},
    )


# --- levels ----------------------------------------------------------------------------


def _evidence(
    region: Region, year: int, innovation: Innovation | None, code: str
) -> tuple[Evidence, bool]:
    stmt = db.select(Evidence).where(
        Evidence.region_id == region.id, Evidence.year == year, Evidence.indicator_code == code
    )
    if innovation is None:
        stmt = stmt.where(Evidence.innovation_id.is_(None))
    else:
        stmt = stmt.where(Evidence.innovation_id == innovation.id)
    found = db.session.scalar(stmt)
    if found is not None:
        return found, False
    evidence = Evidence(
        region_id=region.id,
        innovation_id=innovation.id if innovation else None,
        year=year,
        indicator_code=code,
        verified_note="",
    )
    db.session.add(evidence)
    return evidence, True


def _require_entry(innovation: Innovation | None, year: int) -> None:
    if innovation is None:
        return
    reported = db.session.scalar(
        db.select(Entry.id).where(Entry.innovation_id == innovation.id, Entry.year == year)
    )
    if reported is None:
        raise EvidenceError(
            _(
                "Inovasi ini belum dilaporkan untuk tahun %(year)d. Laporkan dulu, lalu isi "
                "bukti dukungnya.",
                year=year,
            )
        )


def _snapshot(evidence: Evidence) -> dict[str, Any]:
    return {
        "innovation_id": evidence.innovation_id,
        "year": evidence.year,
        "code": evidence.indicator_code,
        "claimed_level": evidence.claimed_level,
        "verified_level": evidence.verified_level,
        "verified_note": evidence.verified_note,
    }


def _check_level(rules: RuleSet, level: int | None, *, allow_zero: bool) -> None:
    low = 0 if allow_zero else 1
    if level is not None and not low <= level <= rules.max_level:
        raise EvidenceError(
            _("Tingkat harus antara %(low)d dan %(high)d.", low=low, high=rules.max_level),
            field="level",
        )


def claim(
    region: Region,
    year: int,
    rules: RuleSet,
    innovation: Innovation | None,
    code: str,
    level: int | None,
    *,
    actor: Any,
    seen_lock: int | None,
) -> Evidence:
    """The innovator's (or, for the region, the coordinator's) own level; None clears it."""
    _require_entry(innovation, year)
    _check_level(rules, level, allow_zero=False)
    evidence, new = _evidence(region, year, innovation, code)
    check_fresh(seen_lock, 0 if new else evidence.lock_version)
    if reason := permissions.why_not_claim(evidence):
        raise EvidenceError(reason, field="level")
    before = _snapshot(evidence)
    evidence.claimed_level = level
    evidence.claimed_by_id = getattr(actor, "id", None)
    evidence.claimed_dt = utcnow()
    db.session.flush()
    audit.record_change("iid.claim", evidence, before, _snapshot(evidence), actor=actor)
    return evidence


def verify(
    region: Region,
    year: int,
    rules: RuleSet,
    innovation: Innovation | None,
    code: str,
    level: int | None,
    note: str,
    *,
    actor: Any,
    seen_lock: int | None,
    derived: int | None = None,
) -> Evidence:
    """The coordinator's verified level (None: not verified any more). A level other than the
    claim needs a note; an unsaved claim prefilled from the class evidence becomes the claim."""
    _require_entry(innovation, year)
    _check_level(rules, level, allow_zero=True)
    evidence, new = _evidence(region, year, innovation, code)
    check_fresh(seen_lock, 0 if new else evidence.lock_version)
    note = (note or "").strip()
    before = _snapshot(evidence)
    if level is not None and evidence.claimed_level is None and derived is not None:
        evidence.claimed_level = derived
    if level is not None and level != evidence.claimed_level and not note:
        raise EvidenceError(
            _(
                "Tingkat terverifikasi berbeda dari klaim; tuliskan catatan alasannya untuk "
                "inovator."
            ),
            field="note",
        )
    evidence.verified_level = level
    evidence.verified_note = note if level is not None else ""
    evidence.verified_by_id = getattr(actor, "id", None) if level is not None else None
    evidence.verified_dt = utcnow() if level is not None else None
    db.session.flush()
    audit.record_change("iid.verify", evidence, before, _snapshot(evidence), actor=actor)
    return evidence


# --- documents -------------------------------------------------------------------------


@dataclass
class DocumentInput:
    kind: str
    stored: StoredFile | None = None
    name: str = ""
    url: str = ""
    number: str = ""
    doc_date: date | None = None
    about: str = ""
    duration: float | None = None


def add_document(
    region: Region,
    year: int,
    rules: RuleSet,
    innovation: Innovation | None,
    code: str,
    data: DocumentInput,
    *,
    actor: Any,
) -> EvidenceDocument:
    _require_entry(innovation, year)
    allowed = permissions.document_kinds(rules, code)
    if data.kind not in allowed:
        raise EvidenceError(_("Jenis bukti ini tidak dipakai indikator ini."), field="kind")
    if data.stored is None and not data.url.strip():
        raise EvidenceError(_("Unggah berkas atau tulis tautannya."), field="file")
    url = data.url.strip()
    if url and not rules.evidence_kind(data.kind).link:
        raise EvidenceError(
            _("Jenis bukti ini diunggah sebagai berkas, bukan tautan."), field="url"
        )
    if url and not url.lower().startswith(("https://", "http://")):
        raise EvidenceError(
            _("Tautan harus berupa alamat web lengkap yang diawali https://."), field="url"
        )
    evidence, _new = _evidence(region, year, innovation, code)
    db.session.flush()
    stored = data.stored
    doc = EvidenceDocument(
        evidence_id=evidence.id,
        kind=data.kind,
        key=stored.key if stored else None,
        name=(data.name or ("berkas" if stored else ""))[:255],
        size=stored.size if stored else 0,
        file_kind=stored.kind if stored else "",
        url=data.url.strip()[:500],
        number=data.number.strip()[:120],
        doc_date=data.doc_date,
        about=data.about.strip()[:500],
        duration=data.duration,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(doc)
    evidence.updated_dt = utcnow()  # the year's fingerprint sees the new document
    db.session.flush()
    audit.record(
        "iid.document_add",
        evidence,
        actor=actor,
        after={
            "document_id": doc.id,
            "kind": doc.kind,
            "name": doc.name,
            "url": doc.url,
            "number": doc.number,
            "doc_date": str(doc.doc_date or ""),
        },
    )
    return doc


def update_document(
    doc: EvidenceDocument, *, number: str, doc_date: date | None, about: str, actor: Any
) -> None:
    before = {"number": doc.number, "doc_date": str(doc.doc_date or ""), "about": doc.about}
    doc.number = number.strip()[:120]
    doc.doc_date = doc_date
    doc.about = about.strip()[:500]
    doc.evidence.updated_dt = utcnow()
    db.session.flush()
    after = {"number": doc.number, "doc_date": str(doc.doc_date or ""), "about": doc.about}
    audit.record_change(
        "iid.document_update",
        doc.evidence,
        {"document_id": doc.id, **before},
        {"document_id": doc.id, **after},
        actor=actor,
    )


def remove_document(doc: EvidenceDocument, *, actor: Any) -> None:
    """Taken off the evidence; the row and the stored file stay (an earlier year may share it)."""
    if doc.removed:
        return
    doc.removed = True
    doc.evidence.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "iid.document_remove",
        doc.evidence,
        actor=actor,
        before={"document_id": doc.id, "name": doc.name, "url": doc.url},
    )


# --- a new year from the last ------------------------------------------------------------


@dataclass
class Copied:
    source_year: int = 0
    entries: int = 0
    evidence: int = 0
    documents: int = 0


def copy_forward(
    region: Region,
    year: int,
    rules: RuleSet,
    access: RegionAccess,
    *,
    actor: Any,
    source_year: int | None = None,
) -> Copied:
    """ "Salin dari tahun lalu": the reported innovations of ``source_year`` (default: the year
    before) and their evidence (claims and documents, not verifications) into ``year``, for what
    the visitor acts for. The source year's rows are left exactly as they were; what this year
    already has is not overwritten."""
    previous = source_year if source_year is not None else year - 1
    result = Copied(source_year=previous)
    codes = {r.code: scope for scope in ("region", "innovation") for r in rules.rows(scope)}
    entries_stmt = (
        db.select(Entry, Innovation)
        .join(Innovation, Innovation.id == Entry.innovation_id)
        .where(Entry.region_id == region.id, Entry.year == previous)
    )
    if not access.manages:
        entries_stmt = entries_stmt.where(Innovation.office_id.in_(access.office_ids or {0}))
    innovations: dict[int, Innovation] = {}
    for old, innovation in db.session.execute(entries_stmt):
        if permissions.why_not_enter(innovation):
            continue
        innovations[innovation.id] = innovation
        if db.session.scalar(
            db.select(Entry.id).where(Entry.innovation_id == innovation.id, Entry.year == year)
        ):
            continue
        _new_entry(
            region,
            year,
            innovation,
            actor=actor,
            developed_further=old.developed_further,
            copied_from=previous,
        )
        result.entries += 1
    scope = [Evidence.innovation_id.in_(list(innovations) or [0])]
    if access.manages:
        scope.append(Evidence.innovation_id.is_(None))
    olds = db.session.scalars(
        db.select(Evidence).where(
            Evidence.region_id == region.id, Evidence.year == previous, db.or_(*scope)
        )
    ).all()
    existing = {
        (e.innovation_id, e.indicator_code)
        for e in db.session.scalars(
            db.select(Evidence).where(Evidence.region_id == region.id, Evidence.year == year)
        )
    }
    for old in olds:
        wanted = "region" if old.innovation_id is None else "innovation"
        if codes.get(old.indicator_code) != wanted:
            continue  # an indicator this year's rules do not have
        if (old.innovation_id, old.indicator_code) in existing:
            continue
        documents = [d for d in old.documents if not d.removed]
        if old.claimed_level is None and not documents:
            continue
        new = Evidence(
            region_id=region.id,
            innovation_id=old.innovation_id,
            year=year,
            indicator_code=old.indicator_code,
            claimed_level=min(old.claimed_level, rules.max_level)
            if old.claimed_level is not None
            else None,
            claimed_by_id=old.claimed_by_id,
            claimed_dt=old.claimed_dt,
            verified_note="",
            copied_from_id=old.id,
        )
        db.session.add(new)
        db.session.flush()
        for doc in documents:
            db.session.add(
                EvidenceDocument(
                    evidence_id=new.id,
                    kind=doc.kind,
                    key=doc.key,
                    name=doc.name,
                    size=doc.size,
                    file_kind=doc.file_kind,
                    url=doc.url,
                    number=doc.number,
                    doc_date=doc.doc_date,
                    about=doc.about,
                    duration=doc.duration,
                    uploaded_by_id=doc.uploaded_by_id,
                )
            )
        db.session.flush()
        audit.record(
            "iid.copy_forward",
            new,
            actor=actor,
            after={**_snapshot(new), "copied_from_id": old.id, "documents": len(documents)},
        )
        result.evidence += 1
        result.documents += len(documents)
    return result


# --- last year's official number ----------------------------------------------------------


def set_stored_index(
    region: Region,
    year: int,
    value: Decimal | None,
    note: str,
    *,
    actor: Any,
    seen_lock: int | None = None,
) -> StoredIndex | None:
    """The official verified index of ``year``; None removes it."""
    row = db.session.scalar(db.select(StoredIndex).filter_by(region_id=region.id, year=year))
    if row is not None:
        check_fresh(seen_lock, row.lock_version)
    if value is not None and not Decimal(0) <= value <= Decimal(100):
        raise EvidenceError(_("Nilai indeks harus antara 0 dan 100."), field="value")
    before = {"value": str(row.value), "note": row.note} if row is not None else None
    if value is None:
        if row is not None:
            audit.record("iid.stored_index", row, actor=actor, before=before)
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = StoredIndex(region_id=region.id, year=year, value=value, note="")
        db.session.add(row)
    row.value = value.quantize(Decimal("0.01"))
    row.note = (note or "").strip()[:300]
    row.set_by_id = getattr(actor, "id", None)
    row.set_dt = utcnow()
    db.session.flush()
    audit.record(
        "iid.stored_index",
        row,
        actor=actor,
        before=before,
        after={"year": year, "value": str(row.value), "note": row.note},
    )
    return row


# --- a class's documents ------------------------------------------------------------------


def add_class_document(
    cohort: Any,
    stored: StoredFile,
    *,
    name: str,
    kind: str,
    number: str,
    doc_date: date | None,
    about: str,
    actor: Any,
) -> ClassDocument:
    if kind not in CLASS_DOCUMENT_KINDS:
        raise EvidenceError(_("Jenis dokumen tidak dikenal."), field="kind")
    doc = ClassDocument(
        cohort_id=cohort.id,
        kind=kind,
        key=stored.key,
        name=(name or "dokumen.pdf")[:255],
        size=stored.size,
        number=number.strip()[:120],
        doc_date=doc_date,
        about=about.strip()[:500],
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(doc)
    db.session.flush()
    audit.record(
        "iid.class_document_add",
        doc,
        actor=actor,
        after={"kind": kind, "name": doc.name, "number": doc.number},
        cohort_id=cohort.id,
    )
    return doc


def remove_class_document(doc: ClassDocument, *, actor: Any) -> None:
    doc.removed = True
    db.session.flush()
    audit.record(
        "iid.class_document_remove",
        doc,
        actor=actor,
        before={"kind": doc.kind, "name": doc.name},
        cohort_id=doc.cohort_id,
    )
