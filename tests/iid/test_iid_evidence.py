"""Evidence rules: a verified level that differs from the claim needs a note, a verified claim
stays, every change is audited and locked; last year's evidence is copied, never moved; class
evidence (bimtek from the classes attended, the class video's elements) is attached by itself
and gives the derived levels."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from lms.audit import AuditEvent
from lms.errors import Conflict
from lms.iid import operations, queries
from lms.iid.evidence import class_evidence
from lms.iid.models import Entry, Evidence, EvidenceDocument
from lms.iid.rules import rules_for
from tests.helpers import csrf_token
from tests.iid.conftest import YEAR, pdf_bytes, store


def _evidence(db, innovation, code, year=YEAR):
    return db.session.scalar(
        db.select(Evidence).filter_by(innovation_id=innovation.id, year=year, indicator_code=code)
    )


def test_a_verified_level_other_than_the_claim_needs_a_note(
    app, db, client, login_as, world, make_innovation, report
):
    innovation = make_innovation()
    report(innovation, {"SID-16": (3, None)})
    url = f"{world.base}/{YEAR}/innovations/{innovation.id}/indicators/SID-16"
    login_as(world.coordinator)
    token = csrf_token(client, url)
    response = client.post(
        url + "/verify", data={"csrf_token": token, "verify-level": "1", "verify-note": ""}
    )
    assert response.status_code == 400
    assert "tuliskan catatan alasannya" in response.get_data(as_text=True)
    assert _evidence(db, innovation, "SID-16").verified_level is None

    response = client.post(
        url + "/verify",
        data={
            "csrf_token": token,
            "verify-level": "1",
            "verify-note": "SK kepala dinas, bukan perkada.",
            "verify-lock_version": "1",
        },
    )
    assert response.status_code == 302
    evidence = _evidence(db, innovation, "SID-16")
    assert (evidence.claimed_level, evidence.verified_level) == (3, 1)
    assert evidence.verified_note == "SK kepala dinas, bukan perkada."
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="iid.verify", object_id=evidence.id)
    ).all()
    assert events[-1].before["verified_level"] is None and events[-1].after["verified_level"] == 1
    # The same level as the claim needs no note.
    client.post(
        url + "/verify",
        data={
            "csrf_token": token,
            "verify-level": "3",
            "verify-note": "",
            "verify-lock_version": "2",
        },
    )
    evidence = _evidence(db, innovation, "SID-16")
    assert evidence.verified_level == 3 and evidence.verified_note == ""


def test_the_database_refuses_a_differing_verification_without_a_note(db, world, make_innovation):
    from sqlalchemy.exc import IntegrityError

    innovation = make_innovation()
    db.session.add(
        Evidence(
            region_id=world.region.id,
            innovation_id=innovation.id,
            year=YEAR,
            indicator_code="SID-16",
            claimed_level=3,
            verified_level=1,
            verified_note="",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_verified_claim_stays_until_the_coordinator_reopens_it(
    app, db, client, login_as, world, make_innovation, report
):
    innovation = make_innovation()
    report(innovation, {"SID-17": (2, 2)})
    url = f"{world.base}/{YEAR}/innovations/{innovation.id}/indicators/SID-17"
    login_as(world.op_dinkes)
    token = csrf_token(client, url)
    response = client.post(url + "/claim", data={"csrf_token": token, "claim-level": "3"})
    assert response.status_code == 400
    assert "sudah diverifikasi koordinator" in response.get_data(as_text=True)
    assert _evidence(db, innovation, "SID-17").claimed_level == 2
    login_as(world.coordinator)
    token = csrf_token(client, url)
    client.post(url + "/verify", data={"csrf_token": token, "verify-level": ""})
    login_as(world.op_dinkes)
    token = csrf_token(client, url)
    assert (
        client.post(url + "/claim", data={"csrf_token": token, "claim-level": "3"}).status_code
        == 302
    )
    assert _evidence(db, innovation, "SID-17").claimed_level == 3


def test_a_stale_form_does_not_overwrite_a_newer_claim(app, db, world, make_innovation, report):
    innovation = make_innovation()
    report(innovation, {"SID-18": (1, None)})
    rules = rules_for(YEAR)
    with app.test_request_context(), pytest.raises(Conflict):
        operations.claim(
            world.region,
            YEAR,
            rules,
            innovation,
            "SID-18",
            3,
            actor=world.op_dinkes,
            seen_lock=99,
        )
    db.session.rollback()
    assert _evidence(db, innovation, "SID-18").claimed_level == 1


def test_a_stale_page_answers_changed_by_someone_else(
    app, db, client, login_as, world, make_innovation, report
):
    innovation = make_innovation()
    report(innovation, {"SID-18": (1, None)})
    url = f"{world.base}/{YEAR}/innovations/{innovation.id}/indicators/SID-18"
    login_as(world.op_dinkes)
    token = csrf_token(client, url)
    response = client.post(
        url + "/claim", data={"csrf_token": token, "claim-level": "2", "claim-lock_version": "7"}
    )
    assert response.status_code == 409
    assert "diubah orang lain" in response.get_data(as_text=True)
    assert _evidence(db, innovation, "SID-18").claimed_level == 1


def test_evidence_needs_the_innovation_reported(app, db, client, login_as, world, make_innovation):
    innovation = make_innovation()
    url = f"{world.base}/{YEAR}/innovations/{innovation.id}/indicators/SID-16"
    login_as(world.op_dinkes)
    token = csrf_token(client, f"{world.base}/{YEAR}/innovations/{innovation.id}")
    response = client.post(url + "/claim", data={"csrf_token": token, "claim-level": "2"})
    assert response.status_code == 400
    assert "belum dilaporkan untuk tahun 2023" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Evidence.id))) == 0
    client.post(
        f"{world.base}/{YEAR}/innovations/{innovation.id}/enter", data={"csrf_token": token}
    )
    assert db.session.scalar(db.select(Entry.year).filter_by(innovation_id=innovation.id)) == YEAR


def test_documents_upload_link_edit_remove(
    app, db, client, login_as, world, make_innovation, report
):
    innovation = make_innovation()
    report(innovation, {})
    url = f"{world.base}/{YEAR}/innovations/{innovation.id}/indicators/SID-16"
    login_as(world.op_dinkes)
    token = csrf_token(client, url)
    response = client.post(
        url + "/documents",
        data={
            "csrf_token": token,
            "doc-kind": "decree",
            "doc-file": (io.BytesIO(pdf_bytes("Perbup")), "perbup-12.pdf"),
            "doc-number": "12/2022",
            "doc-doc_date": "2022-03-01",
            "doc-about": "Inovasi pelayanan",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (doc,) = db.session.scalars(db.select(EvidenceDocument)).all()
    assert (doc.name, doc.number, str(doc.doc_date), doc.file_kind) == (
        "perbup-12.pdf",
        "12/2022",
        "2022-03-01",
        "pdf",
    )
    page = client.get(url).get_data(as_text=True)
    assert "perbup-12.pdf" in page and "12/2022" in page
    download = client.get(f"{url}/documents/{doc.id}")
    assert download.status_code == 200 and download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    # A PNG is not a decree: refused, nothing written.
    response = client.post(
        url + "/documents",
        data={
            "csrf_token": token,
            "doc-kind": "decree",
            "doc-file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 40), "foto.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "tidak diterima" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(EvidenceDocument.id))) == 1
    client.post(
        f"{url}/documents/{doc.id}/edit",
        data={"csrf_token": token, f"edit{doc.id}-number": "13/2022", f"edit{doc.id}-about": "X"},
    )
    db.session.expire_all()
    assert db.session.get(EvidenceDocument, doc.id).number == "13/2022"
    client.post(f"{url}/documents/{doc.id}/remove", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(EvidenceDocument, doc.id).removed  # kept, taken off
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("iid.document%"))
    ).all()
    assert actions == ["iid.document_add", "iid.document_update", "iid.document_remove"]


def test_copy_forward_keeps_last_years_evidence(
    app, db, client, login_as, world, make_innovation, report
):
    innovation = make_innovation()
    report(innovation, {"SID-16": (3, 2), "SID-17": (2, 2)})
    with app.test_request_context():
        evidence = _evidence(db, innovation, "SID-16")
        operations.add_document(
            world.region,
            YEAR,
            rules_for(YEAR),
            innovation,
            "SID-16",
            operations.DocumentInput(
                kind="decree",
                stored=store(app, pdf_bytes(), {"pdf"}),
                name="sk.pdf",
                number="1/2024",
                about="SK",
            ),
            actor=world.coordinator,
        )
        db.session.commit()
    before = {
        (e.indicator_code, e.claimed_level, e.verified_level, len(e.documents))
        for e in db.session.scalars(db.select(Evidence).filter_by(year=YEAR))
    }
    login_as(world.op_dinkes)
    token = csrf_token(client, f"{world.base}/2025/innovations")
    response = client.post(f"{world.base}/2025/copy-forward", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(f"{world.base}/2025/innovations").get_data(as_text=True)
    # 2024 has no rules here: the copy comes from 2023.
    assert "Disalin dari tahun 2023: 1 inovasi, 2 indikator dengan 1 dokumen" in page
    db.session.expire_all()
    after = {
        (e.indicator_code, e.claimed_level, e.verified_level, len(e.documents))
        for e in db.session.scalars(db.select(Evidence).filter_by(year=YEAR))
    }
    assert after == before  # last year untouched
    copied = {
        e.indicator_code: e for e in db.session.scalars(db.select(Evidence).filter_by(year=2025))
    }
    assert copied["SID-16"].claimed_level == 3 and copied["SID-16"].verified_level is None
    assert copied["SID-16"].copied_from_id == evidence.id
    assert copied["SID-16"].documents[0].key == evidence.documents[0].key  # the same file
    # Again: nothing new, nothing overwritten.
    client.post(f"{world.base}/2025/copy-forward", data={"csrf_token": token})
    assert db.session.scalar(db.select(db.func.count(Evidence.id)).filter_by(year=2025)) == 2


def test_class_evidence_is_attached_and_gives_the_levels(app, db, class_world):
    rules = rules_for(YEAR)
    with app.test_request_context():
        found = class_evidence(rules, YEAR, [class_world.innovation.id])[class_world.innovation.id]
    (training,) = found.trainings
    assert training.cohort_id == class_world.cohort.id
    assert training.people == ("Peserta Bimtek, S.Kep.",)
    assert found.video.elements == ("latar_belakang", "manfaat", "dampak")
    assert found.video.duration == pytest.approx(60, abs=1)
    # One training: bimtek level 1; three elements: video level 2.
    assert found.derived == {"SID-20": 1, "SID-35": 2}
    # A class outside the rule's two years does not count.
    with app.test_request_context():
        later = class_evidence(rules_for(2025), 2025, [class_world.innovation.id])
    assert later[class_world.innovation.id].trainings == []


def test_the_evidence_page_shows_class_evidence_and_prefills_the_claim(
    app, db, client, login_as, world, class_world, report
):
    report(class_world.innovation, {})
    login_as(world.op_dinkes)
    base = f"{world.base}/{YEAR}/innovations/{class_world.innovation.id}"
    page = client.get(base).get_data(as_text=True)
    assert "dari kelas" in page and class_world.cohort.name in page
    bimtek = client.get(base + "/indicators/SID-20").get_data(as_text=True)
    assert "Dari kelas" in bimtek and "bimtek.pdf" in bimtek
    assert '<option selected value="1">' in bimtek  # the claim prefilled from one training
    video = client.get(base + "/indicators/SID-35").get_data(as_text=True)
    assert "Unsur yang ditampilkan: 3 dari 5" in video and '<option selected value="2">' in video
    # The derived levels count as the claim until one is saved.
    with app.test_request_context():
        data = queries.innovation_data(world.region, YEAR, rules_for(YEAR), class_world.innovation)
    assert data.pair(class_world.innovation.id, "SID-35") == (2, None)


def test_the_bimtek_bundle_is_one_pdf_of_decree_attendance_and_certificates(
    app, client, login_as, world, class_world, report
):
    report(class_world.innovation, {})
    login_as(world.leader)
    response = client.get(f"{world.base}/{YEAR}/innovations/{class_world.innovation.id}/bimtek.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # Cover, the decree, the daftar hadir of the meeting, the certificate.
    assert len(reader.pages) >= 4
    assert "BUKTI DUKUNG BIMTEK" in text and "SK kegiatan" in text
    assert "DAFTAR HADIR" in text and "Peserta Bimtek" in text


def test_verifying_a_prefilled_claim_keeps_it_as_the_claim(
    app, db, client, login_as, world, class_world, report
):
    report(class_world.innovation, {})
    url = f"{world.base}/{YEAR}/innovations/{class_world.innovation.id}/indicators/SID-35"
    login_as(world.coordinator)
    token = csrf_token(client, url)
    response = client.post(url + "/verify", data={"csrf_token": token, "verify-level": "2"})
    assert response.status_code == 302
    evidence = _evidence(db, class_world.innovation, "SID-35")
    assert (evidence.claimed_level, evidence.verified_level, evidence.verified_note) == (2, 2, "")


def test_the_region_indicators_are_the_coordinators(db, client, login_as, world):
    url = f"{world.base}/{YEAR}/region/SPD-01"
    login_as(world.coordinator)
    token = csrf_token(client, url)
    assert (
        client.post(url + "/claim", data={"csrf_token": token, "claim-level": "3"}).status_code
        == 302
    )
    response = client.post(
        url + "/verify",
        data={
            "csrf_token": token,
            "verify-level": "2",
            "verify-note": "Misi saja.",
            "verify-lock_version": "1",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url + "/documents",
        data={
            "csrf_token": token,
            "doc-kind": "pdf",
            "doc-file": (io.BytesIO(pdf_bytes("RPJMD")), "rpjmd.pdf"),
            "doc-about": "RPJMD",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    evidence = db.session.scalar(
        db.select(Evidence).filter_by(innovation_id=None, indicator_code="SPD-01")
    )
    assert (evidence.claimed_level, evidence.verified_level, len(evidence.documents)) == (3, 2, 1)
    page = client.get(f"{world.base}/{YEAR}/region").get_data(as_text=True)
    assert "SPD-01" in page and "Nilai resmi tahun 2022" in page
    login_as(world.leader)
    assert client.get(url).status_code == 200
    assert "Simpan klaim" not in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    assert (
        client.post(url + "/claim", data={"csrf_token": token, "claim-level": "1"}).status_code
        == 403
    )
    login_as(world.op_dinkes)
    assert client.get(url).status_code == 403
