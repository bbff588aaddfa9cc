"""Submitted versions: the receipt page, the receipt PDF, the diff, and who may see them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from lms.submissions.fields import PP38_CRITERIA
from lms.submissions.operations import (
    ensure_cohort_assignments,
    save_draft,
    submission_for,
    submit,
)
from lms.textdiff import diff_text
from tests.helpers import valid_proposal

NIP = "198503302010011002"
SELF_CHECK = {key: True for key, _label in PP38_CRITERIA}


def words(n: int, word: str = "inovasi") -> str:
    return " ".join(f"{word}{i}" for i in range(n))


def proposal(**changes: Any) -> dict[str, Any]:
    data = {
        "nama_inovasi": "Sistem Antrean Puskesmas Daring",
        "jenis": "digital",
        "tanggal_uji_coba": "2023-10-02",
        "latar_belakang": "Antrean panjang di **puskesmas** setiap pagi.\n\nWarga menunggu lama.",
        "cara_kerja": words(320),
    }
    return valid_proposal(**{**data, **changes})


def version_url(world, number: int, suffix: str = "", **query: Any) -> str:
    url = f"/cohorts/{world.cohort.id}/assignments/{world.assignment.id}/versions/{number}{suffix}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


class World:
    pass


@pytest.fixture
def world(db, make_user, make_cohort, make_course):
    w = World()
    w.ani = make_user(full_name="Ani Peserta", nip=NIP, office="Bappeda Kota Uji")
    w.budi = make_user(full_name="Budi Peserta")
    w.trainer = make_user(full_name="Wati Widyaiswara")
    w.organizer = make_user(full_name="Panitia Satu")
    w.outsider = make_user(full_name="Peserta Lain")
    w.cohort = make_cohort(
        participants=[w.ani, w.budi], trainers=[w.trainer], organizers=[w.organizer]
    )
    w.other_cohort = make_cohort(participants=[w.outsider])
    make_course(cohorts=[w.cohort, w.other_cohort])
    w.assignment = ensure_cohort_assignments(w.cohort)[0]
    db.session.commit()

    def hand_in(user, **changes):
        submission = submission_for(w.assignment, user)
        save_draft(submission, proposal(**changes))
        version = submit(submission, self_check=SELF_CHECK, statement=True)
        db.session.commit()
        return version

    w.hand_in = hand_in
    return w


def test_receipt_page_shows_number_hash_and_fields(world, login_as):
    version = world.hand_in(world.ani)
    client = login_as(world.ani)
    response = client.get(version_url(world, 1))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert version.content_hash in html and len(version.content_hash) == 64
    assert "Versi 1" in html
    assert "Ani Peserta" in html and "19850330" in html
    assert "Sistem Antrean Puskesmas Daring" in html
    assert "Nama inovasi" in html and "Cara kerja" in html
    assert "Rancang bangun dan pokok perubahan" in html  # the section's heading
    assert "Digital" in html  # the choice's label, not its code
    assert "<strong>puskesmas</strong>" in html  # Markdown rendered (sanitised)
    assert "receipt.pdf" in html
    assert "/diff" not in html  # no previous version to compare with
    assert "Dapat direplikasi" in html  # the confirmed self-check


def test_receipt_lists_every_version_and_links_the_diff(world, login_as):
    world.hand_in(world.ani)
    world.hand_in(world.ani, nama_inovasi="Sistem Antrean Puskesmas Daring Terpadu")
    client = login_as(world.ani)
    html = client.get(version_url(world, 2)).get_data(as_text=True)
    assert version_url(world, 2, "/diff") in html
    assert version_url(world, 1) in html  # the list of versions links the older one
    assert client.get(version_url(world, 3)).status_code == 404
    assert client.get(version_url(world, 0)).status_code == 404


def test_receipt_pdf_holds_hash_and_nip(world, login_as):
    version = world.hand_in(world.ani)
    response = login_as(world.ani).get(version_url(world, 1, "/receipt.pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"{NIP}-v1.pdf" in disposition and "tanda-terima" in disposition
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "TANDA TERIMA PENGUMPULAN" in text
    assert version.content_hash in text
    assert "19850330 201001 1 002" in text or NIP in text
    assert "Sistem Antrean Puskesmas Daring" in text
    assert "inovasi319" in text  # the long text wrapped, not cut
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSans" in name for name in fonts)


def test_receipt_pdf_holds_a_long_proposal_on_several_pages(world, login_as):
    long_text = words(3000, "kata")
    world.hand_in(world.ani, **dict.fromkeys(("latar_belakang", "tujuan", "manfaat"), long_text))
    client = login_as(world.ani)
    response = client.get(version_url(world, 1, "/receipt.pdf"))
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.data)).pages) > 3


def test_diff_marks_inserted_word_and_escapes_markup(world, login_as):
    world.hand_in(world.ani)
    world.hand_in(
        world.ani,
        nama_inovasi="Sistem Antrean Puskesmas Daring Terpadu",
        latar_belakang="Antrean panjang di **puskesmas** setiap pagi.\n\n"
        "Warga menunggu lama. <script>alert(1)</script>",
    )
    response = login_as(world.ani).get(version_url(world, 2, "/diff"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<ins>Terpadu</ins>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Cara kerja" in html  # listed among the unchanged fields
    assert login_as(world.ani).get(version_url(world, 1, "/diff")).status_code == 404


def test_inline_diff_removed_and_added_words():
    old, new = "satu dua tiga\nempat", "satu <b>dua</b> tiga\nempat"
    change = diff_text(old, new)
    assert "<del>dua</del>" in change.markup
    assert "<ins>&lt;b&gt;dua&lt;/b&gt;</ins>" in change.markup
    assert (change.removed, change.added) == (1, 1)
    assert change.markup.endswith("empat")


def test_participant_cannot_see_another_participants_version(world, login_as):
    world.hand_in(world.budi, nama_inovasi="Karya Budi")
    client = login_as(world.ani)
    # Ani has no submission: Budi's id gets her nothing.
    for suffix in ("", "/receipt.pdf", "/diff"):
        response = client.get(version_url(world, 1, suffix, user=world.budi.id))
        assert response.status_code == 404
    world.hand_in(world.ani, nama_inovasi="Karya Ani")
    html = client.get(version_url(world, 1, user=world.budi.id)).get_data(as_text=True)
    assert "Karya Ani" in html and "Karya Budi" not in html


def test_staff_of_the_cohort_see_a_participants_version(world, login_as):
    world.hand_in(world.budi, nama_inovasi="Karya Budi")
    for person in (world.trainer, world.organizer):
        client = login_as(person)
        response = client.get(version_url(world, 1, user=world.budi.id))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Karya Budi" in html
        # Links keep pointing at Budi's work.
        assert f"receipt.pdf?user={world.budi.id}" in html
        pdf = client.get(version_url(world, 1, "/receipt.pdf", user=world.budi.id))
        assert pdf.status_code == 200
        # Without ?user= a trainer has no work of their own to show.
        assert client.get(version_url(world, 1)).status_code == 404


def test_participant_of_another_cohort_is_refused(world, login_as):
    world.hand_in(world.ani)
    client = login_as(world.outsider)
    assert client.get(version_url(world, 1, user=world.ani.id)).status_code == 403
    assert client.get(version_url(world, 1, "/receipt.pdf", user=world.ani.id)).status_code == 403


def test_assignment_of_another_cohort_is_not_found(world, login_as):
    world.hand_in(world.ani)
    other = ensure_cohort_assignments(world.other_cohort)[0]
    url = f"/cohorts/{world.cohort.id}/assignments/{other.id}/versions/1"
    assert login_as(world.ani).get(url).status_code == 404
