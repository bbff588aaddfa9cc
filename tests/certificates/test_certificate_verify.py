"""Public verification without login: the page, the form, misses rate limited, Open Badges 2.0."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from lms.certificates import operations as ops
from lms.timefmt import local_date

REVOKED = datetime(2030, 1, 7, 3, 30, tzinfo=UTC)  # Monday, 11.30 WITA


@pytest.fixture
def issued(app, db, certificate_world):
    """Certificates for Ani (with a qualification) and Budi."""
    world = certificate_world
    with app.test_request_context():
        ani, budi = ops.issue(
            world.cohort,
            [world.people["Ani"].id, world.people["Budi"].id],
            actor=world.organizer,
        )
        ani.qualification = "Sangat Memuaskan"
        db.session.commit()
    return world, ani, budi


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, url
    return parts.path


def _dashed(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()


# --- the page ---------------------------------------------------------------------------------


def test_a_valid_certificate_shows_what_it_says(client, issued):
    world, ani, _budi = issued
    response = client.get(f"/verify/{ani.code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "SAH" in page and "DICABUT" not in page
    assert "Ani Peserta, S.Sos." in page
    assert world.cohort.name in page and world.cohort.code in page
    assert "5 September 2023 – 7 September 2023" in page
    assert "15 JP" in page
    assert "Sangat Memuaskan" in page
    assert ani.number in page
    assert "Sertifikat kelulusan" in page
    assert local_date(ani.issued_dt, "Asia/Makassar", "id") in page  # issued, cohort's zone
    # Only what the public may see: no NIP, no email.
    assert ani.snapshot["nip"] not in page
    assert world.people["Ani"].email not in page


def test_dates_follow_the_language_of_the_page(client, issued):
    _world, ani, _budi = issued
    page = client.get(f"/verify/{ani.code}?lang=en").get_data(as_text=True)
    assert "September 5, 2023 – September 7, 2023" in page


def test_no_login_is_needed_and_a_logged_in_visitor_sees_the_same(client, login_as, issued):
    world, ani, _budi = issued
    login_as(world.outsider)
    page = client.get(f"/verify/{ani.code}").get_data(as_text=True)
    assert "Ani Peserta, S.Sos." in page


def test_a_revoked_certificate_says_when_and_why(app, client, db, issued):
    world, _ani, budi = issued
    with app.test_request_context():
        ops.revoke(budi, "Data kehadiran keliru.", actor=world.organizer, now=REVOKED)
        db.session.commit()
    response = client.get(f"/verify/{budi.code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "DICABUT" in page and ">SAH<" not in page
    assert "Senin, 7 Januari 2030 11.30 WITA" in page
    assert "Data kehadiran keliru." in page
    assert "Budi Peserta, S.Sos." in page


def test_a_reissued_certificate_points_to_the_new_number(app, client, db, issued):
    world, ani, _budi = issued
    with app.test_request_context():
        new = ops.reissue(ani, "Salah tulis gelar.", actor=world.organizer)
        db.session.commit()
    old_page = client.get(f"/verify/{ani.code}").get_data(as_text=True)
    assert "DICABUT" in old_page and "Salah tulis gelar." in old_page
    assert f"Sudah diganti dengan sertifikat nomor {new.number}." in old_page
    assert new.code not in old_page  # the number, not the new lookup key
    new_page = client.get(f"/verify/{new.code}").get_data(as_text=True)
    assert "SAH" in new_page and new.number in new_page


def test_an_unknown_code_is_a_clear_not_found(client, issued):
    response = client.get("/verify/ABCDEFGHJKMN")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Sertifikat tidak ditemukan" in page
    assert "Tidak ada sertifikat dengan kode ABCDEFGHJKMN." in page
    assert 'value="ABCDEFGHJKMN"' in page  # the form to try again, filled in
    malformed = client.get("/verify/SHORT")
    assert malformed.status_code == 404
    assert "Sertifikat tidak ditemukan" in malformed.get_data(as_text=True)


def test_lower_case_and_dashed_codes_redirect_to_the_canonical_address(client, issued):
    _world, ani, _budi = issued
    response = client.get(f"/verify/{_dashed(ani.code)}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{ani.code}"
    response = client.get(f"/verify/{_dashed(ani.code)}.json")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{ani.code}.json"


# --- the form ---------------------------------------------------------------------------------


def test_the_form_has_a_visible_label_and_submits_with_get(client, db):
    page = client.get("/verify").get_data(as_text=True)
    assert re.search(r'<label for="code">Kode verifikasi</label>', page)
    assert re.search(r'<form method="get" action="/verify"', page)
    assert 'name="csrf_token"' not in page


def test_a_typed_code_is_normalised_and_redirected(client, issued):
    _world, ani, _budi = issued
    response = client.get("/verify", query_string={"code": f"  {_dashed(ani.code)} "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{ani.code}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Isi kode verifikasi yang tercetak di sertifikat."),
        ("   - ", "Isi kode verifikasi yang tercetak di sertifikat."),
        ("ABC-123", "Kode verifikasi terdiri atas 12 huruf dan angka"),
        ("OOOO-1111-IIII", "Kode verifikasi terdiri atas 12 huruf dan angka"),
    ],
)
def test_an_empty_or_malformed_code_gets_an_error_next_to_the_field(client, db, typed, message):
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-describedby="code-hint code-error"' in page
    assert 'aria-invalid="true"' in page
    assert re.search(r'<p class="error" id="code-error">', page)


# --- misses are rate limited ----------------------------------------------------------------


def _miss(client, n: int, address: str, suffix: str = "") -> None:
    code = f"ABCDEFGH{n:04d}".replace("0", "Z").replace("1", "Y")
    response = client.get(f"/verify/{code}{suffix}", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404


def test_twenty_misses_from_one_address_block_its_lookups_for_a_while(client, issued):
    _world, ani, _budi = issued
    for n in range(10):
        _miss(client, n, "10.1.1.1")
        _miss(client, n, "10.1.1.1", ".json")  # the page and the JSON share the budget
    blocked = client.get("/verify/ABCDEFGHJKMN", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert blocked.status_code == 429
    assert "Terlalu banyak kode yang tidak ditemukan" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # Even a valid code: guessing must not go on through the answers that hit.
    valid = client.get(f"/verify/{ani.code}", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert valid.status_code == 429
    as_json = client.get(f"/verify/{ani.code}.json", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert as_json.status_code == 429 and as_json.get_json()["error"] == "too_many_requests"
    # Another address is not affected.
    other = client.get(f"/verify/{ani.code}", environ_base={"REMOTE_ADDR": "10.2.2.2"})
    assert other.status_code == 200


def test_lookups_that_find_a_certificate_do_not_count(client, issued):
    _world, ani, _budi = issued
    for _ in range(25):
        response = client.get(f"/verify/{ani.code}", environ_base={"REMOTE_ADDR": "10.3.3.3"})
        assert response.status_code == 200
    for n in range(19):
        _miss(client, n, "10.3.3.3")
    response = client.get(f"/verify/{ani.code}.json", environ_base={"REMOTE_ADDR": "10.3.3.3"})
    assert response.status_code == 200


# --- Open Badges 2.0 ---------------------------------------------------------------------------


def test_the_assertion_is_an_open_badges_2_document_with_hosted_verification(client, issued):
    world, ani, _budi = issued
    response = client.get(f"/verify/{ani.code}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    doc = response.get_json()
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["type"] == "Assertion"
    assert _path(doc["id"]) == f"/verify/{ani.code}.json"
    assert doc["verification"] == {"type": "hosted"}
    assert datetime.fromisoformat(doc["issuedOn"]) == ani.issued_dt.replace(microsecond=0)
    assert "revoked" not in doc

    recipient = doc["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    email = world.people["Ani"].email
    expected = hashlib.sha256((email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"
    assert len(recipient["salt"]) >= 16
    # The same document every time (verifiers compare what they stored).
    assert client.get(f"/verify/{ani.code}.json").get_json() == doc

    badge = client.get(_path(doc["badge"]))
    assert badge.status_code == 200
    badge_class = badge.get_json()
    assert badge_class["@context"] == "https://w3id.org/openbadges/v2"
    assert badge_class["type"] == "BadgeClass"
    assert badge_class["id"] == doc["badge"]
    assert world.cohort.name in badge_class["name"]
    assert world.cohort.code in badge_class["description"]
    assert "80%" in badge_class["criteria"]["narrative"]

    image = client.get(_path(badge_class["image"]))
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml"
    assert image.get_data(as_text=True).startswith("<svg")
    assert world.cohort.code in image.get_data(as_text=True)

    issuer = client.get(_path(badge_class["issuer"]))
    assert issuer.status_code == 200
    profile = issuer.get_json()
    assert profile["@context"] == "https://w3id.org/openbadges/v2"
    assert profile["type"] == "Issuer"
    assert profile["id"] == badge_class["issuer"]
    assert profile["name"] == "Kelas Inovasi"
    assert _path(profile["url"]) == "/"


def test_each_certificate_has_its_own_salt(client, issued):
    _world, ani, budi = issued
    first = client.get(f"/verify/{ani.code}.json").get_json()["recipient"]
    second = client.get(f"/verify/{budi.code}.json").get_json()["recipient"]
    assert first["salt"] != second["salt"]


def test_the_issuer_name_and_email_come_from_the_settings(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ISSUER_NAME", "Bappelitbangda Kabupaten Sinjai")
    monkeypatch.setitem(app.config, "LMS_ISSUER_EMAIL", "bappelitbangda@sinjaikab.go.id")
    profile = client.get("/badges/issuer.json").get_json()
    assert profile["name"] == "Bappelitbangda Kabupaten Sinjai"
    assert profile["email"] == "bappelitbangda@sinjaikab.go.id"


def test_a_revoked_assertion_is_gone_and_says_revoked(app, client, db, issued):
    world, _ani, budi = issued
    with app.test_request_context():
        ops.revoke(budi, "Data kehadiran keliru.", actor=world.organizer, now=REVOKED)
        db.session.commit()
    response = client.get(f"/verify/{budi.code}.json")
    assert response.status_code == 410
    doc = response.get_json()
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["type"] == "Assertion"
    assert _path(doc["id"]) == f"/verify/{budi.code}.json"
    assert doc["revoked"] is True
    assert doc["revocationReason"] == "Data kehadiran keliru."
    assert "recipient" not in doc


def test_an_unknown_assertion_is_a_json_404(client, db):
    response = client.get("/verify/ABCDEFGHJKMN.json")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_a_badge_class_needs_a_certificate_of_that_kind_in_the_cohort(client, issued):
    world, _ani, _budi = issued
    cohort_id = world.cohort.id
    assert client.get(f"/badges/{cohort_id}/completion.json").status_code == 200
    assert client.get(f"/badges/{cohort_id}/attendance.json").status_code == 404
    assert client.get(f"/badges/{cohort_id}/attendance.svg").status_code == 404
    assert client.get(f"/badges/{cohort_id + 1000}/completion.json").status_code == 404
    assert client.get(f"/badges/{cohort_id}/other.json").status_code == 404


def test_no_public_response_shows_an_email_or_a_user_id(app, client, db, issued):
    world, ani, budi = issued
    with app.test_request_context():
        new = ops.reissue(budi, "Salah tulis gelar.", actor=world.organizer)
        db.session.commit()
    urls = ["/verify", "/verify/ABCDEFGHJKMN", "/verify/ABCDEFGHJKMN.json", "/badges/issuer.json"]
    for certificate in (ani, budi, new):
        urls += [f"/verify/{certificate.code}", f"/verify/{certificate.code}.json"]
    urls += [
        f"/badges/{world.cohort.id}/completion.json",
        f"/badges/{world.cohort.id}/completion.svg",
    ]
    emails = [person.email for person in world.people.values()] + [world.organizer.email]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        for email in emails:
            assert email not in body, (url, email)
        assert "user_id" not in body and '"user"' not in body, url
