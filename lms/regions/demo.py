# ruff: noqa: E501  (a data table reads best one office a line)
"""The demo region: a fictional regency in South Sulawesi, its offices and region roles.

Called by :func:`lms.demo.load_demo`; creates what is missing and leaves the rest alone, so a
second run changes nothing. Every person here is fictional.
"""

from __future__ import annotations

from collections.abc import Iterable

from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.regions import operations, queries
from lms.regions.models import Office, Region, RegionMembership

REGION = {
    "code": "7399",
    "name": "Kabupaten Lamaru",
    "kind": "kabupaten",
    "province": "Sulawesi Selatan",
    "timezone": "Asia/Makassar",
    "agency_name": "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah Kabupaten Lamaru",
}

#: (name, acronym, kind, parent acronym)
OFFICES = [
    ("Sekretariat Daerah", "Setda", "sekretariat", None),
    (
        "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah",
        "Bappelitbangda",
        "badan",
        None,
    ),
    ("Inspektorat Daerah", "Inspektorat", "inspektorat", None),
    ("Dinas Kesehatan", "Dinkes", "dinas", None),
    ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "dinas", None),
    ("Dinas Pendidikan", "Disdik", "dinas", None),
    ("Dinas Komunikasi dan Informatika", "Diskominfo", "dinas", None),
    ("Dinas Pertanian", "Distan", "dinas", None),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR", "dinas", None),
    ("Badan Keuangan Daerah", "Bakeuda", "badan", None),
    ("Rumah Sakit Umum Daerah Lamaru", "RSUD", "rsud", "Dinkes"),
    ("Puskesmas Balangnipa", "", "puskesmas", "Dinkes"),
    ("Puskesmas Tondong", "", "puskesmas", "Dinkes"),
    ("Puskesmas Bikeru", "", "puskesmas", "Dinkes"),
    ("Puskesmas Bulupoddo", "", "puskesmas", "Dinkes"),
    ("Kecamatan Lamaru Utara", "", "kecamatan", "Setda"),
    ("Kecamatan Lamaru Timur", "", "kecamatan", "Setda"),
]

#: (email, name with titles, NIP, rank, position, office acronym or name, role)
PEOPLE = [
    (
        "bappeda@example.org",
        "Rahmat Hidayat, S.E., M.Si.",
        "197604182002121003",
        "IV/a",
        "Kepala Bidang Penelitian dan Pengembangan",
        "Bappelitbangda",
        "coordinator",
    ),
    (
        "opd.dinkes@example.org",
        "Sri Rahayu, S.KM., M.Kes.",
        "198307142009022004",
        "III/d",
        "Perencana Ahli Muda",
        "Dinkes",
        "office_operator",
    ),
    (
        "opd.dukcapil@example.org",
        "Andi Irfan, S.Kom.",
        "199002032015031002",
        "III/b",
        "Pranata Komputer Ahli Pertama",
        "Disdukcapil",
        "office_operator",
    ),
    (
        "pimpinan@example.org",
        "Ir. H. Baharuddin Lamba, M.M.",
        "196811051994031006",
        "IV/c",
        "Sekretaris Daerah",
        "Setda",
        "leader",
    ),
]
EMAILS = frozenset(email for email, *_rest in PEOPLE)

#: The demo participants' free-text offices that name an office of the region. The other
#: texts (kecamatan of another name, schools) are left for the coordinator's matching page.
TEXT_LINKS = {
    "Dinas Kesehatan": "Dinkes",
    "Puskesmas Balangnipa": "Puskesmas Balangnipa",
    "Puskesmas Tondong": "Puskesmas Tondong",
    "Puskesmas Bikeru": "Puskesmas Bikeru",
    "Puskesmas Bulupoddo": "Puskesmas Bulupoddo",
    "Dinas Pertanian": "Distan",
    "Dinas Kominfo": "Diskominfo",
    "Dinas Komunikasi dan Informatika": "Diskominfo",
    "Dinas Dukcapil": "Disdukcapil",
    "Dinas PUPR": "PUPR",
    "RSUD": "RSUD",
    "Badan Keuangan Daerah": "Bakeuda",
    "Bappelitbangda": "Bappelitbangda",
}


def load(classes: Iterable[Cohort]) -> Region:
    """The demo region with its offices and people; ``classes`` are linked to it unless they
    already belong to a region."""
    region = db.session.scalar(db.select(Region).filter_by(code=REGION["code"]))
    if region is None:
        region = operations.create_region({**REGION, "parent_id": None}, actor=None)
    offices = _offices(region)
    for cohort in classes:
        if cohort.region_id is None:
            cohort.region_id = region.id
    db.session.flush()
    for email, name, nip, rank, position, office_ref, role in PEOPLE:
        office = offices[office_ref]
        user = db.session.scalar(db.select(User).filter_by(email=email))
        if user is None:
            from lms.demo import DEMO_PASSWORD

            user = accounts.create_user(
                email=email,
                full_name=name,
                password=DEMO_PASSWORD,
                nip=nip,
                rank=rank,
                position=position,
                office=office.acronym or office.name,
            )
            user.office_id = office.id
        held = db.session.scalar(
            db.select(RegionMembership.id).filter_by(
                region_id=region.id, user_id=user.id, role=role
            )
        )
        if held is None:
            operations.add_role(
                region,
                identifier=email,
                role=role,
                office=office if role == "office_operator" else None,
                actor=None,
            )
    for text, office_ref in TEXT_LINKS.items():
        db.session.execute(
            db.update(User)
            .where(User.id.in_(queries.people_of(region)))
            .where(User.office == text, User.office_id.is_(None))
            .values(office_id=offices[office_ref].id)
        )
    db.session.flush()
    return region


def _offices(region: Region) -> dict[str, Office]:
    """The demo offices by acronym and by name, created where missing."""
    stored = {
        o.name: o for o in db.session.scalars(db.select(Office).filter_by(region_id=region.id))
    }
    by_ref: dict[str, Office] = {}
    for name, acronym, kind, parent_ref in OFFICES:
        office = stored.get(name)
        if office is None:
            office = operations.create_office(
                region,
                {
                    "name": name,
                    "acronym": acronym,
                    "kind": kind,
                    "parent_id": by_ref[parent_ref].id if parent_ref else None,
                },
                actor=None,
            )
        by_ref[name] = office
        if acronym:
            by_ref[acronym] = office
    return by_ref
