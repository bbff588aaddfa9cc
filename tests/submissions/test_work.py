"""The participant's pages: the cohort's assignments and the work page (drafts, attachments,
submitting, deadlines in the cohort's zone, other people's work)."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.submissions import operations as ops
from lms.submissions.fields import PP38_CRITERIA
from lms.submissions.models import Submission, SubmissionVersion
from tests.helpers import ASSIGNMENT_TOML, valid_proposal

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n"
#: 10.00 WITA on Tuesday 1 December 2026.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TEXT_TOML = """
title = "Refleksi Uji"
kind = "text"
instructions = "Tulis refleksi."
"""
ALL_CHECKS = {f"check_{key}": "y" for key, _label in PP38_CRITERIA}


@pytest.fixture
def now(monkeypatch):
    """The clock of the pages (and of what they submit)."""
    monkeypatch.setattr("lms.submissions.views.work.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def in_app(app):
    """Calls to operations outside a request (an app context pushed for the whole test would
    be shared by the client's requests, and with it the logged-in user)."""
    return app.test_request_context


@pytest.fixture
def k(db, in_app, make_user, make_cohort, make_course):
    person = make_user(full_name="Andi Rahmat")
    other = make_user(full_name="Budi Santoso")
    outsider = make_user(full_name="Citra Lain")
    organizer = make_user(full_name="Panitia Satu")
    trainer = make_user(full_name="Widyaiswara Satu")
    cohort = make_cohort(
        participants=[person, other],
        organizers=[organizer],
        trainers=[trainer],
        timezone="Asia/Makassar",
    )
    other_cohort = make_cohort(participants=[outsider])
    make_course(
        cohorts=[cohort, other_cohort],
        assignments={"proposal": ASSIGNMENT_TOML, "refleksi": TEXT_TOML},
    )
    with in_app():
        rows = ops.ensure_cohort_assignments(cohort)
        db.session.commit()
    by_kind = {row.spec.kind: row for row in rows}
    return {
        "person": person,
        "other": other,
        "outsider": outsider,
        "organizer": organizer,
        "trainer": trainer,
        "cohort": cohort,
        "other_cohort": other_cohort,
        "proposal": by_kind["proposal"],
        "text": by_kind["text"],
    }


@pytest.fixture
def dates(db, k, in_app):
    """``dates(due_dt=..., which="proposal")``: the organizer sets an assignment's dates."""

    def set_dates(which: str = "proposal", **kwargs):
        values = {"open_dt": None, "due_dt": None, "cutoff_dt": None, "late_allowed": False}
        values.update(kwargs)
        with in_app():
            ops.set_dates(k[which], actor=k["organizer"], **values)
            db.session.commit()

    return set_dates


def _list_url(k) -> str:
    return f"/cohorts/{k['cohort'].id}/assignments"


def _url(k, which="proposal") -> str:
    return f"/cohorts/{k['cohort'].id}/assignments/{k[which].id}"


def _form_state(client, url) -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    lock = re.search(r'name="lock_version"[^>]*value="([^"]*)"', page) or re.search(
        r'name="lock_version"', page
    )
    assert token and lock, f"no work form on {url}"
    return {
        "csrf_token": token.group(1),
        "lock_version": lock.group(1) if lock.groups() else "",
    }


def _post(client, k, data, *, which="proposal", files=(), button="save", url=None):
    url = url or _url(k, which)
    payload = {**_form_state(client, _url(k, which)), button: "y", **data}
    if files:
        payload["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(url, data=payload, content_type="multipart/form-data")


def _submission(db, k, user=None, which="proposal") -> Submission | None:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Submission).filter_by(assignment_id=k[which].id, user_id=(user or k["person"]).id)
    )


def _valid(**extra) -> dict[str, str]:
    return {**valid_proposal(), **ALL_CHECKS, "statement": "y"} | extra


def _tag(page: str, element_id: str) -> str:
    """The opening tag of the element with ``element_id``."""
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{element_id}"[^>]*>', page)
    assert match, f"no field {element_id}"
    return match.group(0)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_each_assignment_with_state_and_time_left(
    client, db, k, login_as, now, app, dates
):
    dates(due_dt=now + timedelta(days=3, hours=4, minutes=20))
    dates(
        "text",
        due_dt=now - timedelta(hours=2),
        cutoff_dt=now + timedelta(days=1),
        late_allowed=True,
    )
    login_as(k["person"])
    assert _post(client, k, {"nama_inovasi": "Si"}).status_code == 302

    page = _text(client.get(_list_url(k)))
    assert "Proposal Uji" in page and "Refleksi Uji" in page
    proposal = page[page.index("Proposal Uji") : page.index("Refleksi Uji")]
    text = page[page.index("Refleksi Uji") :]
    assert "Draf" in proposal and "3 hari 4 jam lagi" in proposal
    assert "Belum mulai" in text and "lewat 2 jam" in text
    # 02.00 UTC + 3 d 4 h 20 min is 14.20 WITA on Friday 4 December.
    assert "Jumat, 4 Desember 2026 14.20 WITA" in proposal
    assert f'href="{_url(k)}"' in page

    # Staff see no state of their own, and the links of the pages that exist.
    login_as(k["organizer"])
    page = _text(client.get(_list_url(k)))
    assert "Belum mulai" not in page and "Draf" not in page
    assert "Atur tanggal" in page and "Pengumpulan peserta" in page
    assert f'href="{_url(k)}"' not in page


def test_the_list_creates_the_cohorts_assignments_on_first_visit(
    client, db, login_as, make_user, make_cohort, make_course
):
    person = make_user()
    cohort = make_cohort(participants=[person])
    make_course(cohorts=[cohort])
    login_as(person)
    assert "Proposal Uji" in client.get(f"/cohorts/{cohort.id}/assignments").get_data(as_text=True)
    from lms.submissions.models import CohortAssignment

    db.session.expire_all()
    assert db.session.scalars(db.select(CohortAssignment).filter_by(cohort_id=cohort.id)).all()


# --- drafts and submitting ------------------------------------------------------------------


def test_a_draft_saves_anything_and_keeps_it(client, db, k, login_as, now):
    login_as(k["person"])
    response = _post(
        client,
        k,
        {
            "nama_inovasi": "",
            "bentuk": "bukan-pilihan",
            "tanggal_uji_coba": "kemarin",
            "latar_belakang": "baru dua",
        },
    )
    assert response.status_code == 302
    submission = _submission(db, k)
    assert submission.draft["latar_belakang"] == "baru dua"
    assert submission.draft["tanggal_uji_coba"] == "kemarin"
    assert submission.versions == [] and submission.state == "draft"
    page = _text(client.get(_url(k)))
    assert "Draf tersimpan." in page
    assert "baru dua</textarea>" in page
    assert 'value="kemarin"' in page
    assert "Rancang bangun sekarang 2 dari minimal 300 kata" in page
    assert 'data-min-words="300"' in page


def test_submitting_shows_every_problem_next_to_its_field_and_versions_nothing(
    client, db, k, login_as, now
):
    login_as(k["person"])
    response = _post(
        client,
        k,
        {"nama_inovasi": "", "latar_belakang": "terlalu pendek", "bentuk": "x"},
        button="send",
    )
    assert response.status_code == 200
    page = _text(response)
    assert "Belum terkirim" in page
    for field in ("nama_inovasi", "dasar_hukum", "bentuk", "statement"):
        assert f'id="{field}-error"' in page, field
        assert re.search(rf'aria-describedby="[^"]*{field}-error', _tag(page, field)), field
    assert "Nama inovasi wajib diisi." in page
    assert "Dasar hukum wajib diisi." in page
    assert (
        "Rancang bangun dan pokok perubahan minimal 300 kata, keenam bagiannya dihitung "
        "bersama; sekarang 2 kata." in page
    )
    # The section's message stands at the section, and every part points at it.
    assert 'id="rancang_bangun-error"' in page and 'href="#section-rancang_bangun"' in page
    assert "rancang_bangun-error" in _tag(page, "latar_belakang")
    assert 'id="self_check-error"' in page and "PP 38/2017" in page
    assert "Nyatakan bahwa karya ini adalah karya Anda sendiri." in page
    # The summary at the top links to the fields.
    assert 'href="#nama_inovasi"' in page and 'href="#self_check"' in page
    # Every value is kept.
    assert "terlalu pendek</textarea>" in page
    submission = _submission(db, k)
    assert submission.latest_number == 0 and submission.versions == []
    assert submission.draft["latar_belakang"] == "terlalu pendek"
    assert db.session.scalars(db.select(SubmissionVersion)).all() == []


def test_a_checked_box_stays_checked_after_a_failed_submit(client, db, k, login_as, now):
    login_as(k["person"])
    page = _text(_post(client, k, {"check_memperbarui": "y", "statement": "y"}, button="send"))
    assert "checked" in _tag(page, "check_memperbarui")
    assert "checked" in _tag(page, "statement")
    assert "checked" not in _tag(page, "check_bermanfaat")


def test_a_valid_submit_makes_version_one_with_a_hash_that_cannot_change(
    client, db, k, login_as, now
):
    login_as(k["person"])
    response = _post(client, k, _valid(), button="send")
    assert response.status_code == 302
    submission = _submission(db, k)
    (version,) = submission.versions
    assert version.number == 1 and not version.late
    assert len(version.content_hash) == 64
    assert version.fields["nama_inovasi"] == "Si Cepat"
    assert version.self_check == {key: True for key, _label in PP38_CRITERIA}
    # To the receipt when that page exists, else back to the work page.
    assert response.headers["Location"] in (_url(k), f"{_url(k)}/versions/1")
    page = _text(client.get(_url(k)))
    assert "Versi yang sudah dikirim" in page and version.content_hash[:16] in page

    version.fields = {"nama_inovasi": "diubah diam-diam"}
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    assert _submission(db, k).versions[0].fields["nama_inovasi"] == "Si Cepat"


def test_submitting_leads_to_the_receipt_with_the_version_and_its_hash(
    client, db, k, login_as, now
):
    login_as(k["person"])
    response = _post(client, k, _valid(), button="send")
    assert response.headers["Location"].endswith(f"{_url(k)}/versions/1")
    page = _text(client.get(response.headers["Location"]))
    digest = _submission(db, k).versions[0].content_hash
    assert "Versi 1 terkirim" in page and digest in page


def test_a_second_version_only_when_the_cohort_allows_it(client, db, k, login_as, now, dates):
    dates(due_dt=now + timedelta(days=2), resubmit_before_due=False)
    login_as(k["person"])
    assert _post(client, k, _valid(), button="send").status_code == 302

    page = _text(client.get(_url(k)))
    assert "Versi baru hanya dapat dikirim bila penilai meminta revisi" in page
    assert "disabled" in _tag(page, "nama_inovasi")
    assert 'name="send"' not in page
    assert "Versi yang sudah dikirim" in page

    # A request made anyway changes nothing.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        _url(k), data={**_valid(nama_inovasi="Lain"), "csrf_token": token, "send": "y"}
    )
    assert response.status_code == 302
    submission = _submission(db, k)
    assert submission.latest_number == 1 and submission.draft["nama_inovasi"] == "Si Cepat"

    # Before the due date, with resubmitting allowed, a new version is made.
    k["proposal"].resubmit_before_due = True
    db.session.commit()
    assert _post(client, k, _valid(nama_inovasi="Si Cepat 2"), button="send").status_code == 302
    submission = _submission(db, k)
    assert [v.number for v in submission.versions] == [1, 2]
    assert submission.versions[0].fields["nama_inovasi"] == "Si Cepat"


# --- deadlines in the cohort's zone ---------------------------------------------------------


def test_before_the_open_date_nothing_is_sent_but_the_draft_is_kept(
    client, db, k, login_as, now, dates
):
    dates(open_dt=now + timedelta(hours=1))
    login_as(k["person"])
    page = _text(client.get(_url(k)))
    assert "baru dibuka Selasa, 1 Desember 2026 11.00 WITA" in page
    response = _post(client, k, _valid(), button="send")
    assert response.status_code == 200
    assert "Belum terkirim: Tugas ini baru dibuka" in _text(response)
    submission = _submission(db, k)
    assert submission.versions == [] and submission.draft["nama_inovasi"] == "Si Cepat"


def test_after_the_due_date_late_work_is_marked_late(client, db, k, login_as, now, dates):
    dates(due_dt=now - timedelta(minutes=1), late_allowed=True)
    login_as(k["person"])
    assert "tercatat terlambat" in _text(client.get(_url(k)))
    assert _post(client, k, _valid(), button="send").status_code == 302
    assert _submission(db, k).versions[0].late is True
    assert "Terlambat" in _text(client.get(_list_url(k)))


def test_after_the_cut_off_nothing_is_accepted(client, db, k, login_as, now, dates):
    dates(
        due_dt=now - timedelta(days=2),
        cutoff_dt=now - timedelta(minutes=1),
        late_allowed=True,
    )
    login_as(k["person"])
    response = _post(client, k, _valid(), button="send")
    assert "Batas akhir penerimaan sudah lewat" in _text(response)
    assert "Selasa, 1 Desember 2026 09.59 WITA" in _text(response)
    assert _submission(db, k).versions == []


def test_an_extension_moves_one_participants_due_date(client, db, k, login_as, now, dates, in_app):
    dates(due_dt=now - timedelta(hours=1))
    with in_app():
        ops.grant_extension(
            k["proposal"],
            k["person"],
            due_dt=now + timedelta(days=1),
            cutoff_dt=None,
            reason="Sakit",
            actor=k["organizer"],
        )
        db.session.commit()
    login_as(k["person"])
    page = _text(client.get(_list_url(k)))
    assert "Diperpanjang untuk Anda" in page
    assert "Rabu, 2 Desember 2026 10.00 WITA" in page and "1 hari lagi" in page
    assert _post(client, k, _valid(), button="send").status_code == 302
    assert _submission(db, k).versions[0].late is False

    login_as(k["other"])
    assert "Diperpanjang untuk Anda" not in _text(client.get(_list_url(k)))
    response = _post(client, k, _valid(), button="send")
    assert "Batas akhir penerimaan sudah lewat" in _text(response)
    assert _submission(db, k, k["other"]).versions == []


# --- attachments ----------------------------------------------------------------------------


def test_a_pdf_is_attached_and_can_be_removed(client, db, k, login_as, now):
    login_as(k["person"])
    response = _post(client, k, {"nama_inovasi": "Si Cepat"}, files=[(PDF, "rencana.pdf")])
    assert response.status_code == 302
    (file,) = _submission(db, k).files
    assert file.name == "rencana.pdf" and file.kind == "pdf" and not file.removed
    page = _text(client.get(_url(k)))
    assert "rencana.pdf" in page
    remove_url = f"{_url(k)}/files/{file.id}/remove"
    assert f'formaction="{remove_url}"' in page

    # The remove button sits in the work form: what was typed is saved with it.
    response = _post(client, k, {"nama_inovasi": "Si Cepat Baru"}, url=remove_url)
    assert response.status_code == 302
    submission = _submission(db, k)
    assert submission.files[0].removed is True
    assert submission.draft["nama_inovasi"] == "Si Cepat Baru"
    page = _text(client.get(_url(k)))
    assert "dihapus dari draf" in page and 'formaction="' not in page


def test_an_html_file_named_pdf_is_refused_and_the_text_still_saved(client, db, k, login_as, now):
    login_as(k["person"])
    response = _post(
        client,
        k,
        {"nama_inovasi": "Si Cepat"},
        files=[(HTML, "proposal.pdf"), (PDF, "benar.pdf")],
    )
    assert response.status_code == 200
    page = _text(response)
    assert 'id="attachments-error"' in page
    assert "proposal.pdf tidak dilampirkan: Jenis berkas ini tidak diterima" in page
    assert re.search(r'aria-describedby="[^"]*attachments-error', page)
    assert 'value="Si Cepat"' in page
    submission = _submission(db, k)
    assert submission.draft["nama_inovasi"] == "Si Cepat"
    assert [f.name for f in submission.files] == ["benar.pdf"]


def test_a_refused_file_stops_kirim_but_the_draft_is_saved(client, db, k, login_as, now):
    login_as(k["person"])
    response = _post(client, k, _valid(), files=[(HTML, "proposal.pdf")], button="send")
    assert response.status_code == 200
    page = _text(response)
    assert "Belum terkirim" in page
    assert "proposal.pdf tidak dilampirkan: Jenis berkas ini tidak diterima" in page
    assert 'href="#attachments"' in page  # the summary links to the field
    submission = _submission(db, k)
    assert submission.versions == [] and submission.draft["nama_inovasi"] == "Si Cepat"


def test_an_oversized_file_is_refused(client, db, k, login_as, now, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ATTACHMENT_MAX_BYTES", 1024)
    login_as(k["person"])
    big = PDF + b"0" * 2048
    page = _text(_post(client, k, {}, files=[(big, "besar.pdf")]))
    assert "besar.pdf tidak dilampirkan: Berkas terlalu besar" in page
    assert _submission(db, k).files == []


def test_a_text_assignment_needs_its_answer(client, db, k, login_as, now):
    login_as(k["person"])
    page = _text(_post(client, k, {"teks": "", "statement": "y"}, which="text", button="send"))
    assert "Jawaban wajib diisi." in page and 'id="teks-error"' in page
    assert 'id="self_check"' not in page  # the PP 38 self-check is for proposals only
    response = _post(
        client, k, {"teks": "Refleksi saya.", "statement": "y"}, which="text", button="send"
    )
    assert response.status_code == 302
    assert _submission(db, k, which="text").versions[0].fields == {"teks": "Refleksi saya."}


# --- concurrent edits -----------------------------------------------------------------------


def test_a_draft_saved_in_another_tab_is_not_overwritten_silently(client, db, k, login_as, now):
    login_as(k["person"])
    state = _form_state(client, _url(k))  # tab A opens the page (no draft yet)
    assert _post(client, k, {"nama_inovasi": "Dari tab B"}).status_code == 302
    response = client.post(
        _url(k),
        data={**state, "save": "y", "nama_inovasi": "Dari tab A"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    page = _text(response)
    assert "Data ini baru saja diubah orang lain." in page
    assert "Teks yang Anda ketik masih ada di bawah dan belum disimpan" in page
    assert 'value="Dari tab A"' in page
    assert _submission(db, k).draft["nama_inovasi"] == "Dari tab B"
    # Saving again from that page is a deliberate overwrite.
    lock = re.search(r'name="lock_version"[^>]*value="([^"]*)"', page).group(1)
    response = client.post(
        _url(k),
        data={**state, "lock_version": lock, "save": "y", "nama_inovasi": "Dari tab A"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _submission(db, k).draft["nama_inovasi"] == "Dari tab A"


# --- other people's work --------------------------------------------------------------------


def test_another_participant_gets_their_own_page_and_cannot_remove_a_file(
    client, db, k, login_as, now
):
    login_as(k["person"])
    _post(client, k, {"nama_inovasi": "Rahasia Andi"}, files=[(PDF, "andi.pdf")])
    (file,) = _submission(db, k).files

    login_as(k["other"])
    page = _text(client.get(_url(k)))
    assert "Rahasia Andi" not in page and "andi.pdf" not in page
    remove_url = f"{_url(k)}/files/{file.id}/remove"
    response = _post(client, k, {}, url=remove_url)
    assert response.status_code == 404
    assert _submission(db, k).files[0].removed is False
    # Their own draft was not written either.
    assert _submission(db, k, k["other"]) is None


def test_participants_of_another_cohort_and_staff_are_kept_out(
    client, db, k, login_as, now, in_app
):
    login_as(k["outsider"])
    assert client.get(_list_url(k)).status_code == 403
    assert client.get(_url(k)).status_code == 403
    # An assignment of the outsider's own cohort is not reachable through this cohort's URL.
    with in_app():
        other_rows = ops.ensure_cohort_assignments(k["other_cohort"])
        db.session.commit()
    assert (
        client.get(f"/cohorts/{k['other_cohort'].id}/assignments/{k['proposal'].id}").status_code
        == 404
    )
    assert (
        client.get(f"/cohorts/{k['other_cohort'].id}/assignments/{other_rows[0].id}").status_code
        == 200
    )

    login_as(k["trainer"])
    assert client.get(_list_url(k)).status_code == 200
    assert client.get(_url(k)).status_code == 403
