"""What the work decides before any marker: a video longer than the assignment allows fails its
duration gate whatever its total, and a criterion whose proposal parts are all empty scores 0.
Level 0 is offered only where the pack says ``zero_level``."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from lms.extensions import db as _db
from lms.grading import scoring
from lms.grading.models import Grade, Review
from lms.grading.queries import submission as grading_queries
from lms.submissions import operations as subs
from lms.submissions.models import SubmissionVersion
from tests.grading.conftest import ALL_CRITERIA, PARTS, allocate, submit_proposal
from tests.helpers import ASSIGNMENT_TOML, csrf_token

VIDEO_RUBRIC = (
    Path(__file__).resolve().parents[2] / "courses/video-inovasi-sederhana/rubrics/video.toml"
).read_text(encoding="utf-8")
VIDEO_TOML = (
    'title = "Video Inovasi"\nkind = "video"\ninstructions = "Unggah video."\n'
    'rubric = "video"\nmax_duration_seconds = 300\n'
)
#: unsur 3/3·50 + durasi 3/3·15 + kejelasan 3/3·20 + pesan 1/3·15 = 90 (Sangat Baik).
VIDEO_LEVELS = {"unsur_video": "3", "durasi": "3", "kejelasan": "3", "pesan": "1"}

#: Kebaruan judges one part (no 0 level); kelengkapan judges two and may be given 0.
PARTS_RUBRIC = """
title = "Rubrik Bagian"
pass_mark = 60

[[bands]]
label = "Baik"
min = 70

[[bands]]
label = "Kurang"
min = 0

[[criteria]]
key = "kebaruan"
title = "Kebaruan"
weight = 60
parts = ["metode_pembaharuan"]

  [[criteria.levels]]
  points = 1
  title = "Kurang"

  [[criteria.levels]]
  points = 2
  title = "Baik"

[[criteria]]
key = "kelengkapan"
title = "Kelengkapan"
weight = 40
zero_level = true
parts = ["dasar_hukum", "isu_strategis"]

  [[criteria.levels]]
  points = 1
  title = "Kurang"

  [[criteria.levels]]
  points = 2
  title = "Lengkap"
"""


def _world(app, db, make_user, make_cohort, make_course, *, rubrics, assignment):
    person = make_user(full_name="Peserta Ani")
    trainer = make_user(full_name="Widyaiswara Satu")
    organizer = make_user(full_name="Panitia Kelas")
    cohort = make_cohort(participants=[person], trainers=[trainer], organizers=[organizer])
    make_course(cohorts=[cohort], rubrics=rubrics, assignments={"tugas": assignment})
    with app.test_request_context():
        (spec,) = subs.ensure_cohort_assignments(cohort)
        allocate(spec, person, trainer)
        db.session.commit()
    return SimpleNamespace(
        cohort=cohort, assignment=spec, person=person, trainer=trainer, organizer=organizer
    )


@pytest.fixture
def video(app, db, make_user, make_cohort, make_course):
    return _world(
        app,
        db,
        make_user,
        make_cohort,
        make_course,
        rubrics={"video": VIDEO_RUBRIC},
        assignment=VIDEO_TOML,
    )


@pytest.fixture
def proposal(app, db, make_user, make_cohort, make_course):
    return _world(
        app,
        db,
        make_user,
        make_cohort,
        make_course,
        rubrics={"uji": PARTS_RUBRIC},
        assignment=ASSIGNMENT_TOML,
    )


def _submit_video(app, db, world, *, seconds: float | None, url: str = ""):
    """The participant submits an uploaded MP4 of ``seconds`` (stored as measured; the upload
    limit may have been higher then), or a link when ``seconds`` is None."""
    with app.test_request_context():
        submission = subs.submission_for(world.assignment, world.person)
        if seconds is not None:
            stored = SimpleNamespace(key=f"{'a' * 60}{int(seconds):04d}", size=1000, kind="mp4")
            subs.add_file(submission, stored, name="inovasi.mp4", role="video", duration=seconds)
        subs.save_draft(
            submission,
            {"video_url": url, "unsur": ["latar_belakang"], "deskripsi": "Antrean daring."},
        )
        subs.submit(submission, self_check=ALL_CRITERIA, statement=True)
        db.session.commit()
        return submission


def _url(world, submission):
    return f"/cohorts/{world.cohort.id}/grading/submissions/{submission.id}"


def _post(client, url, **fields):
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, url),
        "lock_version": re.search(r'name="lock_version" value="(\d+)"', html).group(1),
        "outcome": "grade",
        "overall_comment": "Catatan.",
        "action": "done",
    }
    data.update(fields)
    return client.post(url, data=data)


def _levels(levels):
    return {f"level-{key}": points for key, points in levels.items()}


def _gate_input(html, key):
    return re.search(rf'<input type="checkbox" id="gate-{key}"[^>]*>', html).group(0)


# --- the video's length ---------------------------------------------------------------------------


def test_an_over_long_video_fails_with_total_90_and_the_marker_cannot_tick_it(
    app, video, login_as, db
):
    submission = _submit_video(app, db, video, seconds=372)
    client = login_as(video.trainer)
    url = _url(video, submission)
    html = client.get(url).get_data(as_text=True)
    assert "Durasi 6 menit 12 detik, melebihi batas 5 menit: tidak lulus." in html
    gate = _gate_input(html, "durasi_maksimal")
    assert "disabled" in gate and "checked" not in gate and "data-decided" in gate
    # Before any level is chosen the page already says it fails.
    assert "Pilih tingkat untuk semua kriteria untuk melihat nilai. · Tidak lulus" in html

    # Sending the gate as met changes nothing: the measured length decides.
    response = _post(client, url, **{"gate-durasi_maksimal": "1"}, **_levels(VIDEO_LEVELS))
    assert response.status_code == 302
    review = db.session.scalar(db.select(Review))
    assert (review.total, review.band, review.passed) == (90.0, "Sangat Baik", False)
    assert review.gates == {"durasi_maksimal": False}
    grade = db.session.scalar(db.select(Grade))
    assert (grade.total, grade.passed) == (90.0, False)
    html = client.get(url).get_data(as_text=True)
    assert 'data-total="90.0"' in html and "90,0 · Sangat Baik · Tidak lulus" in html


def test_a_video_exactly_at_the_limit_passes(app, video, login_as, db):
    submission = _submit_video(app, db, video, seconds=300)
    client = login_as(video.trainer)
    url = _url(video, submission)
    html = client.get(url).get_data(as_text=True)
    assert "Durasi 5 menit, dalam batas 5 menit: syarat terpenuhi." in html
    gate = _gate_input(html, "durasi_maksimal")
    assert "disabled" in gate and "checked" in gate
    assert _post(client, url, **_levels(VIDEO_LEVELS)).status_code == 302  # gate not sent
    review = db.session.scalar(db.select(Review))
    assert (review.total, review.passed) == (90.0, True)
    assert review.gates == {"durasi_maksimal": True}


def test_a_linked_video_is_confirmed_by_the_marker_with_a_hint(app, video, login_as, db):
    submission = _submit_video(app, db, video, seconds=None, url="https://youtu.be/abc123")
    client = login_as(video.trainer)
    url = _url(video, submission)
    html = client.get(url).get_data(as_text=True)
    assert (
        "Durasi video ini tidak dapat diukur otomatis (misalnya video berupa tautan). Putar "
        "videonya, lalu centang syarat ini bila panjangnya paling lama 5 menit."
    ) in html
    gate = _gate_input(html, "durasi_maksimal")
    assert "disabled" not in gate and "data-decided" not in gate
    assert _post(client, url, action="save", **_levels(VIDEO_LEVELS)).status_code == 302
    assert db.session.scalar(db.select(Review.passed)) is False  # not confirmed: fails
    response = _post(client, url, **{"gate-durasi_maksimal": "1"}, **_levels(VIDEO_LEVELS))
    assert response.status_code == 302
    assert db.session.scalar(db.select(Review.passed)) is True


def test_the_gate_rule_in_one_place(app):
    rubric = SimpleNamespace(
        gates=[{"key": "durasi", "title": "Durasi", "check": "max_duration"}], criteria=[]
    )
    with app.test_request_context():
        over = scoring.decide(rubric, scoring.Work(kind="video", duration=300.6, max_seconds=300))
        at = scoring.decide(rubric, scoring.Work(kind="video", duration=300.4, max_seconds=300))
        link = scoring.decide(rubric, scoring.Work(kind="video", max_seconds=300))
    # Seconds are counted as people count them: 300.4 is 5 minutes, 300.6 is 5 min 1 s.
    assert over.gates == {"durasi": False} and over.failed == ["durasi"]
    assert (
        over.reasons["gate-durasi"]
        == "Durasi 5 menit 1 detik, melebihi batas 5 menit: tidak lulus."
    )
    assert at.gates == {"durasi": True} and not at.failed
    assert link.gates == {} and "gate-durasi" in link.hints
    # A gate without a check is the marker's alone.
    plain = SimpleNamespace(gates=[{"key": "memperbarui", "title": "x"}], criteria=[])
    with app.test_request_context():
        assert scoring.decide(plain, scoring.Work(kind="video", duration=999, max_seconds=300)) == (
            scoring.Decided()
        )


# --- empty proposal parts and level 0 ----------------------------------------------------------


def test_level_0_is_offered_only_where_the_pack_says_so(app, proposal, login_as, db):
    with app.test_request_context():
        submission = submit_proposal(proposal.assignment, proposal.person)
        db.session.commit()
    client = login_as(proposal.trainer)
    url = _url(proposal, submission)
    html = client.get(url).get_data(as_text=True)
    assert 'name="level-kelengkapan" value="0"' in html
    assert 'name="level-kebaruan" value="0"' not in html
    assert "Bagian yang dinilai tidak ada · 0,0 poin" in html
    assert "Bagian yang dinilai: Metode pembaharuan" in html
    assert "kosong: 0 poin" not in html and "kosong semuanya" not in html

    response = _post(client, url, **{"level-kebaruan": "0", "level-kelengkapan": "0"})
    assert response.status_code == 400
    assert "Pilih salah satu tingkat yang ada." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Review)) is None

    # 60·2/2 + 40·0 = 60: a pass at the pass mark, with "Kurang" as its band.
    response = _post(client, url, **{"level-kebaruan": "2", "level-kelengkapan": "0"})
    assert response.status_code == 302
    review = db.session.scalar(db.select(Review))
    assert (review.total, review.band, review.passed) == (60.0, "Kurang", True)
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'name="level-kelengkapan" value="0" checked', html)


def test_a_part_holding_only_a_dash_scores_0_and_cannot_be_raised(app, proposal, login_as, db):
    with app.test_request_context():
        submission = submit_proposal(proposal.assignment, proposal.person, metode_pembaharuan="-")
        db.session.commit()
    client = login_as(proposal.trainer)
    url = _url(proposal, submission)
    html = client.get(url).get_data(as_text=True)
    assert "Bagian Metode pembaharuan kosong: 0 poin." in html
    for value in ("1", "2"):
        radio = re.search(rf'<input type="radio" name="level-kebaruan" value="{value}"[^>]*>', html)
        assert "disabled" in radio.group(0)
    # A 0 choice appears, checked, although the criterion has no zero level of its own.
    assert re.search(r'name="level-kebaruan" value="0" checked disabled', html)

    response = _post(client, url, **{"level-kebaruan": "2", "level-kelengkapan": "2"})
    assert response.status_code == 302
    review = db.session.scalar(db.select(Review))
    # 60·0 + 40·2/2 = 40: Kurang, fails.
    assert (review.total, review.band, review.passed) == (40.0, "Kurang", False)
    assert {s.criterion.key: s.points for s in review.scores} == {
        "kebaruan": 0.0,
        "kelengkapan": 2.0,
    }
    html = client.get(url).get_data(as_text=True)
    assert "Bagian Metode pembaharuan kosong: 0 poin." in html
    assert 'data-saved-total="40.0"' in html


def _old_version(world, fields):
    """A version written before the six parts (old keys), as stored then."""
    submission = subs.submission_for(world.assignment, world.person)
    submission.latest_number = 1
    submission.state = "submitted"
    _db.session.add(
        SubmissionVersion(
            submission_id=submission.id,
            number=1,
            fields=fields,
            files=[],
            content_hash="0" * 64,
        )
    )
    _db.session.flush()
    return submission


def test_an_old_version_is_mapped_to_the_six_parts_before_parts_are_checked(
    app, proposal, login_as, db
):
    with app.test_request_context():
        submission = _old_version(
            proposal,
            {
                "nama_inovasi": "Si Cepat",
                "permasalahan": "Antrean panjang di loket.",
                "rancang_bangun": "Warga mendaftar lewat pesan singkat.",
                "pokok_perubahan": "Dulu datang pagi-pagi; sekarang mendaftar dari rumah.",
            },
        )
        db.session.commit()
    client = login_as(proposal.trainer)
    url = _url(proposal, submission)
    html = client.get(url).get_data(as_text=True)
    # The old pokok perubahan is the method of renewal now: kebaruan is marked as usual.
    assert "Bagian Metode pembaharuan kosong" not in html
    assert not re.search(r'name="level-kebaruan" value="\d+"[^>]*disabled', html)
    # Neither dasar hukum nor isu strategis existed as fields then.
    assert "Bagian Dasar hukum; Isu strategis kosong semuanya: 0 poin." in html
    assert (
        _post(client, url, **{"level-kebaruan": "2", "level-kelengkapan": "2"}).status_code == 302
    )
    review = db.session.scalar(db.select(Review))
    assert review.total == 60.0  # 60·2/2 + 40·0


def test_an_old_version_without_its_pokok_perubahan_scores_0_on_kebaruan(app, proposal):
    with app.test_request_context():
        submission = _old_version(
            proposal,
            {"nama_inovasi": "Si Cepat", "permasalahan": "Antrean.", "pokok_perubahan": " "},
        )
        version = grading_queries.latest_version(submission)
        rubric = grading_queries.rubric_for(proposal.assignment)
        decided = scoring.decide(rubric, grading_queries.work_of(proposal.assignment, version))
        assert decided.points == {"kebaruan": 0.0, "kelengkapan": 0.0}
        assert decided.reasons["level-kebaruan"] == "Bagian Metode pembaharuan kosong: 0 poin."


def test_parts_are_only_checked_on_proposals(app):
    rubric = SimpleNamespace(
        gates=[], criteria=[SimpleNamespace(key="k", parts=["metode_pembaharuan"], levels=[])]
    )
    with app.test_request_context():
        assert scoring.decide(rubric, scoring.Work(kind="text", fields={})).points == {}
        assert scoring.decide(rubric, scoring.Work(kind="proposal", fields={})).points == {"k": 0.0}
        full = scoring.Work(kind="proposal", fields=dict(PARTS))
        assert scoring.decide(rubric, full).points == {}


@pytest.mark.parametrize(
    ("value", "empty"),
    [
        (None, True),
        ("", True),
        ("  -  ", True),
        ("...", True),
        ("—", True),
        ([], True),
        ("Ya", False),
        ("0", False),
        (["latar_belakang"], False),
    ],
)
def test_what_counts_as_an_empty_part(value, empty):
    assert scoring.is_empty(value) is empty
