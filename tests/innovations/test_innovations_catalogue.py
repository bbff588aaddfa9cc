"""The public catalogue: only verified innovations the coordinator published, searchable
without login, with the names the coordinator chose and never an email, NIP or phone; the
stored video only while published; yearly confirmations; replication both ways."""

from __future__ import annotations

import io
import re

import pytest

from lms.audit import AuditEvent
from lms.innovations import operations
from lms.innovations.models import Confirmation, Innovation, InnovationFile, Innovator
from lms.storage import save_upload
from tests.helpers import csrf_token
from tests.innovations.conftest import COMPLETE, page
from tests.submissions.mp4 import make_mp4


def _detail(registry, innovation):
    return f"/regions/{registry.region.code}/innovations/{innovation.id}"


def _publish(client, login_as, registry, innovation, *, shown=(), publish=True, **texts):
    login_as(registry.coordinator)
    url = _detail(registry, innovation) + "/catalogue"
    html = page(client.get(url))
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    data = {
        "csrf_token": csrf_token(client, url),
        "lock_version": lock,
        "summary": texts.get("summary", "Pendaftaran lewat ponsel."),
        "drivers": texts.get("drivers", "Dukungan kepala dinas."),
        "obstacles": texts.get("obstacles", "Sinyal lemah di desa."),
        "prerequisites": texts.get("prerequisites", "Petugas verifikasi harian."),
        "contact_office": "0",
        "shown": [str(i) for i in shown],
    }
    if publish:
        data["publish"] = "y"
    return client.post(url, data=data)


@pytest.fixture
def published(app, db, client, login_as, registry, make_innovation, make_user):
    """A verified, published Dinkes innovation with one shown and one hidden innovator."""
    innovation = make_innovation(state="verified")
    shown = make_user(full_name="Inovator Tampil", nip="198609262015051001", phone="081299990001")
    hidden = make_user(
        full_name="Inovator Tersembunyi", nip="199003142015032002", phone="081299990002"
    )
    for person in (shown, hidden):
        db.session.add(Innovator(innovation=innovation, user=person))
    db.session.add(Innovator(innovation=innovation, name="Kader Posyandu"))
    db.session.commit()
    ids = {i.display_name: i.id for i in innovation.innovators}
    response = _publish(
        client,
        login_as,
        registry,
        innovation,
        shown=[ids["Inovator Tampil"], ids["Kader Posyandu"]],
    )
    assert response.status_code == 302
    db.session.expire_all()
    innovation = db.session.get(Innovation, innovation.id)
    return innovation, shown, hidden


def test_publishing_gives_a_public_page(client, login_as, published, registry):
    innovation, _shown, _hidden = published
    assert innovation.slug and innovation.slug.startswith("si-cepat-")
    login_as(None)
    text = page(client.get(f"/inovasi/{innovation.slug}"))
    for expected in (
        "Si Cepat",
        "Dinas Kesehatan",
        "Uji coba",
        "Pendaftaran lewat ponsel.",
        COMPLETE["manfaat"],
        COMPLETE["hasil"],
        "Sinyal lemah di desa.",
        "Petugas verifikasi harian.",
        "Inovator Tampil",
        "Kader Posyandu",
    ):
        assert expected in text, expected
    assert "Inovator Tersembunyi" not in text
    english = client.get(f"/inovasi/{innovation.slug}?lang=en")
    assert english.status_code == 200 and '<html lang="en">' in page(english)


def test_no_email_nip_or_phone_on_any_catalogue_page(client, login_as, published, db):
    innovation, shown, hidden = published
    login_as(None)
    pages = [
        page(client.get("/inovasi")),
        page(client.get("/inovasi?q=cepat")),
        page(client.get(f"/inovasi/{innovation.slug}")),
    ]
    secrets = [
        "rahasia.kontak@example.org",
        "081234567890",
        "@example.org",
        shown.email,
        hidden.email,
        shown.nip,
        hidden.nip,
        "19860926 201505 1 001",
        shown.phone,
        hidden.phone,
    ]
    for text in pages:
        for secret in secrets:
            assert secret not in text, secret
        assert "Kontak inovator" not in text


def test_search_works_without_login_and_finds_by_name_and_office(
    client, login_as, published, make_innovation, registry
):
    innovation, _shown, _hidden = published
    other = make_innovation(office=registry.dukcapil, state="verified", nama_inovasi="KTP Kilat")
    _publish(client, login_as, registry, other)
    login_as(None)
    assert "KTP Kilat" in page(client.get("/inovasi?q=kilat"))
    assert "Si Cepat" not in page(client.get("/inovasi?q=kilat"))
    found = page(client.get("/inovasi?q=Dinas+Kesehatan"))
    assert "Si Cepat" in found and "KTP Kilat" not in found
    assert 'method="get"' in page(client.get("/inovasi"))


def test_unpublished_drafts_and_archived_are_not_public(
    client, login_as, published, registry, make_innovation, db
):
    innovation, _shown, _hidden = published
    draft = make_innovation(nama_inovasi="Masih Draf")
    login_as(None)
    assert "Masih Draf" not in page(client.get("/inovasi"))
    # Unpublishing takes the page down at once.
    _publish(client, login_as, registry, innovation, publish=False)
    login_as(None)
    assert client.get(f"/inovasi/{innovation.slug}").status_code == 404
    assert "Si Cepat" not in page(client.get("/inovasi"))
    # Publishing is for verified innovations only.
    response = _publish(client, login_as, registry, draft)
    assert response.status_code == 400
    assert "Hanya inovasi yang sudah diverifikasi yang dapat tampil di katalog" in page(response)
    db.session.expire_all()
    assert db.session.get(Innovation, draft.id).published_dt is None


def test_archiving_takes_it_out_of_the_catalogue(client, login_as, published, registry, db):
    innovation, _shown, _hidden = published
    with client.application.test_request_context():
        operations.archive(innovation, "Berhenti.", actor=registry.coordinator)
        db.session.commit()
    login_as(None)
    assert client.get(f"/inovasi/{innovation.slug}").status_code == 404


def test_the_stored_video_is_served_only_while_published(
    app, client, login_as, registry, make_innovation, db
):
    innovation = make_innovation(state="verified")
    with app.test_request_context():
        stored = save_upload(io.BytesIO(make_mp4(30)), max_bytes=10**6, allowed={"mp4"})
    db.session.add(
        InnovationFile(
            innovation=innovation,
            key=stored.key,
            name="video.mp4",
            size=stored.size,
            kind="mp4",
            role="video",
        )
    )
    db.session.commit()
    login_as(None)
    assert client.get(f"/inovasi/{innovation.slug or 'x'}/video").status_code == 404
    _publish(client, login_as, registry, innovation)
    db.session.expire_all()
    slug = db.session.get(Innovation, innovation.id).slug
    login_as(None)
    assert "<video controls" in page(client.get(f"/inovasi/{slug}"))
    response = client.get(f"/inovasi/{slug}/video")
    assert response.status_code == 200 and response.mimetype == "video/mp4"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    _publish(client, login_as, registry, innovation, publish=False)
    login_as(None)
    assert client.get(f"/inovasi/{slug}/video").status_code == 404


def test_yearly_confirmation_is_recorded_and_shown(client, login_as, published, registry, db):
    innovation, _shown, _hidden = published
    login_as(registry.op_dinkes)
    url = _detail(registry, innovation) + "/confirm"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "year": "2024", "status": "stopped"})
    assert "Tulis keterangannya" in page(response)
    assert db.session.scalar(db.select(Confirmation.id)) is None
    client.post(
        url,
        data={"csrf_token": token, "year": "2024", "status": "running", "note": "Jalan terus."},
    )
    confirmation = db.session.scalar(db.select(Confirmation))
    assert (confirmation.year, confirmation.status) == (2024, "running")
    assert confirmation.confirmed_by_id == registry.op_dinkes.id
    login_as(None)
    text = page(client.get(f"/inovasi/{innovation.slug}"))
    assert "Konfirmasi terakhir" in text and "Masih berjalan" in text
    # The same year again replaces it, with its audit row.
    login_as(registry.op_dinkes)
    client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "year": "2024",
            "status": "replicated",
            "note": "Ditiru Kabupaten Sebelah.",
        },
    )
    assert db.session.scalar(db.select(db.func.count(Confirmation.id))) == 1
    events = db.session.scalars(db.select(AuditEvent).filter_by(action="innovation.confirm"))
    assert [e.after["status"] for e in events] == ["running", "replicated"]


def test_confirmation_is_for_verified_innovations(client, login_as, registry, make_innovation):
    innovation = make_innovation()
    login_as(registry.op_dinkes)
    url = _detail(registry, innovation) + "/confirm"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "year": "2024", "status": "running"})
    assert response.status_code == 400
    assert "hanya untuk inovasi yang sudah diverifikasi" in page(response)


def test_replication_is_shown_both_ways(client, login_as, published, registry, make_innovation, db):
    source, _shown, _hidden = published
    copy = make_innovation(office=registry.dukcapil, nama_inovasi="Si Cepat Dukcapil")
    login_as(registry.op_dukcapil)
    url = _detail(registry, copy) + "/edit"
    html = page(client.get(url))
    assert "Si Cepat · Dinas Kesehatan (Dinkes)" in html  # offered as a source
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    data = {
        **COMPLETE,
        "nama_inovasi": "Si Cepat Dukcapil",
        "csrf_token": csrf_token(client, url),
        "lock_version": lock,
        "office": str(registry.dukcapil.id),
        "replicated_from": str(source.id),
        "replicated_from_url": "https://jippnas.menpan.go.id/inovasi/123",
        "replicated_from_label": "JIPPNas: Layanan Cepat",
    }
    assert client.post(url, data=data).status_code == 302
    text = page(client.get(_detail(registry, copy)))
    assert "Direplikasi dari" in text and "Si Cepat" in text and "JIPPNas: Layanan Cepat" in text
    login_as(registry.coordinator)
    assert "Si Cepat Dukcapil" in page(client.get(_detail(registry, source)))
    # Published, the copy shows on the source's public page.
    with client.application.test_request_context():
        operations.submit(copy, actor=registry.coordinator)
        operations.verify(copy, actor=registry.coordinator)
        db.session.commit()
    _publish(client, login_as, registry, copy)
    login_as(None)
    public = page(client.get(f"/inovasi/{source.slug}"))
    assert "Direplikasi oleh" in public and "Si Cepat Dukcapil" in public


def test_a_national_catalogue_link_needs_https_and_a_label(
    client, login_as, registry, make_innovation, db
):
    innovation = make_innovation()
    login_as(registry.op_dinkes)
    url = _detail(registry, innovation) + "/edit"
    html = page(client.get(url))
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    base = {
        **COMPLETE,
        "csrf_token": csrf_token(client, url),
        "lock_version": lock,
        "office": str(registry.dinkes.id),
        "replicated_from": "0",
    }
    response = client.post(url, data={**base, "replicated_from_url": "http://contoh.go.id/x"})
    assert "Tautan harus berupa alamat https://" in page(response)
    response = client.post(url, data={**base, "replicated_from_url": "https://contoh.go.id/x"})
    assert "Tulis nama katalog atau inovasi asal" in page(response)
    db.session.expire_all()
    assert db.session.get(Innovation, innovation.id).replicated_from_url == ""
