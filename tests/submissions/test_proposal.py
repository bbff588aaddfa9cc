"""The proposal is the IID *profil inovasi*: its sections and six required parts, the section's
word minimum, the urusan list, themes from the year's index rules, the results label by stage,
old drafts and versions written with the old fields, and the Word download."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader

from lms.db import utcnow
from lms.submissions import operations as ops
from lms.submissions import receipts
from lms.submissions.fields import PP38_CRITERIA
from lms.submissions.models import Submission, SubmissionVersion
from tests.helpers import ASSIGNMENT_TOML, RANCANG_BANGUN_PARTS, valid_proposal

SELF_CHECK = {key: True for key, _label in PP38_CRITERIA}
ALL_CHECKS = {f"check_{key}": "y" for key, _label in PP38_CRITERIA}
NIP = "198503302010011002"
PART_LABELS = {
    "latar_belakang": "Latar belakang dan permasalahan",
    "dasar_hukum": "Dasar hukum",
    "isu_strategis": "Isu strategis",
    "metode_pembaharuan": "Metode pembaharuan",
    "keunggulan": "Keunggulan dan kebaruan",
    "cara_kerja": "Cara kerja",
}
SECTIONS = (
    "Identitas inovasi",
    "Rancang bangun dan pokok perubahan",
    "Tujuan, manfaat dan hasil",
    "Anggaran dan jadwal",
)
#: A proposal written before the six parts, as stored by the old form (every field, "" when
#: empty, urusan as free text).
OLD_FIELDS = {
    "nama_inovasi": "SIAP ANTAR",
    "bentuk": "pelayanan_publik",
    "jenis": "non_digital",
    "inisiator": "asn",
    "urusan": "Kesehatan masyarakat",
    "tahapan": "uji_coba",
    "tanggal_uji_coba": "2023-10-02",
    "tanggal_penerapan": "",
    "permasalahan": "Lansia terlambat mengambil obat.",
    "dasar_hukum": "PP 38/2017.",
    "isu_strategis": "Penyakit kronis lansia.",
    "rancang_bangun": "Kader mengantar obat setiap bulan.",
    "pokok_perubahan": "Obat mendatangi lansia.",
    "metode_pembaharuan": "",
    "keunggulan": "Murah.",
    "cara_kerja": "",
    "tujuan": "Pengobatan tidak terputus.",
    "manfaat": "Lansia sehat.",
    "hasil": "Semua lansia menerima obat.",
    "anggaran": "Rp0.",
    "tahapan_waktu": "",
}
FANCY = """Masalah **utama** di *puskesmas*:

- antrean panjang
- obat **habis**

1. daftar
2. periksa

## Catatan

Lihat [pedoman](https://contoh.example/pedoman)."""


def words(n: int, word: str = "kata") -> str:
    return " ".join([word] * n)


class World:
    pass


@pytest.fixture
def world(db, make_user, make_cohort, make_course):
    w = World()
    w.ani = make_user(full_name="Ani Peserta, S.Kep.", nip=NIP, office="Puskesmas Bonto")
    w.budi = make_user(full_name="Budi Peserta")
    w.trainer = make_user(full_name="Wati Widyaiswara")
    w.organizer = make_user(full_name="Panitia Satu")
    w.outsider = make_user(full_name="Peserta Lain")
    w.cohort = make_cohort(
        participants=[w.ani, w.budi], trainers=[w.trainer], organizers=[w.organizer]
    )
    # A class of a year without index rules (2023 and 2025 ship; 2024 does not).
    w.cohort_2024 = make_cohort(
        participants=[w.outsider], start_date=date(2024, 3, 4), end_date=date(2024, 3, 6)
    )
    w.video_toml = 'title = "Video"\nkind = "video"\ninstructions = "Unggah."\n'
    make_course(
        cohorts=[w.cohort, w.cohort_2024],
        assignments={"proposal": ASSIGNMENT_TOML, "video": w.video_toml},
    )
    by_kind = {a.spec.kind: a for a in ops.ensure_cohort_assignments(w.cohort)}
    w.assignment, w.video = by_kind["proposal"], by_kind["video"]
    w.assignment_2024 = next(
        a for a in ops.ensure_cohort_assignments(w.cohort_2024) if a.spec.kind == "proposal"
    )
    db.session.commit()

    def hand_in(user, assignment=None, **changes):
        submission = ops.submission_for(assignment or w.assignment, user)
        ops.save_draft(submission, valid_proposal(**changes))
        version = ops.submit(submission, self_check=SELF_CHECK, statement=True)
        db.session.commit()
        return version

    w.hand_in = hand_in
    return w


def work_url(w, assignment=None) -> str:
    a = assignment or w.assignment
    return f"/cohorts/{a.cohort_id}/assignments/{a.id}"


def version_url(w, number: int, suffix: str = "", **query: Any) -> str:
    url = f"{work_url(w)}/versions/{number}{suffix}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def docx_url(w, submission, number: int) -> str:
    return f"/cohorts/{w.cohort.id}/submissions/{submission.id}/versions/{number}/proposal.docx"


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client, url, data, button="save"):
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    lock = re.search(r'name="lock_version"[^>]*value="([^"]*)"', page).group(1)
    payload = {"csrf_token": token, "lock_version": lock, button: "y", **data}
    return client.post(url, data=payload, content_type="multipart/form-data")


def tag(page: str, element_id: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{element_id}"[^>]*>', page)
    assert match, f"no field {element_id}"
    return match.group(0)


def select_html(page: str, element_id: str) -> str:
    match = re.search(rf'<select\b[^>]*\bid="{element_id}"[^>]*>.*?</select>', page, re.S)
    assert match, f"no select {element_id}"
    return match.group(0)


def label_of(page: str, element_id: str) -> str:
    match = re.search(rf'<label for="{element_id}">(.*?)</label>', page, re.S)
    assert match, f"no label for {element_id}"
    return re.sub(r"<[^>]+>", "", match.group(1))


def old_version(db, submission: Submission, fields: dict[str, Any], number: int = 1):
    """A version as the old form stored it (written before the six parts existed)."""
    version = SubmissionVersion(
        submission_id=submission.id,
        number=number,
        fields=dict(fields),
        files=[],
        self_check=SELF_CHECK,
        statement_accepted=True,
        submitted_dt=utcnow(),
        late=False,
        content_hash=ops.content_hash(fields, []),
    )
    db.session.add(version)
    submission.latest_number = number
    submission.state = "submitted"
    db.session.commit()
    return version


# --- the form: sections, six required parts, the section's word minimum --------------------


def test_the_form_shows_the_profiles_sections_in_order(world, login_as):
    page = page_of(login_as(world.ani).get(work_url(world)))
    positions = [page.index(f">{title}</h2>") for title in SECTIONS]
    assert positions == sorted(positions)
    rancang = page[positions[1] : positions[2]]
    for key, label in PART_LABELS.items():
        assert f'id="{key}"' in rancang, key
        assert f"{label} (wajib)" in label_of(page, key)  # required whatever the pack says
    assert "Keenam bagian berikut wajib diisi dan bersama-sama minimal 300 kata." in rancang
    # Every id once: each label points at its own field.
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted(ids) == sorted(set(ids))
    # The old single fields are gone from the form.
    for old in ("permasalahan", "pokok_perubahan", 'id="rancang_bangun"'):
        assert f'name="{old}"' not in page


def test_kirim_needs_each_of_the_six_parts_and_says_so_next_to_it(world, login_as, db):
    client = login_as(world.ani)
    data = {"nama_inovasi": "Si Cepat", **ALL_CHECKS, "statement": "y"}
    response = post(client, work_url(world), data, button="send")
    assert response.status_code == 200
    page = page_of(response)
    assert "Belum terkirim. Draf sudah disimpan; perbaiki hal berikut." in page
    for key, label in PART_LABELS.items():
        assert f"{label} wajib diisi." in page, key
        assert f'id="{key}-error"' in page
        assert f"{key}-error" in tag(page, key)
        assert f'href="#{key}"' in page  # the summary at the top links to it
    assert "sekarang 0 kata" in page
    db.session.expire_all()
    assert db.session.scalars(db.select(SubmissionVersion)).all() == []


def test_the_word_minimum_counts_the_six_parts_together(world, login_as, db):
    client = login_as(world.ani)
    short = valid_proposal(**dict.fromkeys(RANCANG_BANGUN_PARTS, words(40)))
    response = post(client, work_url(world), {**short, **ALL_CHECKS, "statement": "y"}, "send")
    page = page_of(response)
    message = (
        "Rancang bangun dan pokok perubahan minimal 300 kata, keenam bagiannya dihitung "
        "bersama; sekarang 240 kata."
    )
    assert message in page
    # No part is short on its own: the message stands once, at the section.
    assert page.count(message) == 2  # the summary at the top and the section
    assert 'id="latar_belakang-error"' not in page
    # Each part shows the section's total as it is now.
    total = "Rancang bangun sekarang 240 dari minimal 300 kata (keenam bagian dihitung bersama)."
    assert page.count(total) == 6
    assert page.count('data-sources="latar_belakang dasar_hukum isu_strategis') == 6
    # 6 × 50 words: sent.
    enough = {**valid_proposal(), **ALL_CHECKS, "statement": "y"}
    response = post(client, work_url(world), enough, "send")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(db.select(SubmissionVersion)).one().number == 1


def test_a_pack_sets_the_section_minimum_and_its_required_fields(
    db, make_user, make_cohort, make_course, login_as
):
    person = make_user()
    cohort = make_cohort(participants=[person])
    toml = ASSIGNMENT_TOML.replace("rancang_bangun = 300", "rancang_bangun = 60").replace(
        'required_fields = ["nama_inovasi"]', 'required_fields = ["nama_inovasi", "hasil"]'
    )
    make_course(cohorts=[cohort], assignments={"proposal": toml})
    (assignment,) = ops.ensure_cohort_assignments(cohort)
    db.session.commit()
    submission = ops.submission_for(assignment, person)
    ops.save_draft(submission, valid_proposal(**dict.fromkeys(RANCANG_BANGUN_PARTS, words(10))))
    with pytest.raises(ops.ValidationFailed) as failed:
        ops.submit(submission, self_check=SELF_CHECK, statement=True)
    assert failed.value.errors == {"hasil": ["Hasil yang diharapkan wajib diisi."]}
    ops.save_draft(submission, {"hasil": "Semua surat selesai dalam sehari."})
    assert ops.submit(submission, self_check=SELF_CHECK, statement=True).number == 1


def test_a_draft_saves_anything(world, login_as, db):
    client = login_as(world.ani)
    response = post(client, work_url(world), {"latar_belakang": "baru", "urusan": "bukan-kode"})
    assert response.status_code == 302
    db.session.expire_all()
    draft = db.session.scalars(db.select(Submission)).one().draft
    assert draft["latar_belakang"] == "baru" and draft["urusan"] == "bukan-kode"


# --- identity: office, innovator, contact; urusan; themes -----------------------------------


def test_a_new_draft_starts_with_the_participants_office_and_name(world, login_as, db):
    client = login_as(world.ani)
    page = page_of(client.get(work_url(world)))
    assert 'value="Puskesmas Bonto"' in tag(page, "perangkat_daerah")
    assert 'value="Ani Peserta, S.Kep."' in tag(page, "inovator")
    assert 'id="kontak"' in page
    # What the participant changes (or empties) is what stays.
    post(client, work_url(world), {"perangkat_daerah": "", "inovator": "Tim Bonto"})
    page = page_of(client.get(work_url(world)))
    assert 'value=""' in tag(page, "perangkat_daerah")
    assert 'value="Tim Bonto"' in tag(page, "inovator")


def test_urusan_is_chosen_from_the_list_grouped_as_in_the_law(world, login_as):
    client = login_as(world.ani)
    select = select_html(page_of(client.get(work_url(world))), "urusan")
    groups = re.findall(r'<optgroup label="([^"]+)"', select)
    assert groups[0].startswith("Urusan wajib yang berkaitan dengan pelayanan dasar")
    assert any(g.startswith("Urusan pilihan") for g in groups)
    assert any("penunjang" in g.lower() for g in groups)
    assert '<option value="kesehatan">Kesehatan</option>' in select
    english = select_html(page_of(client.get(work_url(world) + "?lang=en")), "urusan")
    assert '<option value="kesehatan">Health</option>' in english
    assert "Mandatory basic-service affairs" in english


def test_an_old_free_text_urusan_is_kept_until_a_choice_is_made(world, login_as, db):
    submission = ops.submission_for(world.assignment, world.ani)
    submission.draft = {**valid_proposal(), "urusan": "Administrasi kependudukan"}
    db.session.commit()
    client = login_as(world.ani)
    page = page_of(client.get(work_url(world)))
    select = select_html(page, "urusan")
    assert (
        '<option selected value="Administrasi kependudukan">'
        "(isian lama: Administrasi kependudukan)</option>" in select
    )
    assert "Isian lama Anda: \u201cAdministrasi kependudukan\u201d." in page
    # Saving without choosing keeps it; sending asks for a choice from the list.
    data = {**valid_proposal(), "urusan": "Administrasi kependudukan", **ALL_CHECKS}
    page = page_of(post(client, work_url(world), {**data, "statement": "y"}, "send"))
    assert "Pilih urusan pemerintahan dari daftar; isian lama" in page
    assert 'id="urusan-error"' in page
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).draft["urusan"] == "Administrasi kependudukan"
    data["urusan"] = "adminduk_capil"
    assert post(client, work_url(world), {**data, "statement": "y"}, "send").status_code == 302
    receipt = page_of(client.get(version_url(world, 1)))
    assert "Administrasi kependudukan dan pencatatan sipil" in receipt


def test_themes_come_from_the_index_rules_of_the_class_year(world, login_as, db):
    client = login_as(world.ani)
    page = page_of(client.get(work_url(world)))  # a class of 2023: the 2023 rules name themes
    select = select_html(page, "tematik")
    assert "Digitalisasi layanan pemerintahan (belum dapat dipastikan)" in select
    assert '<option value="non_tematik">Non tematik (belum dapat dipastikan)</option>' in select
    assert "Daftar tema dari ketentuan Indeks Inovasi Daerah 2023." in page
    assert "belum dipastikan oleh sumber resmi" in page
    # A theme outside the rules is refused on Kirim.
    data = {**valid_proposal(), "tematik": "tema_karangan", **ALL_CHECKS, "statement": "y"}
    page = page_of(post(client, work_url(world), data, "send"))
    assert "Pilih salah satu tema dari ketentuan indeks tahun ini." in page
    data["tematik"] = "non_tematik"
    assert post(client, work_url(world), data, "send").status_code == 302
    assert "Non tematik" in page_of(client.get(version_url(world, 1)))


def test_no_theme_field_in_a_year_without_index_rules(world, login_as, db):
    client = login_as(world.outsider)
    url = work_url(world, world.assignment_2024)
    page = page_of(client.get(url))
    assert 'id="tematik"' not in page and "Inovasi tematik" not in page
    data = {**valid_proposal(), **ALL_CHECKS, "statement": "y"}
    response = post(client, url, data, "send")
    assert response.status_code == 302
    version = db.session.scalars(db.select(SubmissionVersion)).one()
    receipt = page_of(client.get(f"{url}/versions/{version.number}"))
    assert "Inovasi tematik" not in receipt


def test_the_results_label_follows_the_stage(world, login_as, db):
    client = login_as(world.ani)
    page = page_of(client.get(work_url(world)))
    assert label_of(page, "hasil").strip() == "Hasil yang diharapkan"
    # The script switches it live; the page carries both labels.
    assert 'data-label-applied="Hasil yang dicapai"' in page
    assert 'data-label-before="Hasil yang diharapkan"' in page
    assert "proposal-form.js" in page
    post(client, work_url(world), {"tahapan": "penerapan"})
    page = page_of(client.get(work_url(world)))
    assert label_of(page, "hasil").strip() == "Hasil yang dicapai"
    world.hand_in(world.budi, tahapan="penerapan", hasil="90% surat selesai.")
    receipt = page_of(login_as(world.budi).get(version_url(world, 1)))
    assert "Hasil yang dicapai" in receipt and "Hasil yang diharapkan" not in receipt


# --- the receipt in the profile's layout -----------------------------------------------------


def test_the_receipt_and_its_pdf_show_the_sections_in_order(world, login_as):
    world.hand_in(world.ani, urusan="kesehatan", tujuan="Antre singkat.")
    client = login_as(world.ani)
    page = page_of(client.get(version_url(world, 1)))
    positions = [page.index(f">{title}</h3>") for title in SECTIONS]
    assert positions == sorted(positions)
    assert page.index("Latar belakang dan permasalahan") < page.index("Cara kerja")
    assert "Kesehatan" in page  # the affair's name, not its key
    pdf = client.get(version_url(world, 1, "/receipt.pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    found = [text.index(title.upper()) for title in SECTIONS]
    assert found == sorted(found)


# --- drafts and versions written with the old fields ----------------------------------------


def test_an_old_draft_opens_in_the_six_parts_and_saves_without_loss(world, login_as, db):
    submission = ops.submission_for(world.assignment, world.ani)
    submission.draft = dict(OLD_FIELDS)
    db.session.commit()
    client = login_as(world.ani)
    page = page_of(client.get(work_url(world)))
    assert "Lansia terlambat mengambil obat.</textarea>" in page  # in latar_belakang
    assert re.search(r'id="cara_kerja"[^>]*>\s*Kader mengantar obat setiap bulan.</textarea>', page)
    assert re.search(r'id="metode_pembaharuan"[^>]*>\s*Obat mendatangi lansia.</textarea>', page)
    # Saving the page as it is writes the new keys only, with every text.
    form = dict(re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>\s*(.*?)</textarea>', page, re.S))
    post(client, work_url(world), form)
    db.session.expire_all()
    draft = db.session.get(Submission, submission.id).draft
    assert "permasalahan" not in draft and "pokok_perubahan" not in draft
    assert "rancang_bangun" not in draft
    assert draft["latar_belakang"] == "Lansia terlambat mengambil obat."
    assert draft["cara_kerja"] == "Kader mengantar obat setiap bulan."
    assert draft["metode_pembaharuan"] == "Obat mendatangi lansia."


def test_the_migration_rule_for_drafts_moves_old_keys_and_keeps_new_drafts():
    moved = ops.migrated_draft("proposal", dict(OLD_FIELDS))
    assert moved["latar_belakang"] == "Lansia terlambat mengambil obat."
    assert moved["cara_kerja"] == "Kader mengantar obat setiap bulan."
    assert moved["metode_pembaharuan"] == "Obat mendatangi lansia."
    assert not {"permasalahan", "rancang_bangun", "pokok_perubahan"} & set(moved)
    both = {**OLD_FIELDS, "metode_pembaharuan": "Sudah ada."}
    assert ops.migrated_draft("proposal", both)["metode_pembaharuan"] == (
        "Sudah ada.\n\n**Pokok perubahan**\n\nObat mendatangi lansia."
    )
    new = valid_proposal()
    assert ops.migrated_draft("proposal", new) == new
    assert ops.migrated_draft("video", {"rancang_bangun": "x"}) == {"rancang_bangun": "x"}


def test_an_old_version_shows_its_own_fields_with_their_old_labels(world, login_as, db):
    submission = ops.submission_for(world.assignment, world.ani)
    old_version(db, submission, OLD_FIELDS)
    client = login_as(world.ani)
    page = page_of(client.get(version_url(world, 1)))
    for label, text in (
        ("Permasalahan", "Lansia terlambat mengambil obat."),
        ("Rancang bangun", "Kader mengantar obat setiap bulan."),
        ("Pokok perubahan", "Obat mendatangi lansia."),
    ):
        assert f">{label}</dt>" in page and text in page
    assert "Latar belakang dan permasalahan" not in page
    assert "Kesehatan masyarakat" in page  # the old free-text urusan as it was
    assert page.index(">Permasalahan</dt>") < page.index(">Pokok perubahan</dt>")
    # The grading panel reads the same rows.
    rows = receipts.field_rows("proposal", OLD_FIELDS)
    assert [r.label for r in rows if r.key == "rancang_bangun"] == ["Rancang bangun"]
    pdf = client.get(version_url(world, 1, "/receipt.pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Pokok perubahan" in text and "Obat mendatangi lansia." in text


def test_an_old_version_and_a_new_one_are_diffed_in_the_six_parts(world, login_as, db):
    submission = ops.submission_for(world.assignment, world.ani)
    old_version(db, submission, OLD_FIELDS)
    submission.state = "revisions_requested"
    db.session.commit()
    new = valid_proposal(
        nama_inovasi="SIAP ANTAR",
        latar_belakang="Lansia terlambat mengambil obat.",
        cara_kerja="Kader mengantar obat setiap minggu.",
        **dict.fromkeys(("dasar_hukum", "isu_strategis", "metode_pembaharuan"), words(100)),
    )
    ops.save_draft(submission, new)
    ops.submit(submission, self_check=SELF_CHECK, statement=True)
    db.session.commit()
    client = login_as(world.ani)
    page = page_of(client.get(version_url(world, 2, "/diff")))
    assert "Versi lama memakai susunan isian sebelumnya" in page
    changed = page[page.index("Kolom yang berubah") : page.index("Berkas")]
    # The old problem is compared with the new background: the same text, no change.
    assert ">Latar belakang dan permasalahan</h3>" not in changed
    assert ">Cara kerja</h3>" in changed
    assert "<del>bulan.</del>" in page and "<ins>minggu.</ins>" in page
    assert ">Permasalahan</h3>" not in page  # compared in the current layout


def test_two_old_versions_are_diffed_as_they_are(world, login_as, db):
    submission = ops.submission_for(world.assignment, world.ani)
    old_version(db, submission, OLD_FIELDS)
    old_version(db, submission, {**OLD_FIELDS, "pokok_perubahan": "Obat diantar kader."}, 2)
    page = page_of(login_as(world.ani).get(version_url(world, 2, "/diff")))
    assert "susunan isian sebelumnya" not in page
    assert ">Pokok perubahan</h3>" in page
    assert "<del>mendatangi lansia.</del><ins>diantar kader.</ins>" in page


# --- the Word document -----------------------------------------------------------------------


def _docx(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return Document(io.BytesIO(response.data))


def _texts(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts.extend(cell.text for row in table.rows for cell in row.cells)
    return texts


def test_the_docx_is_the_proposal_in_the_profile_layout(world, login_as):
    version = world.hand_in(
        world.ani, latar_belakang=FANCY, urusan="kesehatan", cara_kerja=words(100)
    )
    submission = version.submission
    client = login_as(world.ani)
    receipt = page_of(client.get(version_url(world, 1)))
    assert docx_url(world, submission, 1) in receipt and "Unduh proposal (DOCX)" in receipt
    response = client.get(docx_url(world, submission, 1))
    assert (
        f"proposal-{world.cohort.code.lower()}-proposal-{NIP}-v1.docx"
        in (response.headers["Content-Disposition"])
    )
    doc = _docx(response)
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styled[0] == ("Title", "Si Cepat")
    assert any("Versi 1, dikirim" in text for _style, text in styled)
    assert any("Ani Peserta, S.Kep." in text for _style, text in styled)
    headings1 = [t for s, t in styled if s == "Heading 1"]
    assert headings1[:4] == list(SECTIONS)
    headings2 = [t for s, t in styled if s == "Heading 2"]
    assert headings2[:6] == list(PART_LABELS.values())
    # The Markdown became Word paragraphs, lists and runs.
    paragraph = next(p for p in doc.paragraphs if p.text.startswith("Masalah utama"))
    assert [r.text for r in paragraph.runs if r.bold] == ["utama"]
    assert [r.text for r in paragraph.runs if r.italic] == ["puskesmas"]
    assert ("List Bullet", "antrean panjang") in styled
    assert ("List Bullet", "obat habis") in styled
    assert ("List Number", "daftar") in styled and ("List Number", "periksa") in styled
    assert any(s.startswith("Heading") and t == "Catatan" for s, t in styled)
    assert "Lihat pedoman (https://contoh.example/pedoman)." in [t for _s, t in styled]
    texts = _texts(doc)
    assert "Kesehatan" in texts  # the identity table: the affair's name
    for text in texts:
        assert "**" not in text and not text.lstrip().startswith("#"), text
        assert "](" not in text
    assert doc.core_properties.author == "Ani Peserta, S.Kep."


def test_the_docx_follows_the_receipts_access_rule(world, login_as, db):
    version = world.hand_in(world.ani)
    submission = version.submission
    url = docx_url(world, submission, 1)
    assert login_as(world.budi).get(url).status_code == 404  # another participant
    assert login_as(world.outsider).get(url).status_code == 403  # another class
    assert login_as(None).get(url).status_code in (302, 401)
    for staff in (world.trainer, world.organizer):
        doc = _docx(login_as(staff).get(url))
        assert any("Ani Peserta" in t for t in _texts(doc))
    assert login_as(world.ani).get(docx_url(world, submission, 2)).status_code == 404
    staff_list = page_of(login_as(world.organizer).get(f"{work_url(world)}/submissions"))
    assert url in staff_list
    # Only proposals come as Word documents.
    video = ops.submission_for(world.video, world.ani)
    db.session.commit()
    other = f"/cohorts/{world.cohort.id}/submissions/{video.id}/versions/1/proposal.docx"
    assert login_as(world.ani).get(other).status_code == 404


def test_a_blind_marker_gets_the_docx_without_the_participants_name(world, login_as, db, app):
    from lms.submissions.anonymity import participant_code

    version = world.hand_in(world.ani, inovator="Ani Peserta, S.Kep.", kontak="0812 0000 1111")
    submission = version.submission
    world.assignment.blind_marking = True
    db.session.commit()
    with app.app_context():
        code = participant_code(world.assignment.id, world.ani.id)
    client = login_as(world.trainer)
    staff_list = page_of(client.get(f"{work_url(world)}/submissions"))
    assert docx_url(world, submission, 1) in staff_list and "Ani Peserta" not in staff_list
    response = client.get(docx_url(world, submission, 1))
    disposition = response.headers["Content-Disposition"]
    assert code.lower() in disposition.lower() and NIP not in disposition
    doc = _docx(response)
    texts = "\n".join(_texts(doc))
    assert f"Kode peserta: {code}" in texts
    for secret in ("Ani Peserta", NIP, "Puskesmas Bonto", "0812 0000 1111"):
        assert secret not in texts, secret
        assert secret not in (doc.core_properties.author or "")
    assert "(disembunyikan: penilaian tanpa nama)" in texts
    # Organizers still see who wrote it.
    doc = _docx(login_as(world.organizer).get(docx_url(world, submission, 1)))
    assert "Ani Peserta" in "\n".join(_texts(doc))


# --- one structure: the shipped pack, the rubric, the demo proposal and the form ------------


def test_the_pack_the_rubric_and_the_demo_proposal_use_the_profiles_fields():
    import tomllib
    from pathlib import Path
    from types import SimpleNamespace

    from lms import profile
    from lms.catalog.packs import PROPOSAL_PARTS
    from lms.submissions import permissions
    from lms.submissions.fields import FIELDS_BY_KIND

    root = Path(__file__).resolve().parents[2]
    pack = root / "courses" / "penulisan-proposal-inovasi"
    spec_data = tomllib.loads((pack / "assignments" / "proposal.toml").read_text("utf-8"))
    rubric = tomllib.loads((pack / "rubrics" / "proposal.toml").read_text("utf-8"))
    demo = tomllib.loads((root / "lms" / "demo_data" / "proposal.toml").read_text("utf-8"))
    assert FIELDS_BY_KIND["proposal"] is profile.PROFILE_FIELDS  # one definition, no copy
    assert set(PROPOSAL_PARTS) == set(profile.PROFILE_KEYS)
    assert set(spec_data["required_fields"]) <= set(profile.PROFILE_KEYS)
    assert spec_data["min_words"] == {"rancang_bangun": 300}
    parts = {p for c in rubric.get("criteria", []) for p in c.get("parts", [])}
    assert parts <= set(profile.PROFILE_KEYS)
    assert set(demo) == set(profile.PROFILE_KEYS)
    spec = SimpleNamespace(
        kind="proposal",
        settings={k: spec_data[k] for k in ("required_fields", "min_words")},
    )
    themes = SimpleNamespace(themes=[SimpleNamespace(key="non_tematik", uncertain=True)])
    problems = permissions.content_problems(
        spec, demo, [], self_check=SELF_CHECK, statement=True, themes=themes
    )
    assert problems == {}


def test_a_blind_markers_rows_and_diff_leave_out_who_wrote_it():
    from types import SimpleNamespace

    from lms.submissions.diff import diff_versions

    fields = valid_proposal(perangkat_daerah="Puskesmas Bonto", inovator="Ani", kontak="0812")
    rows = {r.key: r for r in receipts.field_rows("proposal", fields, hide_identity=True)}
    for key in ("perangkat_daerah", "inovator", "kontak"):
        assert rows[key].withheld and rows[key].text == "", key
    assert rows["nama_inovasi"].text == "Si Cepat"
    old = SimpleNamespace(fields=fields, files=[])
    new = SimpleNamespace(fields={**fields, "inovator": "Ani dan Budi"}, files=[])
    diff = diff_versions("proposal", old, new, hide_identity=True)
    assert "inovator" not in {f.key for f in diff.fields}
    assert diff.changed == []
