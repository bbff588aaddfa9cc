"""GET /api/v1/certificates/<code>: public verification (valid or revoked, what the page
shows, never the email or NIP), unknown codes rate limited with the verification page."""

from __future__ import annotations

import pytest

from lms.extensions import db as _db


@pytest.fixture
def certificate(app, classes):
    from lms.certificates import operations as certificates

    with app.test_request_context():
        (issued,) = certificates.issue(
            classes.cohort,
            [classes.participant.id],
            actor=classes.organizer,
            overrides={classes.participant.id: "Uji API"},
        )
        _db.session.commit()
    return issued


def test_anyone_verifies_a_certificate(api, classes, certificate):
    response = api.get(f"/certificates/{certificate.code}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is True and body["state"] == "issued"
    assert body["code"] == certificate.code and body["number"] == certificate.number
    assert body["participant_name"] == "Peserta Satu"
    assert body["cohort_code"] == classes.cohort.code
    assert body["kind_label"] == "Sertifikat kelulusan"
    assert classes.participant.email not in response.get_data(as_text=True)
    spaced = api.get(f"/certificates/{certificate.code[:4].lower()}-{certificate.code[4:]}")
    assert spaced.get_json()["code"] == certificate.code


def test_a_revoked_certificate_says_so(app, api, classes, certificate):
    from lms.certificates import operations as certificates

    with app.test_request_context():
        certificates.revoke(certificate, "Data salah", actor=classes.organizer)
        _db.session.commit()
    body = api.get(f"/certificates/{certificate.code}").get_json()
    assert (body["valid"], body["state"], body["revoke_reason"]) == (False, "revoked", "Data salah")
    assert body["revoked_at"]


def test_unknown_codes_are_404_and_limited_per_address(app, monkeypatch, api, certificate):
    monkeypatch.setitem(app.config, "LMS_VERIFY_MISSES", "2 per 10 minutes")
    missing = api.get("/certificates/ZZZZZZZZZZZZ")
    assert missing.status_code == 404
    assert missing.get_json()["code"] == "certificate_not_found"
    # Valid lookups do not count; misses do, shared with the verification page.
    assert api.get(f"/certificates/{certificate.code}").status_code == 200
    assert api.client.get("/verify/ZZZZZZZZZZZY").status_code == 404
    blocked = api.get(f"/certificates/{certificate.code}")
    assert blocked.status_code == 429
    assert blocked.get_json()["code"] == "too_many_requests"
    assert blocked.headers["Retry-After"]
