"""Clinic fixtures: a region with offices and people in every clinic role, a civil servant of
one of its offices, and cases opened and moved through the operations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from lms.clinic import operations
from lms.clinic.access import CaseAccess
from lms.clinic.models import Consultation
from lms.clinic.stages import current_stages
from lms.regions.models import Office, Region, RegionMembership


@dataclass
class Clinic:
    region: Region
    dinkes: Office
    disdik: Office
    other_region: Region
    coordinator: Any
    mentor: Any
    mentor2: Any
    #: A mentor of the region not assigned to the cases made here.
    other_mentor: Any
    leader: Any
    #: A civil servant of Dinkes (User.office_id) who opens cases.
    requester: Any
    #: A civil servant of the same office, not on any case.
    colleague: Any
    #: A coordinator of another region.
    other_coordinator: Any


@pytest.fixture
def clinic(db: Any, make_user: Callable[..., Any]) -> Clinic:
    region = Region(code="7399", name="Kabupaten Uji", kind="kabupaten", timezone="Asia/Makassar")
    other = Region(code="7398", name="Kota Lain", kind="kota", timezone="Asia/Makassar")
    dinkes = Office(region=region, name="Dinas Kesehatan", acronym="Dinkes")
    disdik = Office(region=region, name="Dinas Pendidikan", acronym="Disdik")
    db.session.add_all([region, other, dinkes, disdik])
    db.session.flush()
    people = {
        name: make_user(full_name=full)
        for name, full in (
            ("coordinator", "Koordinator Klinik, S.E."),
            ("mentor", "Pendamping Satu, M.Si."),
            ("mentor2", "Pendamping Dua, S.Sos."),
            ("other_mentor", "Pendamping Lain"),
            ("leader", "Pimpinan Daerah"),
            ("requester", "Andi Pemohon, S.KM."),
            ("colleague", "Rekan Sekantor"),
            ("other_coordinator", "Koordinator Kota Lain"),
        )
    }
    people["requester"].office_id = dinkes.id
    people["colleague"].office_id = dinkes.id
    for name, role, where in (
        ("coordinator", "coordinator", region),
        ("mentor", "mentor", region),
        ("mentor2", "mentor", region),
        ("other_mentor", "mentor", region),
        ("leader", "leader", region),
        ("other_coordinator", "coordinator", other),
    ):
        db.session.add(RegionMembership(region=where, user=people[name], role=role))
    db.session.commit()
    return Clinic(region, dinkes, disdik, other, **people)


@pytest.fixture
def make_case(app: Any, db: Any, clinic: Clinic) -> Callable[..., Consultation]:
    """``make_case(state="active", stage="design", mentors=[...], **opening)``: a case opened
    by the requester and moved through the operations (so its states are reachable ones)."""

    def make(
        *,
        state: str = "new",
        stage: str | None = None,
        mentors: list[Any] | None = None,
        requester: Any = None,
        **opening: Any,
    ) -> Consultation:
        requester = requester or clinic.requester
        with app.test_request_context():
            stages = current_stages(app.config)
            values = {
                "title": "Antrean panjang di loket",
                "problem": "Warga menunggu **tiga jam** untuk dilayani.",
                "office": clinic.dinkes,
                "category": "new_idea",
                "urgency": "normal",
                **opening,
            }
            consultation = operations.open_case(
                clinic.region, requester, operations.Opening(**values), stages
            )
            if state != "new":
                operations.accept(
                    consultation, mentors or [clinic.mentor], actor=clinic.coordinator
                )
            boss = CaseAccess(coordinator=True)
            while stage and consultation.stage != stage:
                operations.move_on(
                    consultation,
                    stages,
                    boss,
                    operations.MoveInput(override_reason="Uji: dilewati."),
                    actor=clinic.coordinator,
                )
            if state == "closed":
                operations.close(
                    consultation, "Sudah selesai di tempat lain.", actor=clinic.coordinator
                )
            db.session.commit()
        return consultation

    return make


def page(response: Any) -> str:
    return response.get_data(as_text=True)
