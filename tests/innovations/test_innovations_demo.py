"""The demo registry: twelve innovations of the demo regency in every state and stage, one
from the demo class's graded proposal, and a second run changes nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from lms import COURSES_DIR
from lms.catalog.operations import sync_all
from lms.catalog.packs import discover
from lms.demo import load_demo
from lms.innovations.models import Confirmation, Innovation, RevisionNote
from lms.regions.models import Region


@pytest.fixture
def fast_hash(monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
    )


def test_the_demo_innovations_alone_and_a_second_run_changes_nothing(
    app, db, client, login_as, fast_hash
):
    from lms.innovations import demo
    from lms.regions import demo as regions_demo

    with app.test_request_context():
        region = regions_demo.load([])
        assert demo.load(region) == 11
        assert demo.load(region) == 0
        db.session.commit()
    rows = list(db.session.scalars(db.select(Innovation).filter_by(region_id=region.id)))
    assert len(rows) == 11
    assert {i.state for i in rows} == {
        "draft",
        "submitted",
        "revisions_requested",
        "verified",
        "archived",
    }
    assert {i.created_dt.year for i in rows} >= {2023, 2024, 2025}
    login_as(None)
    catalogue = client.get("/inovasi").get_data(as_text=True)
    assert "KTP Kilat Kecamatan" in catalogue and "Satu Data Desa" not in catalogue


def test_the_demo_registry(app, db, client, login_as, fast_hash):
    with app.test_request_context():
        sync_all(discover(COURSES_DIR))
        load_demo()
        first = db.session.scalar(db.select(db.func.count(Innovation.id)))
        load_demo()
        # Twelve, and the one the demo clinic's Deliver case produced (lms/clinic/demo.py).
        assert db.session.scalar(db.select(db.func.count(Innovation.id))) == first == 13
    region = db.session.scalar(db.select(Region).filter_by(code="7399"))
    rows = list(db.session.scalars(db.select(Innovation).filter_by(region_id=region.id)))
    assert {i.state for i in rows} == {
        "draft",
        "submitted",
        "revisions_requested",
        "verified",
        "archived",
    }
    assert {i.stage for i in rows} == {"inisiatif", "uji_coba", "penerapan"}
    offices = Counter(i.office.acronym for i in rows)
    assert offices["Dinkes"] >= 4 and offices["Disdukcapil"] >= 4
    promoted = [i for i in rows if i.source_version_id]
    assert len(promoted) == 1 and promoted[0].office.acronym == "Dinkes"
    assert any(i.published for i in rows)
    (archived,) = [i for i in rows if i.state == "archived"]
    assert archived.archive_reason
    notes = list(db.session.scalars(db.select(RevisionNote)))
    assert notes and all(n.answer for n in notes)
    assert db.session.scalar(db.select(db.func.count(Confirmation.id))) >= 1
    assert any(i.replicated_from_id for i in rows) and any(i.replicated_from_url for i in rows)

    from lms.accounts.models import User

    def listed(email):
        login_as(db.session.scalar(db.select(User).filter_by(email=email)))
        text = client.get(f"/regions/{region.code}/innovations").get_data(as_text=True)
        return {i.name for i in rows if f">{i.name}<" in text.replace("&#39;", "'")}

    dinkes, dukcapil = listed("opd.dinkes@example.org"), listed("opd.dukcapil@example.org")
    assert dinkes and dukcapil and not dinkes & dukcapil
    assert client.get("/inovasi").status_code == 200
