"""The innovation video page: MP4 upload with a duration check, public links, playing with
range requests, and who may play what."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import pytest
from flask import url_for
from mutagen.mp4 import MP4

from lms.submissions import operations as ops
from lms.submissions.models import Submission, SubmissionFile, SubmissionVersion
from tests.helpers import csrf_token
from tests.submissions.mp4 import make_mp4, write_mp4

VIDEO_TOML = (
    'title = "Video"\nkind = "video"\ninstructions = "Unggah video."\nmax_duration_seconds = 300\n'
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def world(db, make_user, make_cohort, make_course):
    owner, other, trainer, organizer = make_user(), make_user(), make_user(), make_user()
    cohort = make_cohort(participants=[owner, other], trainers=[trainer], organizers=[organizer])
    make_course(cohorts=[cohort], assignments={"video": VIDEO_TOML}, rubrics={})
    (assignment,) = ops.ensure_cohort_assignments(cohort)
    db.session.commit()
    return {
        "owner": owner,
        "other": other,
        "trainer": trainer,
        "organizer": organizer,
        "cohort": cohort,
        "assignment": assignment,
        "url": f"/cohorts/{cohort.id}/assignments/{assignment.id}/video",
    }


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def _post(client, url, *, action="draft", files=None, **fields):
    data = {"csrf_token": csrf_token(client, url), "action": action}
    page = client.get(url).get_data(as_text=True)
    lock = re.search(r'name="lock_version"[^>]*value="(\d*)"', page) or re.search(
        r'value="(\d*)"[^>]*name="lock_version"', page
    )
    data["lock_version"] = lock.group(1) if lock else "0"
    data.update(fields)
    for name, (content, filename) in (files or {}).items():
        data[name] = (io.BytesIO(content), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


def _submission(db, world) -> Submission | None:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Submission).filter_by(
            assignment_id=world["assignment"].id, user_id=world["owner"].id
        )
    )


def _video_rows(db) -> list[SubmissionFile]:
    return db.session.scalars(db.select(SubmissionFile).filter_by(role="video")).all()


# --- the MP4 fixture itself -------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [1, 60, 299.5, 400])
@pytest.mark.parametrize("audio", [False, True])
def test_generated_mp4_reads_back_its_duration(tmp_path, seconds, audio):
    path = write_mp4(tmp_path / "v.mp4", seconds, size=64 * 1024, audio=audio)
    assert path.stat().st_size == 64 * 1024
    assert MP4(path).info.length == pytest.approx(seconds)
    assert MP4(io.BytesIO(make_mp4(seconds, audio=audio))).info.length == pytest.approx(seconds)


# --- uploading ------------------------------------------------------------------------------


def test_page_shows_instructions_and_the_form(world, login_as):
    client = login_as(world["owner"])
    response = client.get(world["url"])
    text = _text(response)
    assert response.status_code == 200
    assert "Unggah video." in text
    assert 'accept="video/mp4"' in text
    assert "Belum mulai" in text
    assert "paling lama 5 menit" in text
    assert "upload-progress.js" in text and "<progress" in text


def test_a_60_second_mp4_is_accepted_and_its_duration_stored(world, login_as, db):
    client = login_as(world["owner"])
    response = _post(
        client, world["url"], files={"video": (make_mp4(60, size=20_000), "inovasi.mp4")}
    )
    assert response.status_code == 303
    (row,) = _video_rows(db)
    assert row.duration == pytest.approx(60)
    assert row.name == "inovasi.mp4" and row.kind == "mp4" and row.size == 20_000
    page = _text(client.get(world["url"]))
    assert "Draf tersimpan." in page
    assert "durasi 1 menit" in page
    assert '<video controls preload="metadata"' in page


def test_a_400_second_mp4_is_refused_with_its_duration(world, login_as, db):
    client = login_as(world["owner"])
    response = _post(client, world["url"], files={"video": (make_mp4(400), "panjang.mp4")})
    # The refusal is shown with 200: the rest of the draft is saved.
    assert response.status_code == 200
    text = _text(response)
    assert "Durasi video 6 menit 40 detik; paling lama 5 menit." in text
    assert _video_rows(db) == []
    assert _submission(db, world) is not None


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (PNG, "gambar.mp4"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "halaman.mp4"),
        (b"<html><body>bukan video</body></html>", "halaman.html"),
    ],
)
def test_files_that_are_not_mp4_are_refused(world, login_as, db, content, filename):
    client = login_as(world["owner"])
    response = _post(client, world["url"], files={"video": (content, filename)})
    assert response.status_code == 200
    assert "Jenis berkas ini tidak diterima. Yang diterima: MP4." in _text(response)
    assert _video_rows(db) == []


def test_an_mp4_without_pictures_or_unreadable_is_refused(world, login_as, db):
    client = login_as(world["owner"])
    audio_only = make_mp4(60, video=False, audio=True)
    response = _post(client, world["url"], files={"video": (audio_only, "suara.mp4")})
    assert "tidak berisi gambar video" in _text(response)
    broken = make_mp4(60)[:40] + b"\xff" * 200
    response = _post(client, world["url"], files={"video": (broken, "rusak.mp4")})
    assert "tidak dapat dibaca sebagai video MP4" in _text(response)
    assert _video_rows(db) == []


def test_an_oversized_upload_is_refused_without_leaving_a_temp_file(
    world, login_as, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_VIDEO_MAX_BYTES", 100 * 1024)
    client = login_as(world["owner"])
    response = _post(
        client, world["url"], files={"video": (make_mp4(60, size=300 * 1024), "besar.mp4")}
    )
    assert response.status_code == 200
    assert "Berkas terlalu besar; batasnya 0,1 MB." in _text(response)
    assert _video_rows(db) == []
    tmp = Path(app.config["LMS_UPLOAD_DIR"]) / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


def test_a_refused_upload_keeps_the_other_values(world, login_as, db):
    client = login_as(world["owner"])
    response = _post(
        client,
        world["url"],
        files={"video": (PNG, "gambar.mp4")},
        unsur=["latar_belakang", "dampak"],
        deskripsi="Inovasi antrean puskesmas.",
        video_url="https://youtu.be/abc",
    )
    text = response.get_data(as_text=True)
    assert "Inovasi antrean puskesmas." in text
    assert 'value="https://youtu.be/abc"' in text
    assert re.search(r'<input[^>]*checked[^>]*value="dampak"|value="dampak"[^>]*checked', text)
    assert 'aria-describedby="video-hint video-error"' in text


def test_a_new_upload_replaces_the_old_one(world, login_as, db):
    client = login_as(world["owner"])
    _post(client, world["url"], files={"video": (make_mp4(60), "satu.mp4")})
    _post(client, world["url"], files={"video": (make_mp4(90), "dua.mp4")})
    submission = _submission(db, world)
    assert [(f.name, f.removed) for f in submission.files] == [
        ("satu.mp4", True),
        ("dua.mp4", False),
    ]


def test_thumbnail_is_attached_and_a_bad_one_refused(world, login_as, db):
    client = login_as(world["owner"])
    response = _post(client, world["url"], files={"thumbnail": (PNG, "mini.png")})
    assert response.status_code == 303
    (row,) = db.session.scalars(db.select(SubmissionFile).filter_by(role="thumbnail")).all()
    assert row.kind == "png"
    response = _post(client, world["url"], files={"thumbnail": (make_mp4(10), "mini.png")})
    assert response.status_code == 200
    assert "Yang diterima: PNG, JPG, WebP." in _text(response)
    # The refused file replaced nothing: the good thumbnail is still the draft's.
    thumbnails = db.session.scalars(db.select(SubmissionFile).filter_by(role="thumbnail")).all()
    assert [(f.kind, f.removed) for f in thumbnails] == [("png", False)]


# --- links and submitting ---------------------------------------------------------------------


def test_a_youtube_link_saves_and_submits_with_the_elements(world, login_as, db, app):
    client = login_as(world["owner"])
    url = "https://www.youtube.com/watch?v=abc123"
    response = _post(client, world["url"], video_url=url, unsur=["latar_belakang"])
    assert response.status_code == 303
    assert _submission(db, world).draft["video_url"] == url
    response = _post(
        client,
        world["url"],
        action="submit",
        video_url=url,
        unsur=["latar_belakang", "manfaat", "dampak"],
        deskripsi="Antrean daring puskesmas.",
        statement="y",
    )
    assert response.status_code == 303, _text(response)
    with app.test_request_context():
        receipt = url_for(
            "lms.submissions.version",
            cohort_id=world["cohort"].id,
            assignment_id=world["assignment"].id,
            number=1,
        )
    assert response.headers["Location"] == receipt
    version = db.session.scalar(db.select(SubmissionVersion))
    assert version.number == 1
    assert version.fields["video_url"] == url
    assert version.fields["unsur"] == ["latar_belakang", "manfaat", "dampak"]
    assert version.fields["deskripsi"] == "Antrean daring puskesmas."
    assert _submission(db, world).state == "submitted"


def test_an_uploaded_video_submits_and_the_version_lists_it(world, login_as, db):
    client = login_as(world["owner"])
    response = _post(
        client,
        world["url"],
        action="submit",
        files={"video": (make_mp4(120), "inovasi.mp4")},
        unsur=["penjaringan_ide", "pemilihan_ide"],
        statement="y",
    )
    assert response.status_code == 303
    version = db.session.scalar(db.select(SubmissionVersion))
    assert [f["role"] for f in version.files] == ["video"]
    assert version.fields["unsur"] == ["penjaringan_ide", "pemilihan_ide"]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<video controls" in receipt and "/play" in receipt  # watched in the page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://www.youtube.com/watch?v=abc", "Tautan video harus berupa alamat https://"),
        ("https://video.example.com/abc", "Tautan video harus dari salah satu layanan ini"),
    ],
)
def test_a_bad_link_is_saved_as_draft_but_refused_on_submit(world, login_as, db, url, message):
    client = login_as(world["owner"])
    assert _post(client, world["url"], video_url=url).status_code == 303
    response = _post(client, world["url"], action="submit", video_url=url, statement="y")
    assert response.status_code == 200  # not sent; the draft is saved
    text = _text(response)
    assert message in text
    assert 'aria-describedby="video_url-hint video_url-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(SubmissionVersion)) is None
    assert _submission(db, world).draft["video_url"] == url


def test_submit_shows_every_problem_at_once(world, login_as, db):
    client = login_as(world["owner"])
    response = _post(client, world["url"], action="submit")
    text = _text(response)
    assert response.status_code == 200  # not sent; the draft is saved
    assert _submission(db, world) is not None
    assert db.session.scalar(db.select(SubmissionVersion)) is None
    assert "Unggah berkas MP4 atau isi tautan video publik." in text
    assert "Nyatakan bahwa karya ini adalah karya Anda sendiri." in text


def test_only_participants_of_the_cohort_open_the_page(world, login_as, make_user):
    assert login_as(world["trainer"]).get(world["url"]).status_code == 403
    assert login_as(make_user()).get(world["url"]).status_code == 403
    cohort_id = world["cohort"].id
    assert (
        login_as(world["owner"]).get(f"/cohorts/{cohort_id}/assignments/999999/video").status_code
        == 404
    )


def test_an_admin_sees_the_page_but_cannot_submit(world, login_as, make_user):
    client = login_as(make_user(is_admin=True))
    response = client.get(world["url"])
    assert response.status_code == 200
    assert "Hanya peserta kelas ini yang dapat mengerjakan" in _text(response)
    assert 'name="video"' not in response.get_data(as_text=True)
    assert client.post(world["url"], data={"action": "draft"}).status_code in (400, 403)


def test_a_proposal_assignment_has_no_video_page(world, login_as, make_course, db):
    make_course(cohorts=[world["cohort"]])  # the default pack: a proposal
    rows = ops.ensure_cohort_assignments(world["cohort"])
    db.session.commit()
    proposal = next(a for a in rows if a.spec.kind == "proposal")
    url = f"/cohorts/{world['cohort'].id}/assignments/{proposal.id}/video"
    assert login_as(world["owner"]).get(url).status_code == 404


def test_two_tabs_do_not_overwrite_each_other(world, login_as, db):
    client = login_as(world["owner"])
    url = world["url"]
    token = csrf_token(client, url)
    first = {"csrf_token": token, "action": "draft", "lock_version": "0", "deskripsi": "A"}
    assert client.post(url, data=first).status_code == 303
    second = {**first, "deskripsi": "B"}  # loaded before the first save
    response = client.post(url, data=second)
    assert response.status_code == 409
    assert "Data ini baru saja diubah orang lain." in _text(response)
    assert _submission(db, world).draft["deskripsi"] == "A"


# --- playing --------------------------------------------------------------------------------


@pytest.fixture
def uploaded(world, login_as, db):
    content = make_mp4(60, size=10_000)
    client = login_as(world["owner"])
    assert _post(client, world["url"], files={"video": (content, "inovasi.mp4")}).status_code == 303
    (row,) = _video_rows(db)
    play = f"/cohorts/{world['cohort'].id}/submissions/{row.submission_id}/files/{row.id}/play"
    return {**world, "file": row, "play": play, "content": content}


def test_play_serves_the_video_inline_with_range_requests(uploaded, login_as):
    client = login_as(uploaded["owner"])
    response = client.get(uploaded["play"])
    assert response.status_code == 200
    assert response.mimetype == "video/mp4"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert response.headers.get("Accept-Ranges") == "bytes"
    assert response.data == uploaded["content"]

    response = client.get(uploaded["play"], headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 100-199/10000"
    assert response.data == uploaded["content"][100:200]

    response = client.get(uploaded["play"], headers={"Range": "bytes=9990-"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 9990-9999/10000"
    assert response.data == uploaded["content"][9990:]


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("trainer", 200), ("organizer", 200), ("other", 403)]
)
def test_who_may_play(uploaded, login_as, who, status):
    assert login_as(uploaded[who]).get(uploaded["play"]).status_code == status


def test_play_with_guessed_ids_is_404(uploaded, login_as, make_cohort, db):
    client = login_as(uploaded["trainer"])
    cohort_id, row = uploaded["cohort"].id, uploaded["file"]
    assert (
        client.get(
            f"/cohorts/{cohort_id}/submissions/{row.submission_id}/files/{row.id + 999}/play"
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/cohorts/{cohort_id}/submissions/{row.submission_id + 999}/files/{row.id}/play"
        ).status_code
        == 404
    )
    # The same ids under another cohort the trainer also teaches: not found there.
    other = make_cohort(trainers=[uploaded["trainer"]])
    assert (
        client.get(
            f"/cohorts/{other.id}/submissions/{row.submission_id}/files/{row.id}/play"
        ).status_code
        == 404
    )


def test_a_thumbnail_is_not_played(uploaded, login_as, db):
    client = login_as(uploaded["owner"])
    assert _post(client, uploaded["url"], files={"thumbnail": (PNG, "mini.png")}).status_code == 303
    thumb = db.session.scalar(db.select(SubmissionFile).filter_by(role="thumbnail"))
    url = (
        f"/cohorts/{uploaded['cohort'].id}/submissions/{thumb.submission_id}/files/{thumb.id}/play"
    )
    assert client.get(url).status_code == 404


def test_the_upload_script_gets_json_instead_of_a_redirect(world, login_as, db):
    client = login_as(world["owner"])
    url = world["url"]
    data = {
        "csrf_token": csrf_token(client, url),
        "action": "draft",
        "lock_version": "0",
        "video": (io.BytesIO(make_mp4(30)), "v.mp4"),
    }
    response = client.post(
        url, data=data, content_type="multipart/form-data", headers={"X-Upload-Progress": "1"}
    )
    assert response.status_code == 200
    assert response.json == {"location": url}
    assert "Draf tersimpan." in _text(client.get(url))  # the flash waited for that page
