"""A graded class proposal becomes a regional innovation: every field (old keys too), every
attached file (the same stored file) and the class video are carried over, the link is kept
both ways, and nothing is registered twice."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from lms import profile
from lms.grading import operations as grading
from lms.grading.models import Allocation
from lms.grading.queries import submission as grading_queries
from lms.grading.scoring import MarkingInput
from lms.innovations.models import Innovation, InnovationFile
from lms.storage import save_upload
from lms.submissions import operations as subs
from lms.submissions.fields import PP38_CRITERIA
from tests.helpers import ASSIGNMENT_TOML, csrf_token
from tests.innovations.conftest import page
from tests.submissions.mp4 import make_mp4

VIDEO_TOML = 'title = "Video"\nkind = "video"\ninstructions = "Unggah video."\n'
LONG = " ".join(["kata"] * 300)
#: A proposal written with the old keys (permasalahan, rancang_bangun, pokok_perubahan).
PROPOSAL = {
    "nama_inovasi": "SIAP ANTAR",
    "bentuk": "pelayanan_publik",
    "jenis": "non_digital",
    "inisiator": "asn",
    "urusan": "kesehatan",
    "tahapan": "uji_coba",
    "tanggal_uji_coba": "2023-10-02",
    "permasalahan": "Lansia terlambat mengambil obat.",
    "dasar_hukum": "PP 38/2017.",
    "isu_strategis": "Penyakit kronis lansia.",
    "rancang_bangun": LONG,
    "pokok_perubahan": "Obat diantar kader.",
    "keunggulan": "Murah.",
    "tujuan": "Pengobatan tidak terputus.",
    "manfaat": "Lansia tetap minum obat.",
    "hasil": "180 lansia terlayani.",
    "anggaran": "Rp 5.000.000.",
    "tahapan_waktu": "Oktober sampai Desember.",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@dataclass
class ClassWorld:
    cohort: Any
    participant: Any
    other: Any
    trainer: Any
    organizer: Any
    proposal: Any
    submission: Any
    version: Any
    attachment_key: str
    video_key: str


def _grade_and_release(submission, trainer, organizer) -> None:
    from lms.extensions import db

    db.session.add(
        Allocation(
            assignment_id=submission.assignment_id,
            participant_id=submission.user_id,
            trainer_id=trainer.id,
            slot=1,
        )
    )
    db.session.flush()
    version = grading_queries.latest_version(submission)
    grading.save_review(
        submission,
        version,
        trainer,
        MarkingInput(points={"kebaruan": 2, "manfaat": 2}, gates={}, overall_comment="Baik."),
        done=True,
        lock_version=0,
    )
    grading.release([grading_queries.grade_of(version)], organizer)


@pytest.fixture
def class_world(app, db, registry, make_user, make_cohort, make_course) -> ClassWorld:
    participant = make_user(full_name="Peserta Kelas, S.Kep.", nip="199204022017032001")
    participant.office_id = registry.dinkes.id
    other, trainer, organizer = make_user(), make_user(), make_user()
    cohort = make_cohort(
        participants=[participant, other], trainers=[trainer], organizers=[organizer]
    )
    cohort.region_id = registry.region.id
    make_course(cohorts=[cohort], assignments={"proposal": ASSIGNMENT_TOML, "video": VIDEO_TOML})
    with app.test_request_context():
        assignments = {a.spec.kind: a for a in subs.ensure_cohort_assignments(cohort)}
        submission = subs.submission_for(assignments["proposal"], participant)
        subs.save_draft(submission, PROPOSAL)
        stored = save_upload(io.BytesIO(PDF), max_bytes=10_000, allowed={"pdf"})
        subs.add_file(submission, stored, name="sk-uji-coba.pdf")
        version = subs.submit(
            submission, self_check={k: True for k, _l in PP38_CRITERIA}, statement=True
        )
        _grade_and_release(submission, trainer, organizer)
        video = FileStorage(io.BytesIO(make_mp4(60)), filename="video-kelas.mp4")
        saved = subs.save_video(
            assignments["video"],
            participant,
            seen_lock=None,
            fields={"video_url": "https://youtu.be/siap-antar", "unsur": ["manfaat"]},
            video=video,
        )
        video_version = subs.submit(saved.submission, self_check={}, statement=True)
        db.session.commit()
    (video_file,) = [f for f in video_version.files if f["role"] == "video"]
    return ClassWorld(
        cohort,
        participant,
        other,
        trainer,
        organizer,
        assignments["proposal"],
        submission,
        version,
        stored.key,
        video_file["key"],
    )


def _url(w: ClassWorld) -> str:
    return f"/cohorts/{w.cohort.id}/submissions/{w.submission.id}/innovation"


def _receipt(w: ClassWorld) -> str:
    return f"/cohorts/{w.cohort.id}/assignments/{w.proposal.id}/versions/{w.version.number}"


def _feedback(w: ClassWorld) -> str:
    return f"/cohorts/{w.cohort.id}/assignments/{w.proposal.id}/feedback"


def test_the_button_shows_on_the_receipt_and_the_feedback_page(client, login_as, class_world):
    login_as(class_world.participant)
    for url in (_receipt(class_world), _feedback(class_world)):
        text = page(client.get(url))
        assert "Daftarkan sebagai inovasi daerah" in text, url
        assert _url(class_world) in text


def test_the_confirm_page_is_prefilled_with_everything(client, login_as, class_world, registry):
    login_as(class_world.participant)
    text = page(client.get(_url(class_world)))
    assert "SIAP ANTAR" in text and "Lansia terlambat mengambil obat." in text
    assert "sk-uji-coba.pdf" in text and "video-kelas.mp4" in text
    assert "https://youtu.be/siap-antar" in text
    assert f'<option selected value="{registry.dinkes.id}">' in text


def test_registering_carries_every_field_file_and_the_video(
    client, login_as, class_world, registry, db
):
    login_as(class_world.participant)
    response = client.post(
        _url(class_world),
        data={"csrf_token": csrf_token(client, _url(class_world)), "office": registry.dinkes.id},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_receipt(class_world))
    innovation = db.session.scalar(db.select(Innovation))
    expected = profile.from_legacy(PROPOSAL)
    for key, value in expected.items():
        assert innovation.profile[key] == value, key
    assert "Lansia terlambat mengambil obat." in innovation.profile["latar_belakang"]
    assert innovation.profile["metode_pembaharuan"] == "Obat diantar kader."
    assert innovation.profile["cara_kerja"] == LONG
    assert innovation.name == "SIAP ANTAR" and innovation.stage == "uji_coba"
    assert innovation.state == "draft" and innovation.office_id == registry.dinkes.id
    assert innovation.source_version_id == class_world.version.id
    assert innovation.video_url == "https://youtu.be/siap-antar"
    files = {f.role: f for f in db.session.scalars(db.select(InnovationFile))}
    assert files["other"].key == class_world.attachment_key  # the same stored file
    assert files["other"].name == "sk-uji-coba.pdf"
    assert files["video"].key == class_world.video_key
    (person,) = innovation.innovators
    assert person.user_id == class_world.participant.id and not person.show_in_catalogue

    # The link, both ways: the receipt shows it instead of the button.
    text = page(client.get(_receipt(class_world)))
    assert "Terdaftar sebagai inovasi daerah" in text and "SIAP ANTAR" in text
    assert "Daftarkan sebagai inovasi daerah" not in text
    login_as(registry.op_dinkes)
    detail = page(client.get(f"/regions/{registry.region.code}/innovations/{innovation.id}"))
    assert class_world.cohort.name in detail  # its source class, and the class attended
    assert "Peserta Kelas, S.Kep." in detail
    assert "sk-uji-coba.pdf" in detail and "video-kelas.mp4" in detail


def test_registering_twice_is_refused(client, login_as, class_world, registry, db):
    login_as(class_world.participant)
    data = {"csrf_token": csrf_token(client, _url(class_world)), "office": registry.dinkes.id}
    client.post(_url(class_world), data=data)
    response = client.post(_url(class_world), data=data)
    assert response.status_code == 400
    assert "sudah terdaftar sebagai inovasi daerah" in page(response)
    assert db.session.scalar(db.select(db.func.count(Innovation.id))) == 1


def test_an_organizer_registers_and_chooses_the_office(client, login_as, class_world, registry, db):
    class_world.participant.office_id = None
    db.session.commit()
    login_as(class_world.organizer)
    text = page(client.get(_url(class_world)))
    assert "— Pilih perangkat daerah —" in text
    token = csrf_token(client, _url(class_world))
    response = client.post(_url(class_world), data={"csrf_token": token, "office": "0"})
    assert "Pilih perangkat daerah inovasi ini." in page(response)
    assert db.session.scalar(db.select(Innovation.id)) is None
    response = client.post(
        _url(class_world), data={"csrf_token": token, "office": registry.dukcapil.id}
    )
    assert response.status_code == 302
    assert "user=" in response.headers["Location"]
    assert db.session.scalar(db.select(Innovation)).office_id == registry.dukcapil.id


def test_not_graded_yet_no_button_and_refused(client, login_as, class_world, db):
    from lms.grading.models import Grade

    for grade in db.session.scalars(db.select(Grade)):
        grade.released_dt = None
    db.session.commit()
    login_as(class_world.participant)
    assert "Daftarkan sebagai inovasi daerah" not in page(client.get(_receipt(class_world)))
    text = page(client.get(_url(class_world)))
    assert "belum dinilai" in text
    token = csrf_token(client, _feedback(class_world).replace("/feedback", "/work"))
    response = client.post(_url(class_world), data={"csrf_token": token, "office": "1"})
    assert response.status_code in (200, 400)
    assert db.session.scalar(db.select(Innovation.id)) is None


def test_a_class_without_region_says_so(client, login_as, class_world, db):
    class_world.cohort.region_id = None
    db.session.commit()
    login_as(class_world.participant)
    assert "belum terhubung dengan daerah" in page(client.get(_url(class_world)))


def test_others_cannot_register_someone_elses_proposal(client, login_as, class_world):
    login_as(class_world.other)
    assert client.get(_url(class_world)).status_code == 404
    login_as(class_world.trainer)
    assert client.get(_url(class_world)).status_code == 403
    # The trainer reads the receipt but gets no button.
    text = page(client.get(_receipt(class_world) + f"?user={class_world.participant.id}"))
    assert "Daftarkan sebagai inovasi daerah" not in text
