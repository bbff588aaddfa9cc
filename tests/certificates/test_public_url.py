"""Printed and shared addresses come from LMS_PUBLIC_URL, never from the request's host: the
certificate's QR code and verification line, Open Badges documents, the calendar feed link;
and production refuses to start without it."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from lms import LMS, create_app
from lms.certificates import operations as ops
from lms.config import Config
from lms.urls import public_url
from tests.certificates.test_certificate_pdf import text_of

PUBLIC = "https://lms.example.go.id"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def public(app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", PUBLIC + "/")  # a trailing slash is fine
    return PUBLIC


@pytest.fixture
def issued(app, db, certificate_world):
    w = certificate_world
    with app.test_request_context():
        w.certificates = ops.issue(
            w.cohort, [w.people[n].id for n in ("Ani", "Budi", "Eka")], actor=w.organizer
        )
        db.session.commit()
    return w


def _login_at(client, user, host_url: str):
    """Log ``user`` in on the client as seen at ``host_url`` (cookies follow the host)."""
    with client.session_transaction(base_url=host_url) as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def _qr_codes(data: bytes) -> list[str]:
    """What a phone's scanner reads on each page."""
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    document = pdfium.PdfDocument(data)
    try:
        return [
            r.text
            for page in document
            for r in zxingcpp.read_barcodes(page.render(scale=2).to_pil())
        ]
    finally:
        document.close()


# --- the certificate ----------------------------------------------------------------------------


def test_a_forged_host_header_does_not_change_the_qr_code(issued, public, client):
    w = issued
    ani = w.certificates[0]
    _login_at(client, w.organizer, "http://evil.example")
    response = client.get(
        f"/cohorts/{w.cohort.id}/certificates/{ani.id}.pdf",
        base_url="http://evil.example",
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 200
    expected = f"{PUBLIC}/verify/{ani.code}"
    assert _qr_codes(response.data) == [expected]
    text = text_of(response.data).replace(" ", "")
    assert expected in text and "evil" not in text


def test_a_batch_downloaded_from_an_internal_address_prints_the_public_one(issued, public, client):
    w = issued
    _login_at(client, w.organizer, "http://lms-internal:8000")
    response = client.get(
        f"/cohorts/{w.cohort.id}/certificates/all.pdf", base_url="http://lms-internal:8000"
    )
    assert response.status_code == 200
    assert _qr_codes(response.data) == [f"{PUBLIC}/verify/{c.code}" for c in w.certificates]
    for n in range(3):
        page = text_of(response.data, n).replace(" ", "")
        assert PUBLIC in page and "lms-internal" not in page


def test_without_a_public_address_development_uses_the_request_and_says_so_once(
    app, issued, client, caplog, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", "")
    monkeypatch.delitem(app.extensions, "lms.public_url_warned", raising=False)
    w = issued
    _login_at(client, w.organizer, "http://lms-dev:5000")
    with caplog.at_level(logging.WARNING, logger="lms.urls"):
        for certificate in w.certificates[:2]:
            response = client.get(
                f"/cohorts/{w.cohort.id}/certificates/{certificate.id}.pdf",
                base_url="http://lms-dev:5000",
            )
            assert _qr_codes(response.data) == [f"http://lms-dev:5000/verify/{certificate.code}"]
    warnings = [r for r in caplog.records if "LMS_PUBLIC_URL is not set" in r.getMessage()]
    assert len(warnings) == 1


# --- Open Badges and the verification page --------------------------------------------------------


def test_open_badges_documents_use_the_public_address(issued, public, client):
    w = issued
    ani = w.certificates[0]
    forged = {"Host": "evil.example"}
    assertion = json.loads(client.get(f"/verify/{ani.code}.json", headers=forged).data)
    assert assertion["id"] == f"{PUBLIC}/verify/{ani.code}.json"
    assert assertion["badge"] == f"{PUBLIC}/badges/{w.cohort.id}/completion.json"
    badge = json.loads(client.get(assertion["badge"].removeprefix(PUBLIC), headers=forged).data)
    assert badge["id"] == assertion["badge"]
    assert badge["image"] == f"{PUBLIC}/badges/{w.cohort.id}/completion.svg"
    assert badge["issuer"] == f"{PUBLIC}/badges/issuer.json"
    issuer = json.loads(client.get("/badges/issuer.json", headers=forged).data)
    assert issuer["id"] == f"{PUBLIC}/badges/issuer.json" and issuer["url"] == f"{PUBLIC}/"
    assert "evil" not in json.dumps([assertion, badge, issuer])


# --- the calendar feed ----------------------------------------------------------------------------


def test_the_personal_calendar_link_uses_the_public_address(public, client, make_user):
    _login_at(client, make_user(), "http://evil.example")
    form = client.get("/account/calendar", base_url="http://evil.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    page = client.post(
        "/account/calendar",
        data={"csrf_token": token, "action": "renew"},
        base_url="http://evil.example",
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    feed = re.search(r'id="feed-url" value="([^"]+)"', html).group(1)
    assert feed.startswith(f"{PUBLIC}/calendar/") and feed.endswith(".ics")
    assert f'href="webcal://{PUBLIC.removeprefix("https://")}/calendar/' in html
    assert "evil" not in html


# --- the helper: prefixes, outside requests -------------------------------------------------------


def _mounted(tmp_path, public_address: str) -> Flask:
    host = Flask("host_portal")
    host.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}",
        LMS_UPLOAD_DIR=str(tmp_path / "uploads"),
        LMS_PUBLIC_URL=public_address,
    )
    LMS().init_app(host, url_prefix="/lms")
    return host


@pytest.mark.parametrize(
    "public_address", ["https://portal.example.go.id", "https://portal.example.go.id/lms/"]
)
def test_a_mounted_lms_keeps_its_prefix_once(tmp_path, public_address):
    host = _mounted(tmp_path, public_address)
    with host.test_request_context("/lms/", base_url="http://lms-internal"):
        url = public_url("lms.certificates.verify", code="ABCDEFGHJKMN")
    assert url == "https://portal.example.go.id/lms/verify/ABCDEFGHJKMN"


def test_a_path_of_the_proxy_is_kept_and_no_request_is_needed(app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", "https://host.example.go.id/lms")
    with app.app_context():  # a command or a background job: no request at all
        assert (
            public_url("lms.certificates.verify", code="ABCDEFGHJKMN")
            == "https://host.example.go.id/lms/verify/ABCDEFGHJKMN"
        )
        assert public_url("lms.certificates.verify_form", code="x y") == (
            "https://host.example.go.id/lms/verify?code=x+y"
        )
    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", "")
    with app.app_context(), pytest.raises(RuntimeError, match="LMS_PUBLIC_URL"):
        public_url("lms.certificates.verify", code="ABCDEFGHJKMN")


# --- production refuses to start without it -------------------------------------------------------


def _production(**values) -> Config:
    config = Config()
    config.SECRET_KEY = "a-real-secret-for-this-test"
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    for key, value in values.items():
        setattr(config, key, value)
    return config


def test_production_refuses_to_start_without_a_public_address():
    with pytest.raises(RuntimeError, match="Refusing to start without LMS_PUBLIC_URL"):
        create_app(_production(LMS_PUBLIC_URL=""))
    assert create_app(_production(LMS_PUBLIC_URL=PUBLIC)).config["LMS_PUBLIC_URL"] == PUBLIC


@pytest.mark.parametrize(
    "value", ["lms.example.go.id", "ftp://lms.example.go.id", f"{PUBLIC}/?a=1"]
)
def test_a_malformed_public_address_is_refused(value):
    with pytest.raises(RuntimeError, match="LMS_PUBLIC_URL must"):
        create_app(_production(LMS_PUBLIC_URL=value))


def test_debug_and_testing_start_without_one():
    assert create_app(_production(LMS_PUBLIC_URL="", DEBUG=True)).debug
    assert create_app(_production(LMS_PUBLIC_URL="", TESTING=True)).testing


def _make(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # -o: the venv counts as installed (no pip install from a test).
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_serve_refuses_without_a_public_address_and_make_run_sets_one():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env["LMS_SECRET_KEY"] = "a-real-secret-for-this-test"
    served = _make("serve", env=env)
    assert served.returncode != 0
    assert "Refusing to serve without LMS_PUBLIC_URL" in served.stdout
    # `make run`'s commands, with the flask command replaced by printing the variable.
    printing = "FLASK=printenv LMS_PUBLIC_URL #"
    ran = _make("-o", "instance/secret_key", "run", "PORT=5123", printing, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "http://127.0.0.1:5123" in ran.stdout.splitlines()
