"""Registry fixtures: a region with three offices and people in every region role, another
region, and innovations made through the operations (so their states are reachable ones)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from lms.innovations import operations
from lms.innovations.models import Innovation
from lms.regions.models import Office, Region, RegionMembership

RANCANG_BANGUN = {
    "latar_belakang": "Antrean panjang di loket.",
    "dasar_hukum": "PP 38/2017 tentang Inovasi Daerah.",
    "isu_strategis": "Pelayanan dasar yang lambat.",
    "metode_pembaharuan": "Pendaftaran daring lewat ponsel.",
    "keunggulan": "Tidak perlu datang dua kali.",
    "cara_kerja": "Warga mendaftar, petugas memverifikasi, dokumen dikirim.",
}
#: Everything submit asks for, and a contact the catalogue must never show.
COMPLETE = {
    "nama_inovasi": "Si Cepat",
    "bentuk": "pelayanan_publik",
    "jenis": "digital",
    "inisiator": "asn",
    "urusan": "kesehatan",
    "tahapan": "uji_coba",
    "tanggal_uji_coba": "2024-02-01",
    "manfaat": "Waktu tunggu turun dari tiga hari menjadi satu hari.",
    "hasil": "Seribu warga terlayani.",
    "kontak": "rahasia.kontak@example.org 081234567890",
    **RANCANG_BANGUN,
}


@dataclass
class Registry:
    region: Region
    dinkes: Office
    dukcapil: Office
    bappeda: Office
    other_region: Region
    other_office: Office
    coordinator: Any
    op_dinkes: Any
    op_dukcapil: Any
    leader: Any
    mentor: Any
    outsider: Any


@pytest.fixture
def registry(db: Any, make_user: Callable[..., Any]) -> Registry:
    region = Region(code="7399", name="Kabupaten Uji", kind="kabupaten", timezone="Asia/Makassar")
    other = Region(code="7398", name="Kota Lain", kind="kota", timezone="Asia/Makassar")
    dinkes = Office(region=region, name="Dinas Kesehatan", acronym="Dinkes")
    dukcapil = Office(
        region=region, name="Dinas Kependudukan dan Pencatatan Sipil", acronym="Disdukcapil"
    )
    bappeda = Office(region=region, name="Bappelitbangda", acronym="Bappeda", kind="badan")
    other_office = Office(region=other, name="Dinas Kesehatan Kota", acronym="Dinkes Kota")
    db.session.add_all([region, other, dinkes, dukcapil, bappeda, other_office])
    db.session.flush()
    people = {
        name: make_user(full_name=full, nip=nip, phone=phone)
        for name, full, nip, phone in (
            ("coordinator", "Koordinator Uji, S.E.", "197604182002121003", "081100000001"),
            ("op_dinkes", "Operator Dinkes, S.KM.", "198307142009022004", "081100000002"),
            ("op_dukcapil", "Operator Dukcapil, S.Kom.", "199002032015031002", "081100000003"),
            ("leader", "Pimpinan Uji, M.M.", "196811051994031006", "081100000004"),
            ("mentor", "Pendamping Uji", "198001012005011001", "081100000005"),
            ("outsider", "Orang Luar", "198202022006021002", "081100000006"),
        )
    }
    for name, role, office in (
        ("coordinator", "coordinator", None),
        ("op_dinkes", "office_operator", dinkes),
        ("op_dukcapil", "office_operator", dukcapil),
        ("leader", "leader", None),
        ("mentor", "mentor", None),
    ):
        db.session.add(RegionMembership(region=region, user=people[name], role=role, office=office))
    db.session.commit()
    return Registry(region, dinkes, dukcapil, bappeda, other, other_office, **people)


@pytest.fixture
def make_innovation(app: Any, db: Any, registry: Registry) -> Callable[..., Innovation]:
    """``make_innovation(office=..., state="verified", **profile)``: a complete profile moved
    to ``state`` through the workflow's operations."""

    def make(*, office: Office | None = None, state: str = "draft", **values: Any) -> Innovation:
        office = office or registry.dinkes
        actor = registry.coordinator
        with app.test_request_context():
            innovation = operations.create_innovation(
                office.region,
                {**COMPLETE, **values},
                operations.Details(office=office),
                actor=actor,
            )
            if state in ("submitted", "revisions_requested", "verified", "archived"):
                operations.submit(innovation, actor=actor)
            if state == "revisions_requested":
                operations.request_revisions(
                    innovation, {"manfaat": "Tambahkan data pembanding."}, actor=actor
                )
            if state in ("verified", "archived"):
                operations.verify(innovation, actor=actor)
            if state == "archived":
                operations.archive(innovation, "Anggaran dihentikan.", actor=actor)
            db.session.commit()
        return innovation

    return make


def page(response: Any) -> str:
    return response.get_data(as_text=True)
