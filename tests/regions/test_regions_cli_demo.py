"""``flask lms regions list`` and the demo region."""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.cohorts.models import Cohort
from lms.demo import load_demo
from lms.regions.models import Office, Region, RegionMembership


def test_regions_list_prints_code_and_name_one_a_line(app, db, make_region):
    make_region(code="7399", name="Kabupaten Lamaru")
    make_region(code="73", name="Provinsi Sulawesi Selatan", kind="provinsi")
    result = app.test_cli_runner().invoke(args=["lms", "regions", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["73 Provinsi Sulawesi Selatan", "7399 Kabupaten Lamaru"]


@pytest.fixture
def fast_hash(monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
    )


def _counts(db) -> tuple[int, ...]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Region, Office, RegionMembership, User, AuditEvent)
    )


def test_the_demo_region_its_people_and_classes_and_a_second_run_changes_nothing(
    app, db, fast_hash
):
    with app.test_request_context():
        load_demo()
        first = _counts(db)
        linked_first = dict(db.session.execute(db.select(User.email, User.office_id)).all())
        load_demo()
        assert _counts(db) == first
        assert dict(db.session.execute(db.select(User.email, User.office_id)).all()) == (
            linked_first
        )
    region = db.session.scalar(db.select(Region).filter_by(code="7399"))
    assert region.name == "Kabupaten Lamaru" and region.timezone == "Asia/Makassar"
    assert region.agency_name.startswith(
        "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah Kabupaten Lamaru"
    )
    offices = {o.acronym or o.name: o for o in region.offices}
    assert len(offices) >= 15
    assert offices["Puskesmas Tondong"].parent is offices["Dinkes"]
    assert offices["Kecamatan Lamaru Utara"].parent is offices["Setda"]
    codes = db.session.scalars(db.select(Cohort.code).filter_by(region_id=region.id)).all()
    assert sorted(codes) == ["KIT-2023-I", "KIV-2024-I"]
    roles = {
        (m.user.email, m.role, m.office.acronym if m.office else None)
        for m in db.session.scalars(db.select(RegionMembership).filter_by(region_id=region.id))
    }
    assert roles == {
        ("bappeda@example.org", "coordinator", None),
        ("opd.dinkes@example.org", "office_operator", "Dinkes"),
        ("opd.dukcapil@example.org", "office_operator", "Disdukcapil"),
        ("pimpinan@example.org", "leader", None),
        ("pendamping@example.org", "mentor", None),  # the demo clinic's (lms/clinic/demo.py)
    }
    for email in ("bappeda@example.org", "opd.dinkes@example.org", "pimpinan@example.org"):
        assert db.session.scalar(db.select(User).filter_by(email=email)).check_password(
            "kelasinovasi"
        )
    peserta1 = db.session.scalar(db.select(User).filter_by(email="peserta1@example.org"))
    assert peserta1.office == "Dinas Kesehatan" and peserta1.office_id == offices["Dinkes"].id
    dukcapil = db.session.scalar(db.select(User).filter_by(email="peserta8@example.org"))
    assert dukcapil.office_id == offices["Disdukcapil"].id


def test_the_demo_coordinator_sees_the_region_on_the_dashboard(
    app, db, client, login_as, fast_hash
):
    with app.test_request_context():
        load_demo()
    coordinator = db.session.scalar(db.select(User).filter_by(email="bappeda@example.org"))
    login_as(coordinator)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Kabupaten Lamaru" in html and "Koordinator" in html
    match = client.get("/regions/7399/offices/match").get_data(as_text=True)
    assert "SMP Negeri 2 Lamaru Utara" in match  # a text left for the coordinator
