"""The workflow: allowed steps, refused steps with their message, audit rows with who, when
and why, numbered versions with what changed, revision notes and answers, stale edits."""

from __future__ import annotations

import re

import pytest

from lms.audit import AuditEvent
from lms.innovations.models import Innovation, InnovationVersion, RevisionNote
from tests.helpers import csrf_token
from tests.innovations.conftest import COMPLETE, page


def _url(registry, innovation, suffix=""):
    return f"/regions/{registry.region.code}/innovations/{innovation.id}{suffix}"


def _token(client, registry, innovation):
    return csrf_token(client, _url(registry, innovation))


def _events(db, innovation, action):
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .filter_by(object_type="Innovation", object_id=innovation.id, action=action)
            .order_by(AuditEvent.id)
        )
    )


def _fresh(db, innovation) -> Innovation:
    db.session.expire_all()
    return db.session.get(Innovation, innovation.id)


def _edit_data(client, registry, innovation, **changes):
    html = page(client.get(_url(registry, innovation, "/edit")))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    data = {**COMPLETE, "csrf_token": token, "lock_version": lock}
    data["office"] = str(innovation.office_id)
    data["replicated_from"] = "0"
    data.update(changes)
    return data


def test_operator_creates_a_draft_of_their_office(client, login_as, registry, db):
    login_as(registry.op_dinkes)
    base = f"/regions/{registry.region.code}/innovations"
    token = csrf_token(client, base + "/new")
    response = client.post(
        base + "/new",
        data={
            "csrf_token": token,
            "office": str(registry.dinkes.id),
            "nama_inovasi": "Posyandu Digital",
            "tahapan": "inisiatif",
            "replicated_from": "0",
        },
    )
    assert response.status_code == 302
    innovation = db.session.scalar(db.select(Innovation).filter_by(name="Posyandu Digital"))
    assert innovation.state == "draft" and innovation.office_id == registry.dinkes.id
    assert innovation.profile["nama_inovasi"] == "Posyandu Digital"
    assert _events(db, innovation, "innovation.create")[0].actor_id == registry.op_dinkes.id


def test_operator_cannot_file_under_another_office(client, login_as, registry, db):
    login_as(registry.op_dinkes)
    base = f"/regions/{registry.region.code}/innovations"
    token = csrf_token(client, base + "/new")
    response = client.post(
        base + "/new",
        data={
            "csrf_token": token,
            "office": str(registry.dukcapil.id),
            "nama_inovasi": "Bukan milik saya",
            "replicated_from": "0",
        },
    )
    assert response.status_code == 200  # shown again: not one of the choices
    assert "Pilih salah satu pilihan yang tersedia." in page(response)
    assert db.session.scalar(db.select(Innovation).filter_by(name="Bukan milik saya")) is None


def test_submit_verify_archive_with_audit(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(office=registry.dinkes)
    login_as(registry.op_dinkes)
    token = _token(client, registry, innovation)
    response = client.post(
        _url(registry, innovation, "/submit"),
        data={"csrf_token": token, "lock_version": str(innovation.lock_version)},
        follow_redirects=True,
    )
    assert "Versi 1 sudah diajukan" in page(response)
    innovation = _fresh(db, innovation)
    assert innovation.state == "submitted" and innovation.latest_number == 1
    (event,) = _events(db, innovation, "innovation.submit")
    assert event.actor_id == registry.op_dinkes.id and event.created_dt is not None
    assert event.before == {"state": "draft"} and event.after["state"] == "submitted"

    login_as(registry.coordinator)
    token = _token(client, registry, innovation)
    client.post(
        _url(registry, innovation, "/verify"),
        data={"csrf_token": token, "note": "Bukti dukung lengkap."},
    )
    assert _fresh(db, innovation).state == "verified"
    (event,) = _events(db, innovation, "innovation.verify")
    assert event.actor_id == registry.coordinator.id
    assert event.after["note"] == "Bukti dukung lengkap."

    token = csrf_token(client, _url(registry, innovation, "/archive"))
    client.post(
        _url(registry, innovation, "/archive"),
        data={"csrf_token": token, "reason": "Aplikasi tidak lagi dipakai warga."},
    )
    innovation = _fresh(db, innovation)
    assert innovation.state == "archived"
    assert innovation.archive_reason == "Aplikasi tidak lagi dipakai warga."
    (event,) = _events(db, innovation, "innovation.archive")
    assert event.actor_id == registry.coordinator.id
    assert event.after == {"state": "archived", "reason": "Aplikasi tidak lagi dipakai warga."}
    assert "Aplikasi tidak lagi dipakai warga." in page(client.get(_url(registry, innovation)))


@pytest.mark.parametrize(
    ("state", "step", "message"),
    [
        ("draft", "/verify", "tidak dapat diverifikasi"),
        ("verified", "/verify", "tidak dapat diverifikasi"),
        ("submitted", "/submit", "sudah diajukan dan sedang menunggu verifikasi"),
        ("verified", "/submit", "tidak dapat diajukan"),
        ("archived", "/submit", "tidak dapat diajukan"),
    ],
)
def test_a_step_not_allowed_from_the_state_is_refused_with_a_message(
    client, login_as, registry, make_innovation, db, state, step, message
):
    innovation = make_innovation(state=state)
    before = len(list(db.session.scalars(db.select(AuditEvent))))
    login_as(registry.coordinator)
    token = _token(client, registry, innovation)
    response = client.post(
        _url(registry, innovation, step),
        data={"csrf_token": token, "lock_version": str(innovation.lock_version)},
        follow_redirects=True,
    )
    assert message in page(response)
    assert _fresh(db, innovation).state == state
    assert len(list(db.session.scalars(db.select(AuditEvent)))) == before


def test_archive_is_refused_before_verification(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(state="submitted")
    login_as(registry.coordinator)
    token = csrf_token(client, _url(registry, innovation, "/archive"))
    response = client.post(
        _url(registry, innovation, "/archive"),
        data={"csrf_token": token, "reason": "Coba"},
    )
    assert response.status_code == 400
    assert "Hanya inovasi yang sudah diverifikasi yang dapat dihentikan" in page(response)
    assert _fresh(db, innovation).state == "submitted"


def test_archive_needs_a_reason(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(state="verified")
    login_as(registry.coordinator)
    token = csrf_token(client, _url(registry, innovation, "/archive"))
    response = client.post(
        _url(registry, innovation, "/archive"), data={"csrf_token": token, "reason": "  "}
    )
    assert "Tulis alasan inovasi ini dihentikan." in page(response)
    assert _fresh(db, innovation).state == "verified"


def test_operators_cannot_verify_or_archive(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(state="submitted")
    login_as(registry.op_dinkes)
    token = _token(client, registry, innovation)
    for step in ("/verify", "/revisions", "/archive", "/catalogue"):
        response = client.post(_url(registry, innovation, step), data={"csrf_token": token})
        assert response.status_code == 403, step
    assert _fresh(db, innovation).state == "submitted"


def test_submit_lists_what_is_missing(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(dasar_hukum="", urusan="")
    login_as(registry.op_dinkes)
    token = _token(client, registry, innovation)
    response = client.post(
        _url(registry, innovation, "/submit"),
        data={"csrf_token": token, "lock_version": str(innovation.lock_version)},
        follow_redirects=True,
    )
    text = page(response)
    assert "Belum dapat diajukan. Lengkapi dulu:" in text
    assert "Urusan pemerintahan" in text and "Dasar hukum" in text
    assert _fresh(db, innovation).state == "draft"
    assert db.session.scalar(db.select(InnovationVersion.id)) is None


def test_revisions_with_notes_answered_then_a_second_version_with_its_diff(
    client, login_as, registry, make_innovation, db
):
    innovation = make_innovation(state="submitted")
    login_as(registry.coordinator)
    url = _url(registry, innovation, "/revisions")
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "general": "Lengkapi bukti dukung.",
            "note_manfaat": "Sebutkan angka sebelum dan sesudah.",
        },
    )
    assert response.status_code == 302
    innovation = _fresh(db, innovation)
    assert innovation.state == "revisions_requested"
    notes = {n.field_key: n for n in db.session.scalars(db.select(RevisionNote))}
    assert set(notes) == {"", "manfaat"}
    (event,) = _events(db, innovation, "innovation.request_revisions")
    assert event.after["notes"]["manfaat"] == "Sebutkan angka sebelum dan sesudah."

    login_as(registry.op_dinkes)
    edit = client.get(_url(registry, innovation, "/edit"))
    assert "Sebutkan angka sebelum dan sesudah." in page(edit)
    # Submitting before answering is refused.
    token = _token(client, registry, innovation)
    response = client.post(
        _url(registry, innovation, "/submit"),
        data={"csrf_token": token, "lock_version": str(innovation.lock_version)},
        follow_redirects=True,
    )
    assert "jawaban catatan perbaikan" in page(response)
    data = _edit_data(
        client,
        registry,
        innovation,
        manfaat="Waktu tunggu turun dari tiga hari menjadi dua jam.",
        **{
            f"answer_{notes['manfaat'].id}": "Angka dari register loket ditambahkan.",
            f"answer_{notes[''].id}": "SK uji coba sudah diunggah.",
        },
    )
    assert client.post(_url(registry, innovation, "/edit"), data=data).status_code == 302
    innovation = _fresh(db, innovation)
    token = _token(client, registry, innovation)
    client.post(
        _url(registry, innovation, "/submit"),
        data={"csrf_token": token, "lock_version": str(innovation.lock_version)},
    )
    innovation = _fresh(db, innovation)
    assert innovation.state == "submitted" and innovation.latest_number == 2
    answered = db.session.get(RevisionNote, notes["manfaat"].id)
    assert answered.answer == "Angka dari register loket ditambahkan."
    assert answered.answered_by_id == registry.op_dinkes.id

    login_as(registry.coordinator)
    diff = page(client.get(_url(registry, innovation, "/versions/2")))
    assert "Yang berubah sejak versi 1" in diff
    assert "menjadi <del>satu hari.</del><ins>dua jam.</ins>" in diff
    # The detail page of a resubmission shows the change too, and the answered notes.
    detail = page(client.get(_url(registry, innovation)))
    assert "Yang berubah sejak versi 1" in detail
    assert "Angka dari register loket ditambahkan." in detail
    # Versions are immutable.
    first = db.session.scalar(db.select(InnovationVersion).filter_by(number=1))
    assert first.profile["manfaat"] == COMPLETE["manfaat"]


def test_revisions_need_one_note(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(state="submitted")
    login_as(registry.coordinator)
    url = _url(registry, innovation, "/revisions")
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "general": " "})
    assert response.status_code == 400
    assert "Tulis paling sedikit satu catatan" in page(response)
    assert _fresh(db, innovation).state == "submitted"


def test_version_rows_cannot_be_changed(app, db, registry, make_innovation):
    make_innovation(state="submitted")
    version = db.session.scalar(db.select(InnovationVersion))
    version.profile = {"nama_inovasi": "Diubah"}
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_a_stale_edit_is_a_conflict_and_keeps_what_was_typed(
    client, login_as, registry, make_innovation, db
):
    innovation = make_innovation()
    login_as(registry.op_dinkes)
    mine = _edit_data(client, registry, innovation, manfaat="Teks saya yang panjang.")
    # Meanwhile the coordinator saves the same profile.
    login_as(registry.coordinator)
    theirs = _edit_data(client, registry, innovation, manfaat="Teks koordinator.")
    assert client.post(_url(registry, innovation, "/edit"), data=theirs).status_code == 302
    login_as(registry.op_dinkes)
    mine["csrf_token"] = csrf_token(client, _url(registry, innovation, "/edit"))
    response = client.post(_url(registry, innovation, "/edit"), data=mine)
    assert response.status_code == 409
    text = page(response)
    assert "baru saja diubah orang lain" in text
    assert "Teks saya yang panjang." in text
    assert _fresh(db, innovation).profile["manfaat"] == "Teks koordinator."
    # Having seen the message, saving again overwrites knowingly.
    mine["lock_version"] = re.search(r'name="lock_version"[^>]*value="(\d+)"', text).group(1)
    assert client.post(_url(registry, innovation, "/edit"), data=mine).status_code == 302
    assert _fresh(db, innovation).profile["manfaat"] == "Teks saya yang panjang."


def test_a_submitted_innovation_cannot_be_edited(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(state="submitted")
    login_as(registry.op_dinkes)
    response = client.get(_url(registry, innovation, "/edit"), follow_redirects=True)
    assert "sedang diverifikasi koordinator" in page(response)


def test_stage_moves_forward_only(client, login_as, registry, make_innovation, db):
    innovation = make_innovation(state="verified")
    login_as(registry.op_dinkes)
    token = _token(client, registry, innovation)
    response = client.post(
        _url(registry, innovation, "/stage"),
        data={"csrf_token": token, "stage": "inisiatif"},
        follow_redirects=True,
    )
    assert "Tahapan hanya dapat maju" in page(response)
    client.post(
        _url(registry, innovation, "/stage"),
        data={"csrf_token": token, "stage": "penerapan", "day": "2024-06-01"},
    )
    innovation = _fresh(db, innovation)
    assert innovation.stage == "penerapan"
    assert str(innovation.implementation_date) == "2024-06-01"
    assert _events(db, innovation, "innovation.stage")[0].after["stage"] == "penerapan"
