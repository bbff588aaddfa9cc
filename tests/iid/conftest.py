"""Fixtures of the IID tests: a rule file written to tmp_path; a region with two offices and
people in every region role, another region's coordinator; innovations made through the
registry's operations; and a class whose proposal and video an innovation came from."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lms.extensions import db as _db
from lms.iid import operations
from lms.iid.rules import rules_for
from lms.innovations import operations as registry_ops
from lms.innovations.models import Innovation
from lms.regions.models import Office, Region, RegionMembership
from tests.iid.rule_files import MINI

YEAR = 2023
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def write_rules(tmp_path: Path):
    """``write_rules(text, name="2030.toml")`` -> the path of a rule file in tmp_path."""

    def write(text: str = MINI, name: str = "2030.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def pdf_bytes(text: str = "Bukti") -> bytes:
    """A real one-page PDF (pypdf can merge it)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


@dataclass
class World:
    region: Region
    dinkes: Office
    disdik: Office
    other_region: Region
    coordinator: Any
    op_dinkes: Any
    op_disdik: Any
    leader: Any
    mentor: Any
    other_coordinator: Any

    @property
    def base(self) -> str:
        return f"/regions/{self.region.code}/iid"


@pytest.fixture
def world(db: Any, make_user: Callable[..., Any]) -> World:
    region = Region(
        code="7311", name="Kabupaten Uji IID", kind="kabupaten", timezone="Asia/Makassar"
    )
    other = Region(code="7312", name="Kota Lain IID", kind="kota", timezone="Asia/Makassar")
    dinkes = Office(region=region, name="Dinas Kesehatan", acronym="Dinkes")
    disdik = Office(region=region, name="Dinas Pendidikan", acronym="Disdik")
    db.session.add_all([region, other, dinkes, disdik])
    db.session.flush()
    people = {
        name: make_user(full_name=full)
        for name, full in (
            ("coordinator", "Koordinator IID"),
            ("op_dinkes", "Operator Dinkes"),
            ("op_disdik", "Operator Disdik"),
            ("leader", "Pimpinan IID"),
            ("mentor", "Pendamping IID"),
            ("other_coordinator", "Koordinator Lain"),
        )
    }
    for name, role, office, where in (
        ("coordinator", "coordinator", None, region),
        ("op_dinkes", "office_operator", dinkes, region),
        ("op_disdik", "office_operator", disdik, region),
        ("leader", "leader", None, region),
        ("mentor", "mentor", None, region),
        ("other_coordinator", "coordinator", None, other),
    ):
        db.session.add(RegionMembership(region=where, user=people[name], role=role, office=office))
    db.session.commit()
    return World(region, dinkes, disdik, other, **people)


PROFILE = {
    "bentuk": "pelayanan_publik",
    "jenis": "digital",
    "inisiator": "asn",
    "urusan": "kesehatan",
    "tahapan": "penerapan",
    "tanggal_uji_coba": "2022-02-01",
    "tanggal_penerapan": "2022-08-01",
    "latar_belakang": "Antrean panjang.",
    "tujuan": "Layanan cepat.",
    "manfaat": "Warga terlayani.",
    "hasil": "Seribu warga.",
}


@pytest.fixture
def make_innovation(app: Any, db: Any, world: World) -> Callable[..., Innovation]:
    """``make_innovation("Nama", office=..., **profile)``: a draft innovation of the region."""

    def make(name: str = "Si Cepat", *, office: Office | None = None, **values: Any) -> Innovation:
        with app.test_request_context():
            innovation = registry_ops.create_innovation(
                world.region,
                {**PROFILE, "nama_inovasi": name, **values},
                registry_ops.Details(office=office or world.dinkes),
                actor=world.coordinator,
            )
            db.session.commit()
        return innovation

    return make


@pytest.fixture
def report(app: Any, db: Any, world: World) -> Callable[..., Any]:
    """``report(innovation, {"SID-16": (claimed, verified)}, year=2023)``: the innovation
    entered in the year with those levels (a differing verification gets a note)."""

    def fill(innovation: Innovation | None, levels: dict[str, tuple], year: int = YEAR) -> None:
        with app.test_request_context():
            rules = rules_for(year)
            if innovation is not None:
                operations.enter(world.region, year, innovation, actor=world.coordinator)
            for code, (claimed, verified) in levels.items():
                if claimed is not None:
                    operations.claim(
                        world.region,
                        year,
                        rules,
                        innovation,
                        code,
                        claimed,
                        actor=world.coordinator,
                        seen_lock=None,
                    )
                if verified is not None:
                    operations.verify(
                        world.region,
                        year,
                        rules,
                        innovation,
                        code,
                        verified,
                        "" if verified == claimed else "Bukti kurang.",
                        actor=world.coordinator,
                        seen_lock=None,
                    )
            _db.session.commit()

    return fill


def store(app: Any, data: bytes, kinds: set[str]) -> Any:
    from lms.storage import save_upload

    with app.test_request_context():
        return save_upload(io.BytesIO(data), max_bytes=50_000_000, allowed=kinds)


VIDEO_TOML = (
    'title = "Video"\nkind = "video"\ninstructions = "Unggah video."\nmax_duration_seconds = 900\n'
)


@dataclass
class ClassWorld:
    cohort: Any
    participant: Any
    organizer: Any
    meeting: Any
    innovation: Innovation
    video_version: Any


@pytest.fixture
def class_world(
    app, db, world, make_user, make_cohort, make_course, make_meeting, make_innovation
) -> ClassWorld:
    """A 2023 class whose participant attended, holds a certificate, wrote the proposal the
    innovation came from and made its video (3 of 5 elements); the class has its decree."""
    from datetime import timedelta

    from werkzeug.datastructures import FileStorage

    from lms.attendance.operations import set_mark
    from lms.certificates import operations as certificates
    from lms.db import utcnow
    from lms.innovations.models import Innovator
    from lms.submissions import operations as subs
    from lms.submissions.fields import PP38_CRITERIA
    from tests.helpers import ASSIGNMENT_TOML
    from tests.submissions.mp4 import make_mp4

    participant = make_user(full_name="Peserta Bimtek, S.Kep.", nip="199204022017032001")
    organizer = make_user(full_name="Panitia Kelas")
    cohort = make_cohort(
        participants=[participant],
        organizers=[organizer],
        start_date=date(2023, 9, 5),
        end_date=date(2023, 9, 7),
        signer_name="Kepala Badan",
        signer_title="Kepala",
    )
    make_course(cohorts=[cohort], assignments={"proposal": ASSIGNMENT_TOML, "video": VIDEO_TOML})
    start = utcnow().replace(year=2023, month=9, day=5, hour=1, minute=0, second=0, microsecond=0)
    meeting = make_meeting(
        cohort, starts_in=timedelta(0), start_dt=start, end_dt=start + timedelta(hours=6)
    )
    innovation = make_innovation("Si Bimtek")
    with app.test_request_context():
        set_mark(meeting, participant, "present", actor=organizer)
        certificates.issue(
            cohort, [participant.id], actor=organizer, overrides={participant.id: "Uji IID"}
        )
        stored = store(app, pdf_bytes("SK kegiatan"), {"pdf"})
        operations.add_class_document(
            cohort,
            stored,
            name="sk-kegiatan.pdf",
            kind="decree",
            number="800/12/2023",
            doc_date=date(2023, 8, 28),
            about="Kelas inovasi",
            actor=organizer,
        )
        assignments = {a.spec.kind: a for a in subs.ensure_cohort_assignments(cohort)}
        proposal = subs.submission_for(assignments["proposal"], participant)
        subs.save_draft(
            proposal,
            {
                "nama_inovasi": "Si Bimtek",
                "latar_belakang": "Kader belum terlatih.",
                "dasar_hukum": "PP 38/2017.",
                "isu_strategis": "Layanan dasar.",
                "metode_pembaharuan": "Pelatihan berjenjang.",
                "keunggulan": "Murah.",
                "cara_kerja": " ".join(["kata"] * 300),
            },
        )
        version = subs.submit(
            proposal, self_check={k: True for k, _l in PP38_CRITERIA}, statement=True
        )
        saved = subs.save_video(
            assignments["video"],
            participant,
            seen_lock=None,
            fields={
                "video_url": "https://youtu.be/si-bimtek",
                "unsur": ["latar_belakang", "manfaat", "dampak"],
            },
            video=FileStorage(io.BytesIO(make_mp4(60)), filename="video-kelas.mp4"),
        )
        video_version = subs.submit(saved.submission, self_check={}, statement=True)
        innovation = db.session.get(Innovation, innovation.id)
        innovation.source_version_id = version.id
        db.session.add(Innovator(innovation=innovation, user_id=participant.id))
        db.session.commit()
    return ClassWorld(cohort, participant, organizer, meeting, innovation, video_version)
