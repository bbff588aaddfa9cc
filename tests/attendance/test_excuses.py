"""Excuse requests (Izin / Sakit): the participant asks, the organizer decides."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from lms.attendance import operations
from lms.attendance.models import AttendanceRecord, ExcuseRequest
from lms.audit import AuditEvent
from tests.helpers import counted_queries, csrf_token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
def klass(make_user, make_cohort, make_meeting):
    organizer = make_user(full_name="Panitia Satu")
    trainer = make_user(full_name="Widyaiswara Satu")
    andi = make_user(full_name="Andi Rahmat")
    budi = make_user(full_name="Budi Santoso")
    cohort = make_cohort(organizers=[organizer], trainers=[trainer], participants=[andi, budi])
    meeting = make_meeting(cohort, title="Penyusunan Proposal Inovasi")
    return {
        "organizer": organizer,
        "trainer": trainer,
        "andi": andi,
        "budi": budi,
        "cohort": cohort,
        "meeting": meeting,
    }


def _excuse_url(k) -> str:
    return f"/cohorts/{k['cohort'].id}/meetings/{k['meeting'].id}/excuse"


def _ask(client, k, *, kind="sick", reason="Demam tinggi sejak semalam.", file=None):
    url = _excuse_url(k)
    data = {"csrf_token": csrf_token(client, url), "kind": kind, "reason": reason}
    if file is not None:
        content, name = file
        data["file"] = (io.BytesIO(content), name)
    return client.post(url, data=data, content_type="multipart/form-data")


def _excuses(db, k) -> list[ExcuseRequest]:
    db.session.expire_all()
    return db.session.scalars(
        db.select(ExcuseRequest).filter_by(meeting_id=k["meeting"].id).order_by(ExcuseRequest.id)
    ).all()


def _record(db, k, user):
    db.session.expire_all()
    return db.session.scalar(
        db.select(AttendanceRecord).filter_by(meeting_id=k["meeting"].id, user_id=user.id)
    )


def _decide(client, k, excuse, decision, note=""):
    list_url = f"/cohorts/{k['cohort'].id}/excuses"
    return client.post(
        f"/cohorts/{k['cohort'].id}/excuses/{excuse.id}/decide",
        data={"csrf_token": csrf_token(client, list_url), "decision": decision, "note": note},
    )


# --- asking ---------------------------------------------------------------------------------


def test_participant_asks_with_a_file_stored_by_content(client, db, klass, login_as, app):
    login_as(klass["andi"])
    page = client.get(_excuse_url(klass)).get_data(as_text=True)
    assert "Penyusunan Proposal Inovasi" in page
    assert 'for="reason"' in page and 'for="file"' in page

    response = _ask(client, klass, file=(PDF, "surat dokter.pdf"))

    assert response.status_code == 302
    (excuse,) = _excuses(db, klass)
    digest = hashlib.sha256(PDF).hexdigest()
    assert excuse.file_key == f"pdf/{digest[:2]}/{digest}"
    assert excuse.file_name == "surat dokter.pdf"
    assert (excuse.kind, excuse.state, excuse.user_id) == ("sick", "pending", klass["andi"].id)
    stored = Path(app.config["LMS_UPLOAD_DIR"]) / excuse.file_key
    assert stored.read_bytes() == PDF
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "menunggu keputusan panitia" in html
    assert "Demam tinggi sejak semalam." in html
    assert "Menunggu keputusan" in html
    assert 'name="reason"' not in html  # no second request while one is pending
    assert db.session.scalar(
        db.select(AuditEvent).filter_by(action="excuse.request", object_id=excuse.id)
    )


def test_asking_without_a_file_works(client, db, klass, login_as):
    login_as(klass["andi"])
    assert _ask(client, klass, kind="excused", reason="Rapat dinas").status_code == 302
    (excuse,) = _excuses(db, klass)
    assert (excuse.kind, excuse.file_key, excuse.file_name) == ("excused", None, "")


def test_wrong_file_type_is_refused_by_content_with_a_message(client, db, klass, login_as):
    login_as(klass["andi"])
    response = _ask(client, klass, file=(b"<html><script>alert(1)</script></html>", "surat.pdf"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="file-error"' in html
    assert "Jenis berkas ini tidak diterima. Yang diterima: PDF, PNG, JPG, WebP." in html
    assert "Demam tinggi sejak semalam." in html  # what was typed is kept
    assert _excuses(db, klass) == []


def test_file_over_5_mb_is_refused(client, db, klass, login_as):
    login_as(klass["andi"])
    big = PDF + b"0" * (5 * 1024 * 1024)
    html = _ask(client, klass, file=(big, "besar.pdf")).get_data(as_text=True)
    assert "Berkas terlalu besar; batasnya 5 MB." in html
    assert _excuses(db, klass) == []


@pytest.mark.parametrize(
    ("kind", "reason", "message"),
    [
        ("sick", "", "Tulis alasan Anda."),
        ("sick", "   ", "Tulis alasan Anda."),
        ("sick", "x" * 1001, "Alasan paling banyak 1000 karakter."),
        ("", "Demam", "Pilih Izin atau Sakit."),
        ("absent", "Demam", "Pilih Izin atau Sakit."),
    ],
)
def test_bad_requests_get_a_message_next_to_the_field(
    client, db, klass, login_as, kind, reason, message
):
    login_as(klass["andi"])
    html = _ask(client, klass, kind=kind, reason=reason).get_data(as_text=True)
    assert message in html
    assert 'class="error"' in html
    assert _excuses(db, klass) == []


def test_only_participants_may_ask(client, klass, login_as):
    for who in ("organizer", "trainer"):
        login_as(klass[who])
        assert client.get(_excuse_url(klass)).status_code == 403


# --- deciding -------------------------------------------------------------------------------


def test_organizer_sees_pending_first_and_can_filter(client, db, klass, login_as):
    old = operations.request_excuse(
        klass["meeting"], klass["budi"], kind="excused", reason="Tugas luar"
    )
    operations.decide_excuse(old, approve=False, note="Tidak ada surat", actor=None)
    operations.request_excuse(klass["meeting"], klass["andi"], kind="sick", reason="Demam")
    db.session.commit()
    login_as(klass["organizer"])
    url = f"/cohorts/{klass['cohort'].id}/excuses"
    html = client.get(url).get_data(as_text=True)
    assert html.index("Andi Rahmat") < html.index("Budi Santoso")
    assert "Menunggu keputusan" in html and "Ditolak" in html
    pending = client.get(url + "?state=pending").get_data(as_text=True)
    assert "Andi Rahmat" in pending and "Budi Santoso" not in pending
    rejected = client.get(url + "?state=rejected").get_data(as_text=True)
    assert "Budi Santoso" in rejected and "Andi Rahmat" not in rejected


@pytest.mark.parametrize(("kind", "label"), [("sick", "Sakit"), ("excused", "Izin")])
def test_approving_sets_the_status(client, db, klass, login_as, kind, label):
    andi = klass["andi"]
    excuse = operations.request_excuse(klass["meeting"], andi, kind=kind, reason="Alasan")
    operations.close_meeting(klass["meeting"], actor=None)  # Andi was marked Alpa
    db.session.commit()
    assert _record(db, klass, andi).status == "absent"
    login_as(klass["organizer"])

    response = _decide(client, klass, excuse, "approve", "Semoga lekas sembuh")

    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Permohonan Andi Rahmat disetujui; kehadirannya dicatat {label}." in html
    record = _record(db, klass, andi)
    assert (record.status, record.source) == (kind, "excuse")
    (excuse,) = _excuses(db, klass)
    assert (excuse.state, excuse.decided_by_id) == ("approved", klass["organizer"].id)

    login_as(andi)
    page = client.get(_excuse_url(klass)).get_data(as_text=True)
    assert "Disetujui" in page and "Semoga lekas sembuh" in page
    assert f"status-{kind}" in page


def test_rejecting_needs_a_note_and_leaves_the_status(client, db, klass, login_as):
    andi = klass["andi"]
    operations.set_mark(klass["meeting"], andi, "absent", actor=None, expected_version=None)
    excuse = operations.request_excuse(klass["meeting"], andi, kind="sick", reason="Demam")
    db.session.commit()
    login_as(klass["organizer"])

    missing = _decide(client, klass, excuse, "reject")
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert f'id="note-{excuse.id}-error"' in html
    assert "Tulis alasan penolakan" in html
    assert _excuses(db, klass)[0].state == "pending"

    response = _decide(client, klass, excuse, "reject", "Surat dokter tidak dilampirkan")
    assert response.status_code == 302
    assert _excuses(db, klass)[0].state == "rejected"
    assert _record(db, klass, andi).status == "absent"

    login_as(andi)
    page = client.get(_excuse_url(klass)).get_data(as_text=True)
    assert "Ditolak" in page and "Surat dokter tidak dilampirkan" in page
    assert 'name="reason"' in page  # may ask again


def test_a_decided_request_cannot_be_decided_again(client, db, klass, login_as):
    excuse = operations.request_excuse(klass["meeting"], klass["andi"], kind="sick", reason="x")
    db.session.commit()
    login_as(klass["organizer"])
    _decide(client, klass, excuse, "approve")
    response = _decide(client, klass, excuse, "reject", "salah pilih")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Permohonan ini sudah diputuskan." in html
    assert _excuses(db, klass)[0].state == "approved"


def test_deciding_another_cohorts_request_is_404(
    client, db, klass, login_as, make_user, make_cohort, make_meeting
):
    stranger = make_user()
    other = make_cohort(participants=[stranger])
    excuse = operations.request_excuse(make_meeting(other), stranger, kind="sick", reason="x")
    db.session.commit()
    login_as(klass["organizer"])
    assert _decide(client, klass, excuse, "approve").status_code == 404
    assert client.get(f"/cohorts/{klass['cohort'].id}/excuses/{excuse.id}/file").status_code == 404


# --- the attachment -------------------------------------------------------------------------


@pytest.fixture
def with_file(client, db, klass, login_as):
    login_as(klass["andi"])
    _ask(client, klass, file=(JPEG, "surat izin.jpg"))
    (excuse,) = _excuses(db, klass)
    return f"/cohorts/{klass['cohort'].id}/excuses/{excuse.id}/file"


def test_owner_and_organizer_download_as_attachment_with_nosniff(
    client, klass, login_as, with_file
):
    for who in ("andi", "organizer"):
        login_as(klass[who])
        response = client.get(with_file)
        assert response.status_code == 200, who
        assert response.data == JPEG
        assert response.mimetype == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "surat izin.jpg" in response.headers["Content-Disposition"]


def test_other_people_cannot_download_the_file(
    client, klass, login_as, with_file, make_user, make_cohort
):
    login_as(klass["budi"])  # another participant of the same class
    assert client.get(with_file).status_code == 403
    login_as(klass["trainer"])
    assert client.get(with_file).status_code == 403
    outsider = make_user()
    make_cohort(participants=[outsider])
    login_as(outsider)
    assert client.get(with_file).status_code == 403
    login_as(None)
    assert client.get(with_file).status_code == 302


def test_request_without_file_has_no_download(client, db, klass, login_as):
    excuse = operations.request_excuse(klass["meeting"], klass["andi"], kind="sick", reason="x")
    db.session.commit()
    login_as(klass["organizer"])
    url = f"/cohorts/{klass['cohort'].id}/excuses/{excuse.id}/file"
    assert client.get(url).status_code == 404


def test_excuse_list_uses_the_same_number_of_queries_for_3_and_12_requests(
    client, db, make_user, make_cohort, make_meeting, login_as
):

    def count_queries(size: int) -> int:
        organizer = make_user()
        people = [make_user() for _ in range(size)]
        cohort = make_cohort(organizers=[organizer], participants=people)
        meetings = [make_meeting(cohort), make_meeting(cohort)]
        for i, person in enumerate(people):
            operations.request_excuse(meetings[i % 2], person, kind="sick", reason="Demam")
        db.session.commit()
        login_as(organizer)
        with counted_queries(db) as statements:
            response = client.get(f"/cohorts/{cohort.id}/excuses")
        assert response.get_data(as_text=True).count('value="approve"') == size
        return len(statements)

    assert count_queries(3) == count_queries(12)
