"""The organizer's schedule import: preview every row, then schedule all meetings or none."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import UTC, date, datetime, time

import openpyxl
import pytest

from lms.attendance.importing.schedule import parse_schedule_file
from lms.attendance.models import Meeting
from lms.cohorts import operations as cohort_operations
from tests.helpers import csrf_token

HEADER = "judul;tanggal;mulai;selesai;tempat;jp;widyaiswara\n"


def _upload(client, cohort, content: bytes, filename="jadwal.csv"):
    path = f"/cohorts/{cohort.id}/meetings/import"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _confirm_action(html: str) -> str:
    match = re.search(r'action="([^"]*/meetings/import/[0-9a-f]+)"', html)
    assert match, "no confirm form on the preview"
    return match.group(1)


def _confirm(client, html: str):
    return client.post(_confirm_action(html), data={"csrf_token": csrf_token(client, "/dashboard")})


def _meetings(db, cohort) -> list[Meeting]:
    return db.session.scalars(
        db.select(Meeting).filter_by(cohort_id=cohort.id).order_by(Meeting.start_dt)
    ).all()


@pytest.fixture
def setup(make_user, make_cohort, login_as):
    """An organizer logged in to a WITA cohort with one trainer and one participant."""
    organizer = make_user()
    trainer = make_user(email="nur@example.org", full_name="Dr. Nurjannah, M.Si.")
    trainer_2 = make_user(email="budi@example.org", full_name="Budi Santoso")
    participant = make_user(email="peserta@example.org")
    cohort = make_cohort(
        organizers=[organizer],
        trainers=[trainer, trainer_2],
        participants=[participant],
        timezone="Asia/Makassar",
        venue="Aula Bappeda",
    )
    login_as(organizer)
    return cohort, organizer, trainer, trainer_2


def test_preview_then_confirm_schedules_every_meeting(client, db, setup):
    cohort, _organizer, trainer, trainer_2 = setup
    content = (
        "\ufeff"
        + HEADER
        + "Pembukaan;05/09/2023;09.00;11.00;Aula Lantai 2;2;nur@example.org\n"
        + "Rancang bangun;2023-09-06;13:30;15:00;;3;nur@example.org | BUDI@example.org\n"
        + "Presentasi;07-09-2023;08:00;12:00;;;\n"
    ).encode()

    preview = _upload(client, cohort, content)

    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Semua 3 baris benar" in html
    assert "Selasa, 5 September 2023" in html and "09.00–11.00" in html
    assert _meetings(db, cohort) == []  # nothing written before confirmation

    done = _confirm(client, html)

    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/cohorts/{cohort.id}/meetings")
    meetings = _meetings(db, cohort)
    assert [m.title for m in meetings] == ["Pembukaan", "Rancang bangun", "Presentasi"]
    # Times are WITA (UTC+8) in the file and UTC in the database.
    assert meetings[0].start_dt == datetime(2023, 9, 5, 1, 0, tzinfo=UTC)
    assert meetings[0].end_dt == datetime(2023, 9, 5, 3, 0, tzinfo=UTC)
    assert meetings[1].start_dt == datetime(2023, 9, 6, 5, 30, tzinfo=UTC)
    assert meetings[2].start_dt == datetime(2023, 9, 7, 0, 0, tzinfo=UTC)
    assert [m.venue for m in meetings] == ["Aula Lantai 2", "Aula Bappeda", "Aula Bappeda"]
    assert [m.jp for m in meetings] == [2, 3, 0]
    assert [t.id for t in meetings[0].trainers] == [trainer.id]
    assert {t.id for t in meetings[1].trainers} == {trainer.id, trainer_2.id}
    assert meetings[2].trainers == []
    schedule = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "3 pertemuan sudah dijadwalkan." in schedule

    # The same preview cannot be confirmed twice.
    again = _confirm(client, html)
    assert len(_meetings(db, cohort)) == 3
    followed = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "sudah tidak berlaku" in followed


def test_comma_separated_english_headers(client, db, setup):
    cohort, *_ = setup
    content = (
        b"title,date,start,end,venue,jp,trainers\n"
        b'"Opening, day 1",2023-09-05,09:00,11:00,Hall,2,"nur@example.org, budi@example.org"\n'
    )
    html = _upload(client, cohort, content).get_data(as_text=True)
    assert "Semua 1 baris benar" in html
    _confirm(client, html)
    (meeting,) = _meetings(db, cohort)
    assert meeting.title == "Opening, day 1"
    assert len(meeting.trainers) == 2


def test_xlsx_with_date_and_time_cells(client, db, setup):
    cohort, *_ = setup
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Judul", "Tanggal", "Mulai", "Selesai", "JP"])
    sheet.append(["Pembukaan", date(2023, 9, 5), time(9, 0), time(11, 0), 2])
    sheet.append(["Hari kedua", datetime(2023, 9, 6), "08.00", "10.00", None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    html = _upload(client, cohort, buffer.getvalue(), "jadwal.xlsx").get_data(as_text=True)
    assert "Semua 2 baris benar" in html
    _confirm(client, html)
    meetings = _meetings(db, cohort)
    assert [m.start_dt for m in meetings] == [
        datetime(2023, 9, 5, 1, 0, tzinfo=UTC),
        datetime(2023, 9, 6, 0, 0, tzinfo=UTC),
    ]


ROW_PROBLEMS = [
    ("Pembukaan;31/02/2023;09.00;11.00;;;", "Baris 2, kolom tanggal", "Tanggal tidak dapat dibaca"),
    ("Pembukaan;kemarin;09.00;11.00;;;", "Baris 2, kolom tanggal", "Tanggal tidak dapat dibaca"),
    ("Pembukaan;;09.00;11.00;;;", "Baris 2, kolom tanggal", "Tanggal wajib diisi."),
    ("Pembukaan;05/09/2023;9 pagi;11.00;;;", "Baris 2, kolom mulai", "Jam tidak dapat dibaca"),
    ("Pembukaan;05/09/2023;09.00;25.00;;;", "Baris 2, kolom selesai", "Jam tidak dapat dibaca"),
    ("Pembukaan;05/09/2023;09.00;;;;", "Baris 2, kolom selesai", "Jam selesai wajib diisi."),
    (
        "Pembukaan;05/09/2023;11.00;09.00;;;",
        "Baris 2, kolom selesai",
        "Jam selesai harus setelah jam mulai.",
    ),
    (
        "Pembukaan;05/09/2023;09.00;09.00;;;",
        "Baris 2, kolom selesai",
        "Jam selesai harus setelah jam mulai.",
    ),
    (";05/09/2023;09.00;11.00;;;", "Baris 2, kolom judul", "Judul wajib diisi."),
    ("Pembukaan;05/09/2023;09.00;11.00;;dua;", "Baris 2, kolom JP", "JP harus bilangan bulat"),
    ("Pembukaan;05/09/2023;09.00;11.00;;30;", "Baris 2, kolom JP", "JP harus bilangan bulat"),
    (
        "Pembukaan;05/09/2023;09.00;11.00;;;peserta@example.org",
        "Baris 2, kolom widyaiswara",
        "peserta@example.org bukan widyaiswara kelas ini",
    ),
    (
        "Pembukaan;05/09/2023;09.00;11.00;;;nur@example.org siapa@example.org",
        "Baris 2, kolom widyaiswara",
        "siapa@example.org bukan widyaiswara kelas ini",
    ),
]


@pytest.mark.parametrize(("line", "where", "message"), ROW_PROBLEMS)
def test_row_problems_are_shown_and_nothing_is_written(client, db, setup, line, where, message):
    cohort, *_ = setup
    response = _upload(client, cohort, (HEADER + line + "\n").encode())
    html = html_lib.unescape(response.get_data(as_text=True))
    assert "Berkas belum dapat diimpor" in html
    assert f"{where}: {message}" in html
    assert "/meetings/import/" not in html  # no confirm form
    assert _meetings(db, cohort) == []


def test_one_bad_row_among_good_ones_blocks_them_all(client, db, setup):
    cohort, *_ = setup
    content = (
        HEADER
        + "Pembukaan;05/09/2023;09.00;11.00;;2;\n"
        + "Hari kedua;06/09/2023;09.00;08.00;;2;\n"
        + "Hari ketiga;07/09/2023;09.00;11.00;;2;\n"
    ).encode()
    html = _upload(client, cohort, content).get_data(as_text=True)
    assert "1 masalah" in html
    assert "Baris 3, kolom selesai: Jam selesai harus setelah jam mulai." in html
    assert html.count('class="row-error"') == 1
    assert "/meetings/import/" not in html
    assert _meetings(db, cohort) == []


FILE_PROBLEMS = [
    (b"", "Berkas kosong."),
    (b"\xef\xbb\xbf\r\n \n", "Berkas kosong."),
    (HEADER.encode(), "Berkas hanya berisi judul kolom; tidak ada baris data."),
    (
        b"judul;tanggal;mulai\nPembukaan;05/09/2023;09.00\n",
        "Kolom wajib tidak ditemukan: selesai.",
    ),
    (
        b"nama;email;peran\nAndi;andi@example.org;peserta\n",
        "Kolom wajib tidak ditemukan: judul, tanggal, mulai, selesai.",
    ),
    (b"%PDF-1.4\n\x00\x01\x02binary", "Berkas bukan CSV atau XLSX yang dapat dibaca."),
    (b"\xff\xfej\x00u\x00d\x00", "Berkas bukan CSV atau XLSX yang dapat dibaca."),
    (b"PK\x03\x04not really a zip", "Berkas bukan CSV atau XLSX yang dapat dibaca."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Berkas Excel lama (.xls) tidak didukung."),
]


@pytest.mark.parametrize(("content", "message"), FILE_PROBLEMS)
def test_file_problems_are_explained(client, db, setup, content, message):
    cohort, *_ = setup
    html = _upload(client, cohort, content).get_data(as_text=True)
    assert message in html_lib.unescape(html)
    assert "/meetings/import/" not in html
    assert _meetings(db, cohort) == []


def test_too_large_file_is_refused(client, db, app, setup, monkeypatch):
    cohort, *_ = setup
    monkeypatch.setitem(app.config, "LMS_IMPORT_MAX_BYTES", 1024 * 1024)
    line = "Pembukaan;05/09/2023;09.00;11.00;;;\n"
    content = (HEADER + line * (1_300_000 // len(line))).encode()
    html = _upload(client, cohort, content).get_data(as_text=True)
    assert "Berkas terlalu besar (1,2 MB); batasnya 1 MB." in html
    assert _meetings(db, cohort) == []


def test_a_missing_file_is_asked_for(client, setup):
    cohort, *_ = setup
    path = f"/cohorts/{cohort.id}/meetings/import"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert "Pilih berkas untuk diimpor." in response.get_data(as_text=True)


def test_repeated_rows_and_meetings_already_scheduled_are_caught(client, db, setup):
    cohort, *_ = setup
    line = "Pembukaan;05/09/2023;09.00;11.00;;;\n"
    html = _upload(client, cohort, (HEADER + line + line).encode()).get_data(as_text=True)
    assert "Baris 3, kolom judul: Pertemuan ini sama dengan baris 2" in html

    _confirm(client, _upload(client, cohort, (HEADER + line).encode()).get_data(as_text=True))
    assert len(_meetings(db, cohort)) == 1
    html = _upload(client, cohort, (HEADER + line).encode()).get_data(as_text=True)
    assert "Pertemuan ini sudah ada di jadwal" in html
    assert len(_meetings(db, cohort)) == 1


def test_confirm_rechecks_trainers_and_writes_nothing_when_one_left(client, db, setup):
    cohort, _organizer, trainer, _trainer_2 = setup
    content = (
        HEADER
        + "Pembukaan;05/09/2023;09.00;11.00;;;\n"
        + "Hari kedua;06/09/2023;09.00;11.00;;;nur@example.org\n"
    ).encode()
    html = _upload(client, cohort, content).get_data(as_text=True)
    assert "Semua 2 baris benar" in html
    membership = next(m for m in cohort.memberships if m.user_id == trainer.id)
    cohort_operations.remove_member(membership, actor=None)
    db.session.commit()

    done = _confirm(client, html)

    assert _meetings(db, cohort) == []
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "berubah sejak pratinjau" in page


def test_only_organizers_import(client, make_user, make_cohort, login_as):
    trainer, participant = make_user(), make_user()
    cohort = make_cohort(trainers=[trainer], participants=[participant])
    path = f"/cohorts/{cohort.id}/meetings/import"
    assert client.get(path).status_code == 302  # to login
    for person in (trainer, participant):
        login_as(person)
        assert client.get(path).status_code == 403


def test_another_organizers_preview_cannot_be_confirmed(client, db, make_user, setup, login_as):
    cohort, *_ = setup
    html = _upload(
        client, cohort, (HEADER + "Pembukaan;05/09/2023;09.00;11.00;;;\n").encode()
    ).get_data(as_text=True)
    colleague = make_user()
    cohort_operations.add_member(cohort, email=colleague.email, role="organizer", actor=None)
    db.session.commit()
    login_as(colleague)
    assert _confirm(client, html).status_code == 404
    assert _meetings(db, cohort) == []


def test_preview_of_another_cohort_cannot_be_confirmed_here(
    client, db, make_user, make_cohort, setup
):
    cohort, organizer, *_ = setup
    other = make_cohort(organizers=[organizer])
    html = _upload(
        client, cohort, (HEADER + "Pembukaan;05/09/2023;09.00;11.00;;;\n").encode()
    ).get_data(as_text=True)
    action = _confirm_action(html).replace(f"/cohorts/{cohort.id}/", f"/cohorts/{other.id}/")
    response = client.post(action, data={"csrf_token": csrf_token(client, "/dashboard")})
    assert response.status_code == 404
    assert _meetings(db, cohort) == [] and _meetings(db, other) == []


def test_malformed_token_is_404(client, setup):
    cohort, *_ = setup
    response = client.post(
        f"/cohorts/{cohort.id}/meetings/import/abc-def.json",
        data={"csrf_token": csrf_token(client, "/dashboard")},
    )
    assert response.status_code == 404


def test_parser_reads_local_times_in_the_given_zone(app_ctx):
    content = b"judul,tanggal,mulai,selesai\nA,2023-09-05,09:00,10:00\n"
    jakarta = parse_schedule_file(content, timezone="Asia/Jakarta")
    jayapura = parse_schedule_file(content, timezone="Asia/Jayapura")
    assert jakarta.ok and jayapura.ok
    assert jakarta.rows[0].start_dt == datetime(2023, 9, 5, 2, 0, tzinfo=UTC)
    assert jayapura.rows[0].start_dt == datetime(2023, 9, 5, 0, 0, tzinfo=UTC)


def test_parser_honours_excel_sep_line_and_skips_empty_rows(app_ctx):
    content = b"sep=,\r\njudul,tanggal,mulai,selesai\r\n,,,\r\nA,5/9/2023,8.00,9.30\r\n"
    parsed = parse_schedule_file(content, timezone="Asia/Makassar")
    assert parsed.ok
    assert parsed.rows[0].row == 3
    assert parsed.rows[0].end_dt == datetime(2023, 9, 5, 1, 30, tzinfo=UTC)
