"""Demo index data: the demo regency reports its twelve innovations for 2023 with evidence at
various levels (so n and MAX(10, n) both show), claimed and verified levels that differ with
the coordinator's notes, a few documents the pre-export checks refuse, the region's own
indicators, last year's official index stored, and the innovation registered from the demo
class (KIT-2023-I) whose bimtek evidence comes from that class: its decree, its daftar hadir
and the innovator's certificate. Every number is illustrative.

Called by :func:`lms.demo.load_demo` after the innovations demo (inside the app, as ``flask lms
demo`` runs it); a region that already reports 2023 keeps what it has, so a second run changes
nothing.
"""

from __future__ import annotations

import contextlib
import io
from datetime import date
from decimal import Decimal
from typing import Any

from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.iid import operations
from lms.iid.models import ClassDocument, Entry, Evidence, StoredIndex
from lms.iid.rules import RuleSet, rules_for
from lms.innovations.models import Innovation
from lms.regions.models import Region

YEAR = 2023
COORDINATOR = "bappeda@example.org"
CLASS_CODE = "KIT-2023-I"
#: Last year's official verified index (the app did not score 2022).
LAST_YEAR_INDEX = Decimal("41.27")
LAST_YEAR_NOTE = "Hasil pengukuran IID 2022 (angka ilustrasi data demo)"
#: How strong each innovation's evidence is, by its position in name order: 3 strong, 0 empty.
STRENGTHS = (3, 2, 3, 1, 2, 2, 0, 3, 1, 2, 1, 2)


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=email))


def _pdf(title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Contoh bukti dukung untuk data demo Kelas Inovasi. Bukan dokumen resmi.")
    return bytes(pdf.output())


def _store(title: str) -> Any:
    from lms.storage import save_upload

    return save_upload(io.BytesIO(_pdf(title)), max_bytes=1_000_000, allowed={"pdf"})


def _image(text: str) -> Any:
    """A small PNG standing in for a screenshot (a QR code of the text, drawn by segno)."""
    import segno

    from lms.storage import save_upload

    out = io.BytesIO()
    segno.make(text).save(out, kind="png", scale=4)
    out.seek(0)
    return save_upload(out, max_bytes=1_000_000, allowed={"png"})


def _level(strength: int, position: int, top: int) -> int | None:
    """A spread of levels: stronger innovations higher, every few rows one step lower, a few
    rows of the weaker ones left empty."""
    if strength == 0:
        return None
    level = strength - (1 if position % 4 == 3 else 0) + (1 if position % 7 == 0 else 0)
    return max(1, min(top, level)) if position % 9 != 8 or strength > 2 else None


def _shift(innovation: Innovation, position: int) -> int:
    """The row's position moved by the innovation, so innovations differ in what they lack."""
    return position + innovation.id


def _innovation_evidence(
    region: Region,
    rules: RuleSet,
    innovation: Innovation,
    strength: int,
    actor: Any,
    *,
    skip: set[str],
) -> None:
    makers = {
        "decree": lambda: _store(f"SK {innovation.name[:60]}"),
        "pdf": lambda: _store(f"Laporan {innovation.name[:60]}"),
        "image": lambda: _image(f"Tangkapan layar {innovation.name[:60]}"),
    }
    made: dict[str, Any] = {}

    def document(kind: str) -> Any:
        # Stored on first use: a file no evidence names would be an orphan in the store.
        if kind not in made:
            made[kind] = makers[kind]()
        return made[kind]

    for position, (ind, row) in enumerate(
        (i, r) for i in rules.innovation_indicators for r in i.rows
    ):
        if row.code in skip:
            continue
        claimed = _level(strength, _shift(innovation, position), rules.max_level)
        if claimed is None:
            continue
        operations.claim(
            region, YEAR, rules, innovation, row.code, claimed, actor=actor, seen_lock=None
        )
        kinds = {k for item in ind.evidence for k in item.kinds}
        if "video" in kinds:
            url = (
                "http://youtube.com/watch?v=demo-lama"  # not https: the checks refuse it
                if strength == 1
                else f"https://www.youtube.com/watch?v=demo-{innovation.id}"
            )
            operations.add_document(
                region,
                YEAR,
                rules,
                innovation,
                row.code,
                operations.DocumentInput(kind="video", url=url, about="Video inovasi"),
                actor=actor,
            )
        elif "decree" in kinds:
            operations.add_document(
                region,
                YEAR,
                rules,
                innovation,
                row.code,
                operations.DocumentInput(
                    kind="decree",
                    stored=document("decree"),
                    name=f"sk-{row.code.lower()}.pdf",
                    # One in five decrees lacks its number: the checks show it.
                    number=""
                    if _shift(innovation, position) % 5 == 4
                    else f"{100 + position}/SK/{YEAR}",
                    doc_date=date(YEAR - 1, 1 + position % 12, 10),
                    about=ind.name,
                ),
                actor=actor,
            )
        elif kinds & {"pdf", "image"}:
            kind = "pdf" if "pdf" in kinds else "image"
            operations.add_document(
                region,
                YEAR,
                rules,
                innovation,
                row.code,
                operations.DocumentInput(
                    kind=kind,
                    stored=document(kind),
                    name=f"bukti-{row.code.lower()}.{'pdf' if kind == 'pdf' else 'png'}",
                    about=ind.name,
                ),
                actor=actor,
            )
        verified = claimed
        note = ""
        if position % 3 == 1 and claimed > 1:
            verified, note = claimed - 1, "Bukti belum memenuhi parameter tingkat yang diklaim."
        if strength == 1 and position % 2:
            continue  # a weak innovation: half its claims wait for verification
        operations.verify(
            region, YEAR, rules, innovation, row.code, verified, note, actor=actor, seen_lock=None
        )


def _region_evidence(region: Region, rules: RuleSet, actor: Any) -> None:
    stored = _store("Dokumen perencanaan daerah")
    for position, row in enumerate(rules.rows("region")):
        claimed = 3 if position % 3 else 2
        operations.claim(region, YEAR, rules, None, row.code, claimed, actor=actor, seen_lock=None)
        operations.add_document(
            region,
            YEAR,
            rules,
            None,
            row.code,
            operations.DocumentInput(
                kind="pdf", stored=stored, name=f"{row.code.lower()}.pdf", about=row.name
            ),
            actor=actor,
        )
        if position % 5 != 4:
            verified = claimed if position % 4 else claimed - 1
            note = "" if verified == claimed else "Capaian di bawah ambang tingkat 3."
            operations.verify(
                region, YEAR, rules, None, row.code, verified, note, actor=actor, seen_lock=None
            )


def _class_evidence(innovation: Innovation, actor: Any) -> None:
    """The demo class's decree, and a certificate for the innovator who attended it."""
    from lms.certificates import operations as certificates
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort

    cohort = db.session.scalar(db.select(Cohort).filter_by(code=CLASS_CODE))
    if cohort is None:
        return
    organizer = _user("panitia@example.org") or actor
    if not db.session.scalar(db.select(ClassDocument.id).filter_by(cohort_id=cohort.id).limit(1)):
        operations.add_class_document(
            cohort,
            _store(f"Surat Keputusan Penyelenggaraan {cohort.name}"),
            name="sk-penyelenggaraan-kit-2023-i.pdf",
            kind="decree",
            number="800/215/Bappelitbangda/2023",
            doc_date=date(2023, 8, 28),
            about=f"Penyelenggaraan {cohort.name}",
            actor=organizer,
        )
    owners = [i.user_id for i in innovation.innovators if i.user_id]
    held = set(
        db.session.scalars(
            db.select(Certificate.user_id).where(
                Certificate.cohort_id == cohort.id, Certificate.state == "issued"
            )
        )
    )
    wanted = [uid for uid in owners if uid not in held]
    if wanted:
        # Not a participant of the class (refused): the bimtek evidence is its attendance then.
        with contextlib.suppress(DomainError):
            certificates.issue(
                cohort,
                wanted,
                actor=organizer,
                overrides=dict.fromkeys(wanted, "Bukti bimtek IID (data demo)"),
            )


def load(region: Region) -> int:
    """The 2023 report of ``region``; returns how many innovations were entered. Runs inside
    the app: its upload store holds the demo documents."""
    actor = _user(COORDINATOR)
    try:
        rules = rules_for(YEAR)
    except LookupError:
        return 0
    if actor is None:
        return 0
    if (
        db.session.scalar(db.select(StoredIndex.id).filter_by(region_id=region.id, year=YEAR - 1))
        is None
    ):
        operations.set_stored_index(region, YEAR - 1, LAST_YEAR_INDEX, LAST_YEAR_NOTE, actor=actor)
    innovations = list(
        db.session.scalars(
            db.select(Innovation)
            .filter_by(region_id=region.id)
            .order_by(Innovation.name, Innovation.id)
        )
    )
    from_class = next((i for i in innovations if i.source_version_id is not None), None)
    if from_class is not None:
        _class_evidence(from_class, actor)
    if db.session.scalar(db.select(Entry.id).filter_by(region_id=region.id, year=YEAR).limit(1)):
        return 0
    bimtek = rules.by_role("bimtek")
    entered = 0
    for position, innovation in enumerate(innovations[: len(STRENGTHS)]):
        if innovation.state == "archived":
            # Stopped after it was reported: its 2023 entry stands (no new entry would).
            db.session.add(Entry(region_id=region.id, innovation_id=innovation.id, year=YEAR))
            db.session.flush()
        else:
            operations.enter(region, YEAR, innovation, actor=actor)
        entered += 1
        skip = {bimtek.rows[0].code} if bimtek is not None and innovation is from_class else set()
        _innovation_evidence(region, rules, innovation, STRENGTHS[position], actor, skip=skip)
    if not db.session.scalar(
        db.select(Evidence.id)
        .filter_by(region_id=region.id, year=YEAR, innovation_id=None)
        .limit(1)
    ):
        _region_evidence(region, rules, actor)
    db.session.flush()
    return entered
