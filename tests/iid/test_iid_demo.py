"""The demo index: the demo regency reports its twelve innovations for 2023 (n = 12, so the
divisor is 12), levels differ between claim and verification, last year's index is stored,
and the innovation from the demo class has its bimtek evidence from that class."""

from __future__ import annotations

import pytest

from lms import COURSES_DIR
from lms.catalog.operations import sync_all
from lms.catalog.packs import discover
from lms.certificates.models import Certificate
from lms.demo import load_demo
from lms.iid import queries
from lms.iid.evidence import class_evidence, training_details
from lms.iid.models import ClassDocument, Entry, Evidence, EvidenceDocument, StoredIndex
from lms.iid.rules import rules_for
from lms.innovations.models import Innovation
from lms.regions.models import Region


@pytest.fixture
def fast_hash(monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
    )


def _counts(db):
    return tuple(
        db.session.scalar(db.select(db.func.count(model.id)))
        for model in (Entry, Evidence, EvidenceDocument, ClassDocument, StoredIndex, Certificate)
    )


def test_the_demo_report(app, db, client, login_as, fast_hash):
    with app.app_context():  # as `flask lms demo` runs it: in the app, outside any request
        sync_all(discover(COURSES_DIR))
        load_demo()
        first = _counts(db)
        load_demo()
        assert _counts(db) == first
    region = db.session.scalar(db.select(Region).join(Entry, Entry.region_id == Region.id).limit(1))
    with app.test_request_context():
        verified = queries.region_score(region, 2023)
        claimed = queries.region_score(region, 2023, "claimed")
        data = queries.year_data(region, 2023, rules_for(2023))
    assert (verified.n, verified.divisor) == (12, 12)
    assert claimed.index > verified.index > 0
    stored = db.session.scalar(db.select(StoredIndex).filter_by(region_id=region.id, year=2022))
    assert str(stored.value) == "41.27"
    source = db.session.scalar(
        db.select(Innovation).where(Innovation.source_version_id.is_not(None))
    )
    with app.test_request_context():
        rules = rules_for(2023)
        klass = class_evidence(rules, 2023, [source.id])[source.id]
        (detail,) = training_details(klass.trainings, 2023, rules)
    assert detail.training.code == "KIT-2023-I"
    assert detail.documents and detail.meetings and detail.certificates
    assert data.derived(source.id, "SID-20") == 1
    notes = db.session.scalars(
        db.select(Evidence.verified_note).where(Evidence.verified_note != "")
    ).all()
    assert notes  # the coordinator disagreed somewhere, with a note

    from lms.accounts.models import User

    login_as(db.session.scalar(db.select(User).filter_by(email="bappeda@example.org")))
    page = client.get(f"/regions/{region.code}/iid/2023").get_data(as_text=True)
    assert "n = 12" in page and "MAX(10, n) = 12" in page and "41.27" in page
    checks = client.get(f"/regions/{region.code}/iid/2023/checks").get_data(as_text=True)
    assert "belum mencantumkan nomor surat" in checks and "tidak sah" in checks
    bundle = client.get(f"/regions/{region.code}/iid/2023/innovations/{source.id}/bimtek.pdf")
    assert bundle.status_code == 200 and bundle.data.startswith(b"%PDF")
