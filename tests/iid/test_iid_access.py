"""Who reaches what: an operator sees and edits their own office's evidence only (another
office's: 404, nothing changes), verified levels are the coordinator's alone, another region's
coordinator is refused, a leader reads; a class's documents are its organizers'. Hostile input
is shown as text."""

from __future__ import annotations

import io

from lms.audit import AuditEvent
from lms.iid.models import ClassDocument, Entry, Evidence
from tests.helpers import csrf_token
from tests.iid.conftest import YEAR, pdf_bytes


def _count(db, model):
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_an_operator_of_another_office_gets_404_and_changes_nothing(
    db, client, login_as, world, make_innovation, report
):
    item = make_innovation()  # Dinkes
    report(item, {"SID-16": (2, None)})
    base = f"{world.base}/{YEAR}/innovations/{item.id}"
    login_as(world.op_disdik)
    token = csrf_token(client, f"{world.base}/{YEAR}/innovations")
    for path in ("", "/indicators/SID-16", "/bimtek.pdf"):
        assert client.get(base + path).status_code == 404, path
    before = (_count(db, AuditEvent), _count(db, Entry), _count(db, Evidence))
    for path, data in (
        ("/indicators/SID-16/claim", {"claim-level": "3"}),
        ("/indicators/SID-16/documents", {"doc-kind": "decree", "doc-url": "https://x.org"}),
        ("/leave", {}),
        ("/developed", {"developed_further": "y"}),
    ):
        assert client.post(base + path, data={"csrf_token": token, **data}).status_code == 404, path
    assert (_count(db, AuditEvent), _count(db, Entry), _count(db, Evidence)) == before
    db.session.expire_all()
    assert db.session.scalar(db.select(Evidence.claimed_level)) == 2
    # Their list holds their own office's innovations only.
    assert "Si Cepat" not in client.get(f"{world.base}/{YEAR}/innovations").get_data(as_text=True)


def test_an_operator_posting_a_verified_level_is_refused(
    db, client, login_as, world, make_innovation, report
):
    item = make_innovation()
    report(item, {"SID-16": (2, None)})
    url = f"{world.base}/{YEAR}/innovations/{item.id}/indicators/SID-16"
    login_as(world.op_dinkes)
    page = client.get(url).get_data(as_text=True)
    assert "Simpan klaim" in page and "Simpan verifikasi" not in page
    before = _count(db, AuditEvent)
    response = client.post(
        url + "/verify",
        data={"csrf_token": csrf_token(client, url), "verify-level": "3", "verify-note": "x"},
    )
    assert response.status_code == 403
    assert _count(db, AuditEvent) == before
    assert db.session.scalar(db.select(Evidence.verified_level)) is None
    # The region's own indicators are the coordinator's too.
    assert client.get(f"{world.base}/{YEAR}/region").status_code == 403
    assert client.get(f"{world.base}/{YEAR}").status_code == 403


def test_the_coordinator_of_another_region_is_refused(
    client, login_as, world, make_innovation, report
):
    item = make_innovation()
    report(item, {})
    login_as(world.other_coordinator)
    for path in (
        "",
        "/innovations",
        f"/innovations/{item.id}",
        f"/innovations/{item.id}/indicators/SID-16",
        ".xlsx",
    ):
        assert client.get(f"{world.base}/{YEAR}{path}").status_code == 403, path
    # Their own region's page does not reach this region's innovation either.
    other = f"/regions/{world.other_region.code}/iid/{YEAR}/innovations/{item.id}"
    assert client.get(other).status_code == 404


def test_a_leader_reads_and_cannot_write(db, client, login_as, world, make_innovation, report):
    item = make_innovation()
    report(item, {"SID-16": (2, 2)})
    login_as(world.leader)
    base = f"{world.base}/{YEAR}"
    for path in (
        "",
        "/innovations",
        f"/innovations/{item.id}",
        f"/innovations/{item.id}/indicators/SID-16",
        "/region",
        "/checks",
        ".xlsx",
        "/evidence.zip",
    ):
        assert client.get(base + path).status_code == 200, path
    page = client.get(f"{base}/innovations/{item.id}/indicators/SID-16").get_data(as_text=True)
    assert "Simpan klaim" not in page and "Tambah bukti" not in page
    token = csrf_token(client, base)
    before = _count(db, AuditEvent)
    for path in (
        f"/innovations/{item.id}/indicators/SID-16/claim",
        f"/innovations/{item.id}/indicators/SID-16/verify",
        "/copy-forward",
        "/last-year",
    ):
        assert client.post(base + path, data={"csrf_token": token}).status_code == 403, path
    assert _count(db, AuditEvent) == before


def test_class_documents_are_the_organizers(
    app, db, client, login_as, world, make_user, make_cohort
):
    organizer, participant = make_user(), make_user()
    cohort = make_cohort(participants=[participant], organizers=[organizer])
    url = f"/cohorts/{cohort.id}/documents"
    login_as(participant)
    assert client.get(url).status_code == 403
    login_as(organizer)
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "kind": "invitation",
            "file": (io.BytesIO(pdf_bytes("Undangan")), "undangan.pdf"),
            "number": "005/1/2023",
            "doc_date": "2023-08-30",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    doc = db.session.scalar(db.select(ClassDocument))
    assert (doc.kind, doc.number, doc.name) == ("invitation", "005/1/2023", "undangan.pdf")
    assert "undangan.pdf" in client.get(url).get_data(as_text=True)
    assert client.get(f"{url}/{doc.id}").headers["X-Content-Type-Options"] == "nosniff"
    refused = client.post(
        url,
        data={"csrf_token": token, "kind": "decree", "file": (io.BytesIO(b"hello"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "tidak diterima" in refused.get_data(as_text=True)
    assert _count(db, ClassDocument) == 1
    assert (
        db.session.scalar(
            db.select(AuditEvent.cohort_id).filter_by(action="iid.class_document_add")
        )
        == cohort.id
    )


def test_hostile_input_is_shown_as_text(app, db, client, login_as, world, make_innovation, report):
    evil = '<script>alert("x")</script>'
    item = make_innovation(evil)
    report(item, {"SID-16": (3, None)})
    url = f"{world.base}/{YEAR}/innovations/{item.id}/indicators/SID-16"
    login_as(world.coordinator)
    token = csrf_token(client, url)
    client.post(
        url + "/documents",
        data={
            "csrf_token": token,
            "doc-kind": "decree",
            "doc-file": (io.BytesIO(pdf_bytes()), f"{evil}.pdf"),
            "doc-number": evil,
            "doc-about": '"><img src=x onerror=alert(1)>',
        },
        content_type="multipart/form-data",
    )
    client.post(
        url + "/verify",
        data={
            "csrf_token": token,
            "verify-level": "1",
            "verify-note": evil,
            "verify-lock_version": "1",
        },
    )
    video = f"{world.base}/{YEAR}/innovations/{item.id}/indicators/SID-35"
    refused = client.post(
        video + "/documents",
        data={"csrf_token": token, "doc-kind": "video", "doc-url": "javascript:alert(1)"},
    )
    assert refused.status_code == 400
    assert "diawali https://" in refused.get_data(as_text=True)
    for path in (
        url,
        f"{world.base}/{YEAR}/innovations/{item.id}",
        f"{world.base}/{YEAR}",
        f"{world.base}/{YEAR}/checks",
        video,
    ):
        page = client.get(path).get_data(as_text=True)
        assert evil not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path
    assert 'href="javascript:' not in client.get(video).get_data(as_text=True)
