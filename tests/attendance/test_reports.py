"""Attendance reports: the meeting page, the cohort grid, one's own record, XLSX and PDF."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.attendance import exports
from lms.attendance.models import AttendanceRecord
from lms.attendance.operations import set_mark
from lms.attendance.queries import (
    MeetingSummary,
    cohort_report,
    meeting_summary,
    participant_record,
)
from lms.pdf import FONT_DIR
from tests.helpers import counted_queries

_nip_seq = itertools.count(1)


def nip() -> str:
    """A fresh 18-digit NIP: born 26 Sep 1986, appointed May 2015, male, a new sequence."""
    return f"198609262015051{next(_nip_seq) % 1000:03d}"


def mark(db, meeting, user, status, note=""):
    current = db.session.scalar(
        db.select(AttendanceRecord.version).filter_by(meeting_id=meeting.id, user_id=user.id)
    )
    set_mark(meeting, user, status, note=note, actor=None, expected_version=current)
    db.session.commit()


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def klass(db, make_user, make_cohort, make_meeting):
    """A cohort with four participants, a trainer, an organizer and one meeting that started."""
    people = [
        make_user(full_name="Andi Baso, S.Kom.", nip=nip(), office="Dinas Kesehatan"),
        make_user(full_name="Besse Tenri, S.E.", nip=nip(), office="Bappelitbangda"),
        make_user(full_name="Cakra Wijaya", nip=nip(), office="Dinas Kesehatan"),
        make_user(full_name="Dewi Lestari", office=""),
    ]
    trainer, organizer = make_user(), make_user()
    cohort = make_cohort(
        participants=people,
        trainers=[trainer],
        organizers=[organizer],
        signer_name="Dr. H. Muhammad Saleh, M.Si.",
        signer_title="Kepala Bappelitbangda Kabupaten Sinjai",
        signer_nip="197001011995031002",
    )
    # Over an hour ago, so that it counts in rates and JP.
    meeting = make_meeting(
        cohort, title="Kebijakan Inovasi Daerah", jp=3, starts_in=timedelta(hours=-3)
    )
    return SimpleNamespace(
        cohort=cohort, people=people, trainer=trainer, organizer=organizer, meeting=meeting
    )


# --- the meeting page -----------------------------------------------------------------------


def test_meeting_page_shows_counts_and_the_list_to_organizers_and_trainers(
    db, client, login_as, klass
):
    andi, besse, cakra, dewi = klass.people
    mark(db, klass.meeting, andi, "present")
    mark(db, klass.meeting, besse, "late")
    mark(db, klass.meeting, cakra, "sick", note="Surat dokter")

    summary = meeting_summary(klass.meeting)
    assert [user.full_name for user, _ in summary.rows] == [p.full_name for p in klass.people]
    assert summary.counts == {
        "present": 1,
        "late": 1,
        "excused": 0,
        "sick": 1,
        "absent": 0,
        "unmarked": 1,
    }

    for viewer in (klass.organizer, klass.trainer):
        login_as(viewer)
        html = client.get(f"/cohorts/{klass.cohort.id}/meetings/{klass.meeting.id}").get_data(
            as_text=True
        )
        assert "Hadir: 1" in html and "Terlambat: 1" in html and "Sakit: 1" in html
        assert "Belum dicatat: 1" in html
        for person in klass.people:
            assert person.full_name in html
        assert andi.nip_display in html and "Dinas Kesehatan" in html
        assert "Surat dokter" in html
        assert "daftar-hadir.pdf" in html


def test_participant_sees_only_their_own_status(db, client, login_as, klass):
    andi, besse, *_ = klass.people
    mark(db, klass.meeting, andi, "late")
    mark(db, klass.meeting, besse, "present")
    login_as(andi)
    response = client.get(f"/cohorts/{klass.cohort.id}/meetings/{klass.meeting.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Terlambat" in html
    assert besse.full_name not in html
    assert "Dewi Lestari" not in html
    assert "daftar-hadir.pdf" not in html

    login_as(klass.people[3])  # not marked yet
    html = client.get(f"/cohorts/{klass.cohort.id}/meetings/{klass.meeting.id}").get_data(
        as_text=True
    )
    assert "Kehadiran Anda belum dicatat." in html


def test_participants_of_another_cohort_are_refused(
    client, login_as, make_user, make_cohort, klass
):
    stranger = make_user()
    make_cohort(participants=[stranger])
    login_as(stranger)
    base = f"/cohorts/{klass.cohort.id}"
    for path in (
        f"{base}/meetings/{klass.meeting.id}",
        f"{base}/attendance",
        f"{base}/attendance.xlsx",
        f"{base}/my-attendance",
        f"{base}/meetings/{klass.meeting.id}/daftar-hadir.pdf",
    ):
        assert client.get(path).status_code == 403, path


def test_participants_cannot_open_the_cohort_report_or_the_exports(client, login_as, klass):
    login_as(klass.people[0])
    base = f"/cohorts/{klass.cohort.id}"
    assert client.get(f"{base}/attendance").status_code == 403
    assert client.get(f"{base}/attendance.xlsx").status_code == 403
    assert client.get(f"{base}/meetings/{klass.meeting.id}/daftar-hadir.pdf").status_code == 403


def test_a_meeting_of_another_cohort_is_not_found(
    client, login_as, make_cohort, make_meeting, klass
):
    other = make_meeting(make_cohort())
    login_as(klass.organizer)
    base = f"/cohorts/{klass.cohort.id}"
    assert client.get(f"{base}/meetings/{other.id}").status_code == 404
    assert client.get(f"{base}/meetings/{other.id}/daftar-hadir.pdf").status_code == 404


# --- rate and JP ----------------------------------------------------------------------------


def _four_meetings_and_one_ahead(db, make_meeting, cohort, person):
    days = timedelta(days=1)
    held = [
        make_meeting(cohort, starts_in=-4 * days, jp=3),
        make_meeting(cohort, starts_in=-3 * days, jp=2),
        make_meeting(cohort, starts_in=-2 * days, jp=4),
        make_meeting(cohort, starts_in=-1 * days, jp=1),
    ]
    ahead = make_meeting(cohort, starts_in=2 * days, jp=5)
    for meeting, status in zip(held, ("present", "excused", "late", "absent"), strict=True):
        mark(db, meeting, person, status)
    mark(db, ahead, person, "sick")  # asked in advance: shown, not counted yet
    return held, ahead


@pytest.mark.parametrize(
    ("excused_counts", "attended", "rate", "jp", "shown"),
    [(False, 2, 0.5, 7, "50%"), (True, 3, 0.75, 9, "75%")],
)
def test_rate_and_jp_count_started_meetings_and_follow_the_excused_setting(
    db,
    client,
    login_as,
    make_user,
    make_cohort,
    make_meeting,
    excused_counts,
    attended,
    rate,
    jp,
    shown,
):
    person, organizer = make_user(), make_user()
    cohort = make_cohort(
        participants=[person],
        organizers=[organizer],
        excused_counts_as_attended=excused_counts,
    )
    _four_meetings_and_one_ahead(db, make_meeting, cohort, person)

    report = cohort_report(cohort)
    (row,) = report.rows
    assert (row.tally.held, row.tally.attended, row.tally.rate, row.tally.jp) == (
        4,
        attended,
        rate,
        jp,
    )
    own = participant_record(cohort, person)
    assert (own.tally.attended, own.tally.rate, own.tally.jp, own.jp_held) == (
        attended,
        rate,
        jp,
        10,
    )
    assert len(own.meetings) == 5

    login_as(person)
    html = client.get(f"/cohorts/{cohort.id}/my-attendance").get_data(as_text=True)
    assert shown in html
    assert f"{jp} dari 10 JP" in html
    assert "Belum dimulai" not in html  # the meeting ahead already has a status (Sakit)

    login_as(organizer)
    html = client.get(f"/cohorts/{cohort.id}/attendance").get_data(as_text=True)
    assert f"{attended}/4" in html and shown in html


def test_no_meeting_started_yet_means_no_rate(
    db, client, login_as, make_user, make_cohort, make_meeting
):
    person = make_user()
    cohort = make_cohort(participants=[person])
    make_meeting(cohort, starts_in=timedelta(days=1))
    (row,) = cohort_report(cohort).rows
    assert row.tally.held == 0 and row.tally.rate is None
    login_as(person)
    html = client.get(f"/cohorts/{cohort.id}/my-attendance").get_data(as_text=True)
    assert "Belum dimulai" in html


def test_the_grid_shows_symbols_and_a_legend(db, client, login_as, klass):
    andi, besse, cakra, _dewi = klass.people
    mark(db, klass.meeting, andi, "present")
    mark(db, klass.meeting, besse, "absent")
    mark(db, klass.meeting, cakra, "excused")
    login_as(klass.trainer)
    html = client.get(f"/cohorts/{klass.cohort.id}/attendance").get_data(as_text=True)
    assert 'class="badge status-present" title="Hadir">H<' in html
    assert 'class="badge status-absent" title="Alpa">A<' in html
    assert 'class="badge status-excused" title="Izin">I<' in html
    assert "Keterangan" in html and "belum dicatat" in html
    assert "Unduh XLSX" in html and "Daftar hadir (PDF)" in html


# --- group by office ------------------------------------------------------------------------


def test_grouping_by_office_orders_rows_and_adds_subtotals(db, client, login_as, klass):
    andi, besse, cakra, dewi = klass.people
    for person in (andi, besse, dewi):
        mark(db, klass.meeting, person, "present")
    mark(db, klass.meeting, cakra, "absent")

    report = cohort_report(klass.cohort, group_by_office=True)
    assert [(g.office, [r.user.full_name for r in g.rows]) for g in report.groups] == [
        ("Bappelitbangda", [besse.full_name]),
        ("Dinas Kesehatan", [andi.full_name, cakra.full_name]),
        ("", [dewi.full_name]),
    ]
    health = report.groups[1]
    assert (health.total.attended, health.total.held, health.total.jp) == (1, 2, 3)
    assert health.total.rate == 0.5
    assert health.attended_by_meeting == {klass.meeting.id: 1}
    assert cohort_report(klass.cohort).groups is None

    login_as(klass.organizer)
    html = client.get(f"/cohorts/{klass.cohort.id}/attendance?group=office").get_data(as_text=True)
    assert html.count("Subtotal") == 3
    assert (
        html.index("Bappelitbangda")
        < html.index("Dinas Kesehatan")
        < html.index("Tanpa unit kerja")
    )
    assert html.index(besse.full_name) < html.index(andi.full_name)


# --- query counts ---------------------------------------------------------------------------


def _count_queries(db, client, path: str) -> int:
    with counted_queries(db) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_report_pages_use_the_same_number_of_queries_for_5_and_60_participants(
    db, client, login_as, make_user, make_cohort, make_meeting
):
    def counts(size: int) -> tuple[int, int, int]:
        organizer = make_user()
        people = [make_user(nip=nip(), office=f"Kantor {i % 4}") for i in range(size)]
        cohort = make_cohort(organizers=[organizer], participants=people)
        meetings = [make_meeting(cohort, starts_in=timedelta(days=-d)) for d in (3, 2, 1)]
        for i, person in enumerate(people):
            for meeting in meetings[: 1 + i % 3]:
                set_mark(meeting, person, ("present", "late", "sick")[i % 3], actor=None)
        db.session.commit()
        login_as(organizer)
        base = f"/cohorts/{cohort.id}"
        return (
            _count_queries(db, client, f"{base}/attendance"),
            _count_queries(db, client, f"{base}/attendance?group=office"),
            _count_queries(db, client, f"{base}/meetings/{meetings[0].id}"),
        )

    assert counts(5) == counts(60)


# --- the printed attendance list ------------------------------------------------------------


def test_pdf_lists_every_participant_and_the_signer(client, login_as, klass):
    login_as(klass.organizer)
    response = client.get(
        f"/cohorts/{klass.cohort.id}/meetings/{klass.meeting.id}/daftar-hadir.pdf"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert klass.cohort.code in response.headers["Content-Disposition"]
    reader, text = pdf_text(response.data)
    page = reader.pages[0].mediabox
    assert (round(float(page.width)), round(float(page.height))) == (595, 842)  # A4 portrait
    assert "DAFTAR HADIR" in text
    assert klass.cohort.name in text and klass.cohort.code in text
    assert "Kebijakan Inovasi Daerah" in text
    for person in klass.people:
        assert person.full_name in text
        if person.nip:
            assert person.nip_display in text
    assert "Tanda tangan" in text
    assert "Dr. H. Muhammad Saleh, M.Si." in text
    assert "Kepala Bappelitbangda Kabupaten Sinjai" in text
    assert "NIP 19700101 199503 1 002" in text
    assert "Halaman 1 dari 1" in text


def test_a_cohort_without_a_signer_gets_blank_lines_to_fill_by_hand(
    db, make_user, make_cohort, make_meeting
):
    cohort = make_cohort(participants=[make_user()])
    meeting = make_meeting(cohort)
    _reader, text = pdf_text(exports.attendance_list_pdf(meeting_summary(meeting)))
    assert "(" + "." * 30 + ")" in text
    assert "NIP " + "." * 30 in text


def test_sixty_participants_span_pages_numbered_x_of_y(
    db, client, login_as, make_user, make_cohort, make_meeting
):
    organizer = make_user()
    people = [
        make_user(full_name=f"Peserta {i:02d}", nip=nip(), office="Dinas Pendidikan")
        for i in range(60)
    ]
    cohort = make_cohort(organizers=[organizer], participants=people)
    meeting = make_meeting(cohort)
    login_as(organizer)
    data = client.get(f"/cohorts/{cohort.id}/meetings/{meeting.id}/daftar-hadir.pdf").data
    reader, text = pdf_text(data)
    pages = len(reader.pages)
    assert pages >= 3
    for number in range(1, pages + 1):
        page_text = reader.pages[number - 1].extract_text()
        assert f"Halaman {number} dari {pages}" in page_text
        if number > 1:  # the table heading repeats on every page
            assert "Tanda tangan" in page_text
    for person in people:
        assert person.nip_display in text


def _people_like(count: int, *, long: bool = False) -> list[SimpleNamespace]:
    name = "Prof. Dr. Ir. Andi Muhammad Rizal Baso Tenri Ajeng Pallawarukka, S.T., M.Eng."
    office = (
        "Dinas Komunikasi, Informatika, Statistik dan Persandian Kabupaten Sinjai "
        "Bidang Pengelolaan Infrastruktur Teknologi Informasi dan Komunikasi"
    )
    return [
        SimpleNamespace(
            full_name=(name + " " + "X" * 80) if long else f"Peserta {i}",
            nip_display="19860926 201505 1 001",
            office=office,
        )
        for i in range(count)
    ]


def test_a_500_row_list_prints_every_row_on_numbered_pages(db, make_cohort, make_meeting):
    # Its speed is measured in bench/, not here.
    meeting = make_meeting(make_cohort())
    summary = MeetingSummary(meeting, [(p, None) for p in _people_like(500)], {})
    reader = PdfReader(io.BytesIO(exports.attendance_list_pdf(summary)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 10
    assert "Peserta 0" in text and "Peserta 499" in text


def test_long_names_and_offices_wrap_inside_their_cells(db, make_cohort, make_meeting):
    meeting = make_meeting(make_cohort())
    summary = MeetingSummary(meeting, [(p, None) for p in _people_like(3, long=True)], {})
    _reader, text = pdf_text(exports.attendance_list_pdf(summary))
    assert "Pallawarukka" in text and "Persandian" in text

    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font(exports.FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.set_font(exports.FONT, "", exports.BODY_SIZE)
    measure = exports._Measure(pdf, exports.BODY_SIZE)
    lines = measure.wrap(_people_like(1, long=True)[0].full_name, 49.6)
    assert len(lines) > 2
    assert all(pdf.get_string_width(line) <= 49.6 for line in lines)
    assert "".join(lines).replace(" ", "") == _people_like(1, long=True)[0].full_name.replace(
        " ", ""
    )


# --- the workbook ---------------------------------------------------------------------------


def test_xlsx_numbers_match_the_report(db, client, login_as, make_user, make_cohort, make_meeting):
    people = [make_user(full_name=f"Peserta {c}", nip=nip(), office="Dinas") for c in "ABC"]
    organizer = make_user()
    cohort = make_cohort(participants=people, organizers=[organizer])
    days = timedelta(days=1)
    first = make_meeting(cohort, starts_in=-2 * days, jp=3, title="Pembukaan: [Hari 1]")
    second = make_meeting(cohort, starts_in=-days, jp=4, title="x" * 40)
    third = make_meeting(cohort, starts_in=-days / 2, jp=2, title="x" * 40)
    mark(db, first, people[0], "present")
    mark(db, first, people[1], "late", note='=HYPERLINK("http://x")')
    mark(db, second, people[0], "sick")
    mark(db, third, people[2], "absent")
    set_mark(third, people[0], "present", actor=None)
    db.session.commit()

    login_as(organizer)
    response = client.get(f"/cohorts/{cohort.id}/attendance.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    names = book.sheetnames
    assert names[0] == "Ringkasan" and len(names) == 4
    assert len({n.casefold() for n in names}) == 4
    for name in names:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")

    rows = list(book["Ringkasan"].iter_rows(values_only=True))
    header = list(rows[1])
    assert header[:4] == ["No.", "Nama", "NIP", "Unit kerja"]
    attended_col = header.index("Jumlah hadir")
    report = cohort_report(cohort)
    for row, line in zip(report.rows, rows[2:], strict=True):
        assert line[1] == row.user.full_name
        assert line[2] == row.user.nip_display
        assert line[attended_col] == row.tally.attended
        assert line[attended_col + 1] == pytest.approx(row.tally.rate)
        assert line[attended_col + 2] == row.tally.jp
    a_line = rows[2]
    assert list(a_line[4:7]) == ["Hadir", "Sakit", "Hadir"]

    sheet = list(book[names[1]].iter_rows(values_only=True))
    assert sheet[2] == ("No.", "Nama", "NIP", "Unit kerja", "Status", "Waktu presensi", "Catatan")
    by_name = {line[1]: line for line in sheet[3:]}
    assert by_name["Peserta B"][4:] == ("Terlambat", None, '=HYPERLINK("http://x")')
    note_cell = next(c for c in book[names[1]]["G"] if c.value and c.value.startswith("="))
    assert note_cell.data_type == "s"  # text from people never becomes a formula
    assert by_name["Peserta C"][4] is None


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    first = exports.sheet_title("Evaluasi: tugas [1] / video?*", taken)
    assert first == "Evaluasi tugas 1 video"
    long = "y" * 50
    a, b = exports.sheet_title(long, taken), exports.sheet_title(long.upper(), taken)
    assert len(a) == 31 and len(b) == 31 and a.casefold() != b.casefold()
    assert b.endswith("(2)")


# --- the cohort's language ------------------------------------------------------------------


def test_an_english_cohort_gets_english_exports_whatever_the_page_language(
    db, client, login_as, make_user, make_cohort, make_meeting
):
    person, organizer = make_user(nip=nip()), make_user()
    cohort = make_cohort(participants=[person], organizers=[organizer], locale="en")
    meeting = make_meeting(cohort)
    login_as(organizer)
    base = f"/cohorts/{cohort.id}"
    _reader, text = pdf_text(
        client.get(f"{base}/meetings/{meeting.id}/daftar-hadir.pdf?lang=id").data
    )
    assert "Name" in text and "Work unit" in text and "Venue" in text
    assert "Nama" not in text and "Unit kerja" not in text

    book = load_workbook(io.BytesIO(client.get(f"{base}/attendance.xlsx?lang=id").data))
    assert book.sheetnames[0] == "Overview"
    header = next(book["Overview"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[:4] == ("No.", "Name", "NIP", "Work unit")

    # The page itself stays in the reader's language.
    html = client.get(f"{base}/attendance").get_data(as_text=True)
    assert "Unduh XLSX" in html


def test_an_indonesian_cohort_gets_indonesian_exports_for_english_readers(
    db, client, login_as, make_user, make_cohort, make_meeting
):
    organizer = make_user(locale="en")
    cohort = make_cohort(participants=[make_user()], organizers=[organizer])
    meeting = make_meeting(cohort)
    login_as(organizer)
    data = client.get(f"/cohorts/{cohort.id}/meetings/{meeting.id}/daftar-hadir.pdf?lang=en").data
    _reader, text = pdf_text(data)
    assert "DAFTAR HADIR" in text and "Unit kerja" in text and "Halaman 1 dari 1" in text


def test_a_meeting_under_way_does_not_lower_anyones_rate_until_closed(
    db, make_user, make_cohort, make_meeting
):
    from lms.attendance.operations import close_meeting

    person = make_user()
    cohort = make_cohort(participants=[person])
    over = make_meeting(cohort, starts_in=timedelta(hours=-5), jp=2)
    running = make_meeting(cohort, starts_in=timedelta(minutes=-10), jp=3)
    mark(db, over, person, "present")
    row = cohort_report(cohort).rows[0]
    assert (row.tally.attended, row.tally.held, row.tally.jp) == (1, 1, 2)
    close_meeting(running, actor=None)  # everyone unmarked becomes Alpa; now it counts
    db.session.commit()
    row = cohort_report(cohort).rows[0]
    assert (row.tally.attended, row.tally.held) == (1, 2)
