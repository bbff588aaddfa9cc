"""Every write of the registry: create, edit, the workflow's steps, files, innovators, the
catalogue page, yearly confirmations and registering a class proposal. Each function flushes,
writes its audit row and never commits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lms import audit, markdown, profile
from lms.accounts.models import User
from lms.db import utcnow
from lms.errors import DomainError, check_fresh
from lms.extensions import db
from lms.i18n import gettext as _
from lms.innovations import permissions, queries
from lms.innovations.display import parse_date
from lms.innovations.models import (
    CONFIRMATION_STATUSES,
    FILE_ROLES,
    STAGES,
    Confirmation,
    Innovation,
    InnovationFile,
    InnovationVersion,
    Innovator,
    RevisionNote,
)
from lms.regions.models import Office, Region
from lms.storage import StoredFile

#: Catalogue texts (Markdown) kept beside the profile.
CATALOGUE_TEXTS = ("summary", "drivers", "obstacles", "prerequisites")
MARKDOWN_KEYS = tuple(f.key for f in profile.PROFILE_FIELDS if f.kind == "markdown")
#: Filled before an innovation can be submitted, besides the rancang bangun parts.
REQUIRED_ON_SUBMIT = ("nama_inovasi", "bentuk", "jenis", "inisiator", "urusan", "tahapan")
STAGE_DATE_KEYS = {"uji_coba": "tanggal_uji_coba", "penerapan": "tanggal_penerapan"}


class InnovationError(DomainError):
    """A registry rule refused the change; nothing of it is written."""


@dataclass
class Details:
    """What the edit page sends besides the profile."""

    office: Office
    video_url: str = ""
    initiated_date: date | None = None
    replicated_from: Innovation | None = None
    replicated_from_url: str = ""
    replicated_from_label: str = ""
    #: note id -> the operator's answer.
    answers: dict[int, str] = field(default_factory=dict)


# --- helpers ------------------------------------------------------------------------------


def _clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    """The profile's own keys only, texts stripped; empty values dropped."""
    cleaned = {}
    for key in profile.PROFILE_KEYS:
        value = values.get(key)
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").strip()
        if value not in (None, ""):
            cleaned[key] = value
    return cleaned


def _sync(innovation: Innovation) -> None:
    """Copy the list columns out of the profile and render its Markdown once, on save."""
    values = innovation.profile or {}
    innovation.name = str(values.get("nama_inovasi") or "")[:300]
    stage = values.get("tahapan")
    innovation.stage = stage if stage in STAGES else "inisiatif"
    innovation.trial_date = parse_date(values.get("tanggal_uji_coba"))
    innovation.implementation_date = parse_date(values.get("tanggal_penerapan"))
    texts = {key: values.get(key) for key in MARKDOWN_KEYS}
    texts.update({key: getattr(innovation, key) for key in CATALOGUE_TEXTS})
    innovation.html = {key: markdown.render(text) for key, text in texts.items() if text}


def _snapshot(innovation: Innovation) -> dict[str, Any]:
    return {
        **{f"profile.{k}": v for k, v in (innovation.profile or {}).items()},
        "office_id": innovation.office_id,
        "video_url": innovation.video_url,
        "initiated_date": str(innovation.initiated_date or ""),
        "replicated_from_id": innovation.replicated_from_id,
        "replicated_from_url": innovation.replicated_from_url,
        "replicated_from_label": innovation.replicated_from_label,
    }


def _check_editable(innovation: Innovation) -> None:
    if reason := permissions.why_not_edit(innovation):
        raise InnovationError(reason)


def _check_office(region: Region, office: Office) -> None:
    if office.region_id != region.id:
        raise InnovationError(_("Perangkat daerah ini bukan milik daerah ini."), field="office")


def _apply_details(innovation: Innovation, details: Details) -> None:
    _check_office(innovation.region, details.office)
    source = details.replicated_from
    if source is not None and source.id == innovation.id:
        raise InnovationError(
            _("Inovasi tidak dapat direplikasi dari dirinya sendiri."), field="replicated_from"
        )
    if details.replicated_from_url and not details.replicated_from_label:
        raise InnovationError(
            _("Tulis nama katalog atau inovasi asal untuk tautan itu."),
            field="replicated_from_label",
        )
    innovation.office_id = details.office.id
    innovation.office = details.office
    innovation.video_url = details.video_url
    innovation.initiated_date = details.initiated_date
    innovation.replicated_from_id = source.id if source is not None else None
    innovation.replicated_from_url = details.replicated_from_url
    innovation.replicated_from_label = details.replicated_from_label


# --- create and edit ----------------------------------------------------------------------


def create_innovation(
    region: Region, values: dict[str, Any], details: Details, *, actor: Any
) -> Innovation:
    """A draft innovation of ``details.office``."""
    innovation = Innovation(
        region_id=region.id,
        region=region,
        profile=_clean_profile(values),
        state="draft",
        created_by_id=getattr(actor, "id", None),
    )
    _apply_details(innovation, details)
    if innovation.initiated_date is None:
        innovation.initiated_date = utcnow().date()
    _sync(innovation)
    db.session.add(innovation)
    db.session.flush()
    audit.record("innovation.create", innovation, actor=actor, after=_snapshot(innovation))
    return innovation


def update_innovation(
    innovation: Innovation,
    values: dict[str, Any],
    details: Details,
    *,
    actor: Any,
    seen_lock: int | None,
) -> Innovation:
    """Save the edit page: the profile, the details and the answers to revision notes."""
    check_fresh(seen_lock, innovation.lock_version)
    _check_editable(innovation)
    before = _snapshot(innovation)
    innovation.profile = _clean_profile(values)
    _apply_details(innovation, details)
    _sync(innovation)
    _answer_notes(innovation, details.answers, actor=actor)
    # Every save moves the lock on (answers alone too), so a stale page never overwrites them.
    innovation.updated_dt = utcnow()
    db.session.flush()
    audit.record_change("innovation.update", innovation, before, _snapshot(innovation), actor=actor)
    return innovation


def _answer_notes(innovation: Innovation, answers: dict[int, str], *, actor: Any) -> None:
    by_id = {note.id: note for note in innovation.notes}
    for note_id, text in answers.items():
        note = by_id.get(note_id)
        text = (text or "").strip()
        if note is None or text == note.answer:
            continue
        note.answer = text
        note.answered_by_id = getattr(actor, "id", None)
        note.answered_dt = utcnow() if text else None
        db.session.flush()
        audit.record(
            "innovation.note_answer",
            innovation,
            actor=actor,
            after={"note_id": note.id, "field": note.field_key, "answer": text},
        )


# --- the workflow -------------------------------------------------------------------------


def _move(innovation: Innovation, step: str) -> str:
    if reason := permissions.why_not(step, innovation):
        raise InnovationError(reason)
    before = innovation.state
    innovation.state = permissions.TRANSITIONS[step][1]
    return before


def open_notes(innovation: Innovation) -> list[RevisionNote]:
    """The notes of the last request for revisions (those the operator answers now)."""
    return [n for n in innovation.notes if n.version_number == innovation.latest_number]


def submit_problems(innovation: Innovation) -> dict[str, list[str]]:
    """What must be filled before the innovation can be submitted, by field."""
    values = innovation.profile or {}
    problems: dict[str, list[str]] = {}
    required = list(REQUIRED_ON_SUBMIT) + [f.key for f in profile.RANCANG_BANGUN_PARTS]
    for key in required:
        if not str(values.get(key) or "").strip():
            label = profile.label_of(key, values)
            problems[key] = [_("%(label)s wajib diisi.", label=label)]
    if innovation.state == "revisions_requested":
        for note in open_notes(innovation):
            if not note.answer.strip():
                problems.setdefault(f"answer_{note.id}", []).append(
                    _("Jawab catatan perbaikan ini sebelum mengajukan lagi.")
                )
    return problems


def submit(
    innovation: Innovation, *, actor: Any, seen_lock: int | None = None
) -> InnovationVersion:
    """Send it to the coordinator: a new immutable numbered version of what is there now."""
    check_fresh(seen_lock, innovation.lock_version)
    if reason := permissions.why_not("submit", innovation):
        raise InnovationError(reason)
    problems = submit_problems(innovation)
    if problems:
        values = innovation.profile or {}
        labels = [
            str(profile.label_of(key, values)) for key in problems if key in profile.FIELDS_BY_KEY
        ]
        if len(labels) < len(problems):
            labels.append(_("jawaban catatan perbaikan"))
        raise InnovationError(
            _("Belum dapat diajukan. Lengkapi dulu: %(fields)s.", fields=", ".join(labels)),
            errors=problems,
        )
    before = _move(innovation, "submit")
    number = innovation.latest_number + 1
    version = InnovationVersion(
        innovation_id=innovation.id,
        number=number,
        profile=dict(innovation.profile or {}),
        files=[f.as_listed() for f in innovation.files if not f.removed],
        office_id=innovation.office_id,
        video_url=innovation.video_url,
        submitted_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    innovation.latest_number = number
    db.session.flush()
    audit.record(
        "innovation.submit",
        innovation,
        actor=actor,
        before={"state": before},
        after={"state": innovation.state, "version": number},
    )
    return version


def verify(innovation: Innovation, *, actor: Any, note: str = "") -> None:
    before = _move(innovation, "verify")
    db.session.flush()
    audit.record(
        "innovation.verify",
        innovation,
        actor=actor,
        before={"state": before},
        after={"state": innovation.state, "version": innovation.latest_number, "note": note},
    )


def request_revisions(innovation: Innovation, notes: dict[str, str], *, actor: Any) -> None:
    """Back to the office with a note per field (key "" for the innovation as a whole)."""
    notes = {key: text.strip() for key, text in notes.items() if text and text.strip()}
    if not notes:
        raise InnovationError(
            _("Tulis paling sedikit satu catatan: apa yang perlu diperbaiki."), field="general"
        )
    unknown = [key for key in notes if key and key not in profile.FIELDS_BY_KEY]
    if unknown:
        raise InnovationError(_("Catatan untuk isian yang tidak dikenal."))
    before = _move(innovation, "request_revisions")
    for key, text in notes.items():
        db.session.add(
            RevisionNote(
                innovation=innovation,
                version_number=innovation.latest_number,
                field_key=key,
                note=text,
                author_id=getattr(actor, "id", None),
            )
        )
    db.session.flush()
    audit.record(
        "innovation.request_revisions",
        innovation,
        actor=actor,
        before={"state": before},
        after={"state": innovation.state, "version": innovation.latest_number, "notes": notes},
    )


def archive(innovation: Innovation, reason: str, *, actor: Any) -> None:
    """Stopped: out of the catalogue, with the coordinator's reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InnovationError(_("Tulis alasan inovasi ini dihentikan."), field="reason")
    before = _move(innovation, "archive")
    was_published = innovation.published_dt is not None
    innovation.archive_reason = reason
    innovation.published_dt = None
    db.session.flush()
    audit.record(
        "innovation.archive",
        innovation,
        actor=actor,
        before={"state": before, "published": was_published},
        after={"state": innovation.state, "reason": reason},
    )


def advance_stage(innovation: Innovation, stage: str, day: date | None, *, actor: Any) -> None:
    """Move to a later stage (a trial becomes an implementation), with the day it began."""
    if reason := permissions.why_not_advance(innovation):
        raise InnovationError(reason)
    if stage not in STAGES or STAGES.index(stage) <= STAGES.index(innovation.stage):
        raise InnovationError(
            _("Tahapan hanya dapat maju: pilih tahapan sesudah tahapan sekarang."), field="stage"
        )
    if stage in STAGE_DATE_KEYS and day is None:
        raise InnovationError(_("Isi tanggal mulai tahapan ini."), field="day")
    before = {"stage": innovation.stage}
    values = dict(innovation.profile or {})
    values["tahapan"] = stage
    if stage in STAGE_DATE_KEYS:
        values[STAGE_DATE_KEYS[stage]] = day.isoformat()
    innovation.profile = values
    _sync(innovation)
    db.session.flush()
    audit.record(
        "innovation.stage",
        innovation,
        actor=actor,
        before=before,
        after={"stage": stage, "date": day.isoformat() if day else None},
    )


# --- files and innovators -----------------------------------------------------------------


def add_file(
    innovation: Innovation, stored: StoredFile, *, name: str, role: str, actor: Any
) -> InnovationFile:
    _check_editable(innovation)
    if role not in FILE_ROLES:
        raise InnovationError(_("Jenis berkas tidak dikenal."), field="role")
    item = InnovationFile(
        innovation=innovation,
        key=stored.key,
        name=(name or "berkas")[:255],
        size=stored.size,
        kind=stored.kind,
        role=role,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        "innovation.file_add",
        innovation,
        actor=actor,
        after={"file_id": item.id, "name": item.name, "role": role},
    )
    return item


def remove_file(innovation: Innovation, item: InnovationFile, *, actor: Any) -> None:
    """Off the working copy; submitted versions keep listing it (the stored file stays)."""
    _check_editable(innovation)
    item.removed = True
    db.session.flush()
    audit.record(
        "innovation.file_remove",
        innovation,
        actor=actor,
        before={"file_id": item.id, "name": item.name, "role": item.role},
    )


def add_innovator(
    innovation: Innovation,
    *,
    user: User | None = None,
    name: str = "",
    role: str = "",
    actor: Any,
) -> Innovator:
    _check_editable(innovation)
    name = (name or "").strip()
    if user is None and not name:
        raise InnovationError(_("Tulis nama inovator."), field="name")
    if user is not None and any(i.user_id == user.id for i in innovation.innovators):
        raise InnovationError(_("Orang ini sudah tercatat sebagai inovator."), field="email")
    person = Innovator(
        innovation=innovation,
        user_id=user.id if user else None,
        user=user,
        name="" if user else name[:200],
        role=(role or "").strip()[:100],
    )
    db.session.add(person)
    db.session.flush()
    audit.record(
        "innovation.innovator_add",
        innovation,
        actor=actor,
        after={"innovator_id": person.id, "user_id": person.user_id, "name": person.name},
    )
    return person


def remove_innovator(innovation: Innovation, person: Innovator, *, actor: Any) -> None:
    _check_editable(innovation)
    audit.record(
        "innovation.innovator_remove",
        innovation,
        actor=actor,
        before={"innovator_id": person.id, "user_id": person.user_id, "name": person.name},
    )
    innovation.innovators.remove(person)
    db.session.flush()


# --- the public catalogue -----------------------------------------------------------------


def _slug_of(innovation: Innovation) -> str:
    text = unicodedata.normalize("NFKD", innovation.name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")
    return f"{words or 'inovasi'}-{innovation.id}"


@dataclass
class CatalogueInput:
    publish: bool
    summary: str = ""
    drivers: str = ""
    obstacles: str = ""
    prerequisites: str = ""
    contact_office: Office | None = None
    #: Innovator ids whose names the catalogue shows.
    shown: set[int] = field(default_factory=set)


def set_catalogue(
    innovation: Innovation, data: CatalogueInput, *, actor: Any, seen_lock: int | None
) -> None:
    """The catalogue texts, the names shown, and whether the page is public."""
    check_fresh(seen_lock, innovation.lock_version)
    if data.publish and (reason := permissions.why_not_publish(innovation)):
        raise InnovationError(reason)
    if data.contact_office is not None:
        _check_office(innovation.region, data.contact_office)
    before = {
        **{key: getattr(innovation, key) for key in CATALOGUE_TEXTS},
        "contact_office_id": innovation.contact_office_id,
        "published": innovation.published_dt is not None,
        "shown": sorted(i.id for i in innovation.innovators if i.show_in_catalogue),
    }
    for key in CATALOGUE_TEXTS:
        setattr(innovation, key, (getattr(data, key) or "").replace("\r\n", "\n").strip())
    innovation.contact_office_id = data.contact_office.id if data.contact_office else None
    for person in innovation.innovators:
        person.show_in_catalogue = person.id in data.shown
    if data.publish and innovation.published_dt is None:
        innovation.published_dt = utcnow()
        innovation.slug = innovation.slug or _slug_of(innovation)
    elif not data.publish:
        innovation.published_dt = None
    _sync(innovation)
    innovation.updated_dt = utcnow()
    db.session.flush()
    after = {
        **{key: getattr(innovation, key) for key in CATALOGUE_TEXTS},
        "contact_office_id": innovation.contact_office_id,
        "published": innovation.published_dt is not None,
        "shown": sorted(i.id for i in innovation.innovators if i.show_in_catalogue),
    }
    audit.record_change("innovation.catalogue", innovation, before, after, actor=actor)


def confirm_running(
    innovation: Innovation, year: int, status: str, note: str, *, actor: Any
) -> Confirmation:
    """This year's answer to "masih berjalan?"; answering again the same year replaces it."""
    if reason := permissions.why_not_confirm(innovation):
        raise InnovationError(reason)
    if status not in CONFIRMATION_STATUSES:
        raise InnovationError(_("Pilih salah satu jawaban."), field="status")
    note = (note or "").strip()
    if status != "running" and not note:
        raise InnovationError(
            _("Tulis keterangannya: sejak kapan berhenti, atau di mana direplikasi."),
            field="note",
        )
    found = next((c for c in innovation.confirmations if c.year == year), None)
    before = {"status": found.status, "note": found.note} if found else None
    if found is None:
        found = Confirmation(innovation=innovation, year=year, status=status)
        db.session.add(found)
    found.status, found.note = status, note
    found.confirmed_by_id = getattr(actor, "id", None)
    found.confirmed_dt = utcnow()
    db.session.flush()
    audit.record(
        "innovation.confirm",
        innovation,
        actor=actor,
        before=before,
        after={"year": year, "status": status, "note": note},
    )
    return found


# --- from a class proposal ----------------------------------------------------------------


def promote(
    region: Region,
    office: Office,
    version: Any,
    carried: queries.Carried,
    *,
    owner: User,
    actor: Any,
) -> Innovation:
    """A draft innovation from a graded class proposal, keeping the link both ways."""
    _check_office(region, office)
    taken = db.session.scalar(
        db.select(Innovation.id).where(Innovation.source_version_id == version.id)
    )
    if taken:
        raise InnovationError(_("Proposal ini sudah terdaftar sebagai inovasi daerah."))
    values = dict(carried.values)
    values.setdefault("perangkat_daerah", office.name)
    values.setdefault("inovator", owner.full_name)
    innovation = create_innovation(
        region, values, Details(office=office, video_url=carried.video_url), actor=actor
    )
    innovation.source_version_id = version.id
    for item in carried.files:
        db.session.add(
            InnovationFile(
                innovation=innovation,
                key=item["key"],
                name=str(item.get("name") or "berkas")[:255],
                size=int(item.get("size") or 0),
                kind=str(item.get("kind") or ""),
                role=item.get("innovation_role", "other"),
                uploaded_by_id=getattr(actor, "id", None),
            )
        )
    db.session.add(Innovator(innovation=innovation, user_id=owner.id, user=owner))
    db.session.flush()
    audit.record(
        "innovation.promote",
        innovation,
        actor=actor,
        after={
            "source_version_id": version.id,
            "files": [f["key"] for f in carried.files],
            "video_url": carried.video_url,
        },
    )
    return innovation
