"""The organizer's import: preview every row, write all rows or none."""

from __future__ import annotations

import io

import openpyxl

from lms.accounts.models import User
from lms.cohorts.models import Membership
from tests.helpers import csrf_token

HEADER = "nama;email;NIP;pangkat;jabatan;unit kerja;telepon;peran\n"
GOOD_ROWS = (
    "Andi Rahmat, S.Sos.;andi@example.org;19860926 201505 1 001;III/b;Analis;Dinkes;0812;peserta\n"
    "Dr. Nurjannah, M.Si.;nur@example.org;;IV/b;Widyaiswara;BPSDM;;widyaiswara\n"
)


def _upload(client, cohort, content: bytes, filename="anggota.csv"):
    path = f"/cohorts/{cohort.id}/members/import"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _members(db, cohort) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(Membership).filter_by(cohort_id=cohort.id)
    )


def _organizer_cohort(make_user, make_cohort, login_as):
    organizer = make_user()
    cohort = make_cohort(organizers=[organizer])
    login_as(organizer)
    return cohort


def test_preview_then_confirm_imports_every_row(client, make_user, make_cohort, login_as, db):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    existing = make_user(email="nur@example.org", full_name="Nurjannah")
    preview = _upload(client, cohort, ("\ufeff" + HEADER + GOOD_ROWS).encode())
    html = preview.get_data(as_text=True)
    assert "Semua 2 baris benar" in html
    assert _members(db, cohort) == 1  # nothing written before confirmation
    action = html.split('action="', 2)[2].split('"', 1)[0]
    assert "/members/import/" in action
    done = client.post(action, data={"csrf_token": csrf_token(client, "/dashboard")})
    page = done.get_data(as_text=True)
    assert "Andi Rahmat, S.Sos." in page and "Kata sandi awal" in page
    assert _members(db, cohort) == 3
    roles = dict(
        db.session.execute(
            db.select(User.email, Membership.role)
            .join(Membership)
            .filter(Membership.cohort_id == cohort.id)
        ).all()
    )
    assert roles["andi@example.org"] == "participant"
    assert roles["nur@example.org"] == "trainer"
    assert db.session.scalar(db.select(User).filter_by(email="nur@example.org")).id == existing.id
    assert db.session.scalar(db.select(User).filter_by(email="andi@example.org")).nip == (
        "198609262015051001"
    )
    # The confirmation cannot be replayed.
    again = client.post(
        action, data={"csrf_token": csrf_token(client, "/dashboard")}, follow_redirects=True
    )
    assert "sudah tidak berlaku" in again.get_data(as_text=True)


def test_xlsx_with_comma_separated_alternative_is_accepted(
    client, make_user, make_cohort, login_as
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "email", "nip", "rank", "position", "office", "phone", "role"])
    sheet.append(["Rina", "rina@example.org", "198609262015051001", "III/a", "", "", "", "peserta"])
    buffer = io.BytesIO()
    book.save(buffer)
    html = _upload(client, cohort, buffer.getvalue(), "anggota.xlsx").get_data(as_text=True)
    assert "Semua 1 baris benar" in html


def test_one_bad_row_blocks_the_whole_file_and_every_problem_is_listed(
    client, make_user, make_cohort, login_as, db
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    content = (
        HEADER
        + GOOD_ROWS
        + "Salah NIP;salah@example.org;19861326 201505 1 001;;;;;peserta\n"
        + "Peran Aneh;aneh@example.org;;;;;;kepala\n"
    ).encode()
    html = _upload(client, cohort, content).get_data(as_text=True)
    assert "Tidak ada yang disimpan" in html
    assert "Baris 4, kolom NIP" in html
    assert "Baris 5, kolom peran" in html
    assert "Peran tidak dikenal: kepala" in html
    assert "Setujui dan impor" not in html
    assert _members(db, cohort) == 1


def test_a_row_clashing_with_an_existing_account_is_reported(
    client, make_user, make_cohort, login_as, db
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    make_user(email="andi@example.org", nip="199001012018031002")
    html = _upload(client, cohort, (HEADER + GOOD_ROWS).encode()).get_data(as_text=True)
    assert "sudah terdaftar dengan NIP lain" in html
    assert _members(db, cohort) == 1


def test_missing_column_empty_file_and_non_csv_get_clear_messages(
    client, make_user, make_cohort, login_as, db
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    missing = _upload(client, cohort, b"nama,email\nA,a@example.org\n").get_data(as_text=True)
    assert "Kolom wajib tidak ditemukan: peran." in missing
    assert "Berkas kosong." in _upload(client, cohort, b"").get_data(as_text=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    html = _upload(client, cohort, png, "foto.csv").get_data(as_text=True)
    assert "bukan CSV atau XLSX" in html
    assert _members(db, cohort) == 1


def test_a_20_mb_upload_is_refused_with_the_limit_in_the_message(
    client, make_user, make_cohort, login_as, db
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    big = (HEADER + GOOD_ROWS * 200_000)[: 20 * 1024 * 1024].encode()
    response = _upload(client, cohort, big)
    html = response.get_data(as_text=True)
    assert "Berkas terlalu besar" in html
    assert "batasnya 2 MB" in html
    assert _members(db, cohort) == 1


def test_no_file_chosen(client, make_user, make_cohort, login_as):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    path = f"/cohorts/{cohort.id}/members/import"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert "Pilih berkas untuk diimpor." in response.get_data(as_text=True)


def _confirm(client, html: str):
    action = html.split('action="', 2)[2].split('"', 1)[0]
    return client.post(action, data={"csrf_token": csrf_token(client, "/dashboard")})


def test_the_preview_shows_the_status_read_from_the_number_and_the_import_keeps_it(
    client, make_user, make_cohort, login_as, db
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    content = (
        "nama;email;NIP;pangkat;L/P;jabatan;unit kerja;telepon;peran\n"
        "Andi;andi@example.org;19860926 201505 1 001;Penata Muda Tk. I;;Analis;Dinkes;;peserta\n"
        "Irma;irma@example.org;19940216 2023 21 2 013;Gol. IX;;Apoteker;Farmasi;٠٨١٢;peserta\n"
        "Dewi;dewi@example.org;;;P;Relawan;Komunitas;;peserta\n"
    )
    html = _upload(client, cohort, content.encode()).get_data(as_text=True)
    assert "Semua 3 baris benar" in html
    for shown in ("PNS (dari nomor)", "PPPK (dari nomor)", "Non-ASN (tanpa nomor)"):
        assert shown in html
    assert "19940216 202321 2 013" in html and "Golongan IX" in html
    assert "Penata Muda Tingkat I (III/b)" in html
    _confirm(client, html)
    people = {
        u.email: (u.employment_status, u.nip, u.rank, u.sex, u.phone)
        for u in db.session.scalars(db.select(User).where(User.email.like("%@example.org")))
    }
    assert people["andi@example.org"] == ("pns", "198609262015051001", "III/b", None, "")
    assert people["irma@example.org"] == ("pppk", "199402162023212013", "IX", None, "0812")
    assert people["dewi@example.org"] == ("non_asn", None, None, "P", "")


def test_a_number_that_contradicts_an_existing_accounts_rank_is_shown_before_import(
    client, make_user, make_cohort, login_as, db
):
    cohort = _organizer_cohort(make_user, make_cohort, login_as)
    existing = make_user(email="andi@example.org", employment_status="pns", rank="III/b")
    content = f"{HEADER}Andi;andi@example.org;19940216 2023 21 2 013;;;;;peserta\n"
    html = _upload(client, cohort, content.encode()).get_data(as_text=True)
    assert (
        "Akun andi@example.org yang sudah ada tidak cocok dengan baris ini: III/b adalah "
        "pangkat/golongan PNS. PPPK memakai golongan I sampai XVII, misalnya IX."
    ) in html
    assert "Setujui dan impor" not in html
    db.session.refresh(existing)
    assert (existing.employment_status, existing.nip) == ("pns", None)
    assert _members(db, cohort) == 1
