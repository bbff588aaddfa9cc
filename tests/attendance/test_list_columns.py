"""The daftar hadir PDF and the attendance XLSX with the class's optional columns: Jabatan,
Pangkat/Gol. and L/P, between NIP and Unit kerja."""

from __future__ import annotations

import io
import itertools
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from fpdf import FPDF
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.attendance import exports
from lms.attendance.models import Meeting
from lms.attendance.queries import MeetingSummary, meeting_summary
from lms.audit import AuditEvent
from lms.pdf import FONT_DIR
from tests.helpers import counted_queries, csrf_token

MM = 72 / 25.4  # points per millimetre
_seq = itertools.count(1)

HEADINGS = {"position": "Jabatan", "rank": "Pangkat/Gol.", "sex": "L/P"}
BASE = ["No.", "Nama", "NIP", "Unit kerja"]


def nip(sex_digit: int = 1) -> str:
    """A fresh NIP: born 26 Sep 1986, appointed May 2015, the given sex digit."""
    return f"19860926201505{sex_digit}{next(_seq) % 1000:03d}"


def flat(text: str) -> str:
    return " ".join(text.split())


def settings(*on: str) -> dict[str, bool]:
    return {f"list_{key}": key in on for key in HEADINGS}


@pytest.fixture
def people(make_user):
    """A PNS with every field, a PNS whose L/P is read from the NIP, a non-ASN with a stated
    sex and no rank."""
    return SimpleNamespace(
        andi=make_user(
            full_name="Andi Baso, S.Kom.",
            nip=nip(1),
            rank="III/b",
            position="Analis Kebijakan Ahli Pertama",
            office="Dinas Kesehatan",
        ),
        besse=make_user(
            full_name="Besse Tenri, S.E.",
            nip=nip(2),
            rank="IV/a",
            position="Kepala Bidang",
            office="Bappelitbangda",
        ),
        citra=make_user(
            full_name="Citra Lestari",
            employment_status="non_asn",
            sex="P",
            position="Pendamping Desa",
            office="Universitas Muhammadiyah Sinjai",
        ),
    )


def _pdf(meeting: Meeting) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(exports.attendance_list_pdf(meeting_summary(meeting))))
    return reader, flat("\n".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def klass(make_cohort, make_meeting, make_user, people):
    """``klass("rank", "sex")``: a class printing those columns, its organizer and a meeting."""

    def make(*on: str, **kwargs):
        organizer = make_user()
        cohort = make_cohort(
            participants=[people.andi, people.besse, people.citra],
            organizers=[organizer],
            **settings(*on),
            **kwargs,
        )
        meeting = make_meeting(cohort, title="Kebijakan Inovasi Daerah")
        return SimpleNamespace(cohort=cohort, meeting=meeting, organizer=organizer)

    return make


def _pdf_of(k: SimpleNamespace) -> tuple[PdfReader, str]:
    return _pdf(k.meeting)


def _size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


# --- the PDF ------------------------------------------------------------------------------


def test_without_optional_columns_the_list_is_as_before(klass, people):
    reader, text = _pdf_of(klass())
    assert _size(reader) == (595, 842)  # A4 portrait
    assert "No. Nama NIP Unit kerja Tanda tangan" in text
    for heading in HEADINGS.values():
        assert heading not in text
    assert f"{people.andi.nip_display} Dinas Kesehatan" in text
    assert "Analis Kebijakan" not in text and "Penata Muda" not in text


@pytest.mark.parametrize("key", list(HEADINGS))
def test_each_optional_column_alone_prints_its_heading_and_values(klass, people, key):
    reader, text = _pdf_of(klass(key))
    headings = ["No.", "Nama", "NIP", HEADINGS[key], "Unit kerja", "Tanda tangan"]
    assert " ".join(headings) in text
    for other, heading in HEADINGS.items():
        if other != key:
            assert heading not in text
    andi_value = {
        "position": "Analis Kebijakan Ahli Pertama",
        "rank": "Penata Muda Tingkat I (III/b)",
        "sex": "L",
    }[key]
    assert f"{people.andi.nip_display} {andi_value} Dinas Kesehatan" in text
    # L/P alone fits a portrait page; Jabatan or Pangkat/Gol. turn it to landscape.
    assert _size(reader) == ((595, 842) if key == "sex" else (842, 595))


def test_every_column_on_prints_them_in_the_usual_order_on_a_landscape_page(klass, people):
    reader, text = _pdf_of(klass("position", "rank", "sex"))
    assert _size(reader) == (842, 595)
    assert "No. Nama NIP Jabatan Pangkat/Gol. L/P Unit kerja Tanda tangan" in text
    assert (
        f"Andi Baso, S.Kom. {people.andi.nip_display} Analis Kebijakan Ahli Pertama "
        "Penata Muda Tingkat I (III/b) L Dinas Kesehatan"
    ) in text
    # L/P from the NIP's sex digit (2: perempuan); the rank's name with its code.
    assert f"{people.besse.nip_display} Kepala Bidang Pembina (IV/a) P Bappelitbangda" in text
    # A non-ASN: no NIP, no rank (empty cells), L/P as stated in the profile.
    assert "Citra Lestari Pendamping Desa P Universitas Muhammadiyah Sinjai" in text


def test_the_profile_sex_wins_over_an_ni_pppk_digit_that_says_nothing(
    klass, make_user, make_cohort, make_meeting
):
    # A NI PPPK whose 15th digit is neither 1 nor 2: only the profile can tell.
    stated = make_user(
        full_name="Dian PPPK", employment_status="pppk", nip="199001012022010301", sex="P"
    )
    unknown = make_user(
        full_name="Eko PPPK", employment_status="pppk", nip="199101012022010302", rank="IX"
    )
    cohort = make_cohort(participants=[stated, unknown], **settings("rank", "sex"))
    _reader, text = _pdf(make_meeting(cohort))
    assert f"Dian PPPK {stated.nip_display} P 1." in text
    # Unknown sex: the cell stays empty; a PPPK's golongan is printed as such.
    assert f"Eko PPPK {unknown.nip_display} Golongan IX 2." in text


def _drawn_lines(reader: PdfReader) -> list[tuple[float, float, str]]:
    """(x in mm from the left edge, y in mm from the top, text) of every text line drawn."""
    lines = []
    for page in reader.pages:
        height = float(page.mediabox.height)

        def visit(text, cm, tm, font, size, page_height=height):
            if text.strip():
                lines.append((tm[4] / MM, (page_height - tm[5]) / MM, text.strip()))

        page.extract_text(visitor_text=visit)
    return lines


def test_long_texts_wrap_inside_their_cells_and_the_table_fits_the_page(
    db, make_cohort, make_meeting
):
    cohort = make_cohort(**settings("position", "rank", "sex"))
    meeting = make_meeting(cohort)
    person = SimpleNamespace(
        full_name="Prof. Dr. Ir. Andi Muhammad Rizal Baso Tenri Ajeng Pallawarukka, S.T., M.Eng.",
        nip_display="19860926 201505 1 001",
        nip="198609262015051001",
        employment_status="pns",
        sex=None,
        rank="IV/d",
        position=(
            "Analis Kebijakan Ahli Madya pada Bidang Perencanaan, Pengendalian dan Evaluasi "
            "Pembangunan Daerah Sub Bidang Inovasi dan Teknologi"
        ),
        office="Dinas Komunikasi, Informatika, Statistik dan Persandian Kabupaten Sinjai",
    )
    summary = MeetingSummary(meeting, [(person, None)], {})
    reader = PdfReader(io.BytesIO(exports.attendance_list_pdf(summary)))
    text = flat(reader.pages[0].extract_text())
    assert person.position in text and "Pembina Utama Madya (IV/d)" in text

    _orientation, widths = exports.list_layout(("position", "rank", "sex"))
    edges, x = [], exports.MARGIN
    for width in widths.values():
        edges.append((x, x + width))
        x += width
    assert x == pytest.approx(297 - exports.MARGIN)  # the table spans the landscape page

    pdf = FPDF()
    pdf.add_font(exports.FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.set_font(exports.FONT, "", exports.BODY_SIZE)
    in_body = False
    cells: dict[int, list[str]] = {}
    for left, _top, line in _drawn_lines(reader):
        if line == "1":  # the row's number: the table's body starts here
            in_body = True
        if line.startswith("....."):  # the signature block's place and date: it ends
            break
        if not in_body:
            continue
        column = next(n for n, (a, b) in enumerate(edges) if a <= left < b)
        # Each line starts and ends inside its own cell.
        assert left + pdf.get_string_width(line) <= edges[column][1] + 0.01, line
        cells.setdefault(column, []).append(line)
    names = list(widths)
    for key, value in (("name", person.full_name), ("position", person.position)):
        lines = cells[names.index(key)]
        assert len(lines) > 1 and " ".join(lines) == value


def test_a_long_landscape_list_stays_landscape_with_its_heading_on_every_page(
    db, make_cohort, make_meeting
):
    meeting = make_meeting(make_cohort(**settings("position", "rank", "sex")))
    people = [
        SimpleNamespace(
            full_name=f"Peserta {i:02d}",
            nip="198609262015051001",
            nip_display="19860926 201505 1 001",
            employment_status="pns",
            sex=None,
            rank="III/c",
            position="Staf",
            office="Dinas",
        )
        for i in range(60)
    ]
    rows = [(person, None) for person in people]
    reader = PdfReader(io.BytesIO(exports.attendance_list_pdf(MeetingSummary(meeting, rows, {}))))
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, 1):
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595)
        text = flat(page.extract_text())
        assert "Jabatan Pangkat/Gol. L/P Unit kerja Tanda tangan" in text
        assert f"Halaman {number} dari {len(reader.pages)}" in text
    assert "Peserta 59 19860926 201505 1 001 Staf Penata (III/c) L Dinas 60." in flat(
        reader.pages[-1].extract_text()
    )


def test_every_combination_of_columns_fills_the_width_between_the_margins():
    for n in range(4):
        for extra in itertools.combinations(("position", "rank", "sex"), n):
            orientation, widths = exports.list_layout(extra)
            page = 210 if orientation == "P" else 297
            assert sum(widths.values()) == pytest.approx(page - 2 * exports.MARGIN)
            assert all(w >= exports.PDF_WIDTHS[k][0] for k, w in widths.items())
    assert exports.list_layout(())[1] == pytest.approx(
        {"number": 10, "name": 52, "nip": 42, "office": 44, "signature": 32}
    )


def test_an_english_class_prints_english_headings(client, login_as, klass):
    k = klass("position", locale="en")
    login_as(k.organizer)
    path = f"/cohorts/{k.cohort.id}/meetings/{k.meeting.id}/daftar-hadir.pdf?lang=id"
    reader = PdfReader(io.BytesIO(client.get(path).data))
    text = flat(reader.pages[0].extract_text())
    assert "No. Name NIP Position Work unit Signature" in text
    assert "Jabatan" not in text


# --- the workbook -------------------------------------------------------------------------


def _workbook(client, login_as, k: SimpleNamespace):
    login_as(k.organizer)
    response = client.get(f"/cohorts/{k.cohort.id}/attendance.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    summary = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    meeting = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    return summary, meeting


def _by_name(rows, start):
    return {row[1]: row for row in rows[start:]}


def test_xlsx_without_optional_columns_is_as_before(client, login_as, klass):
    summary, meeting = _workbook(client, login_as, klass())
    assert list(summary[1][:4]) == BASE
    assert summary[1][4].startswith("1. Kebijakan Inovasi Daerah")
    assert meeting[2] == (*BASE, "Status", "Waktu presensi", "Catatan")


@pytest.mark.parametrize("key", list(HEADINGS))
def test_xlsx_each_optional_column_alone(client, login_as, klass, people, key):
    summary, meeting = _workbook(client, login_as, klass(key))
    columns = ["No.", "Nama", "NIP", HEADINGS[key], "Unit kerja"]
    assert list(summary[1][:5]) == columns
    assert list(meeting[2][:5]) == columns
    assert meeting[2][5:] == ("Status", "Waktu presensi", "Catatan")
    expected = {
        "position": ("Analis Kebijakan Ahli Pertama", "Kepala Bidang", "Pendamping Desa"),
        "rank": ("Penata Muda Tingkat I (III/b)", "Pembina (IV/a)", None),
        "sex": ("L", "P", "P"),
    }[key]
    for rows, start in ((summary, 2), (meeting, 3)):
        by_name = _by_name(rows, start)
        names = (people.andi, people.besse, people.citra)
        assert tuple(by_name[p.full_name][3] for p in names) == expected
        assert by_name[people.andi.full_name][4] == "Dinas Kesehatan"


def test_xlsx_every_column_on(client, login_as, klass, people):
    summary, meeting = _workbook(client, login_as, klass("position", "rank", "sex"))
    columns = ("No.", "Nama", "NIP", "Jabatan", "Pangkat/Gol.", "L/P", "Unit kerja")
    assert summary[1][:7] == columns
    assert summary[1][7].startswith("1. Kebijakan Inovasi Daerah")
    assert meeting[2] == (*columns, "Status", "Waktu presensi", "Catatan")
    citra = _by_name(meeting, 3)[people.citra.full_name]
    # A non-ASN: no NIP and no rank, so both cells are empty; L/P from the profile.
    assert citra[2:7] == (None, "Pendamping Desa", None, "P", "Universitas Muhammadiyah Sinjai")
    besse = _by_name(summary, 2)[people.besse.full_name]
    assert besse[3:7] == ("Kepala Bidang", "Pembina (IV/a)", "P", "Bappelitbangda")


# --- the report page ----------------------------------------------------------------------


def test_the_report_page_shows_the_chosen_details_under_the_name(client, login_as, klass, people):
    k = klass("rank", "sex")
    login_as(k.organizer)
    html = client.get(f"/cohorts/{k.cohort.id}/attendance").get_data(as_text=True)
    assert "Penata Muda Tingkat I (III/b)" in html
    assert '<span class="visually-hidden">L/P: </span>L' in html
    assert "Analis Kebijakan Ahli Pertama" not in html  # Jabatan is off

    plain = klass()
    login_as(plain.organizer)
    html = client.get(f"/cohorts/{plain.cohort.id}/attendance").get_data(as_text=True)
    assert "Penata Muda Tingkat I" not in html and 'visually-hidden">L/P' not in html


def test_the_report_page_with_every_column_runs_the_same_queries_for_5_and_40(
    db, client, login_as, make_user, make_cohort, make_meeting
):
    def count(size: int) -> int:
        organizer = make_user()
        people = [
            make_user(nip=nip(1 + i % 2), rank="III/a", position=f"Staf {i}") for i in range(size)
        ]
        cohort = make_cohort(
            organizers=[organizer], participants=people, **settings("position", "rank", "sex")
        )
        make_meeting(cohort, starts_in=timedelta(days=-1))
        login_as(organizer)
        with counted_queries(db) as statements:
            assert client.get(f"/cohorts/{cohort.id}/attendance").status_code == 200
        return len(statements)

    assert count(5) == count(40)


# --- the class setting --------------------------------------------------------------------


def _form(client, path, cohort, **changes):
    data = {
        "csrf_token": csrf_token(client, path),
        "name": cohort.name,
        "code": cohort.code,
        "start_date": cohort.start_date.isoformat(),
        "end_date": cohort.end_date.isoformat(),
        "timezone": cohort.timezone,
        "jp_total": str(cohort.jp_total),
        "state": cohort.state,
        "locale": cohort.locale,
    }
    data.update(changes)
    return data


def _checkbox(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*id="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def test_the_columns_are_chosen_in_the_class_form(db, client, login_as, klass, people):
    k = klass()
    cohort = k.cohort
    login_as(k.organizer)
    path = f"/cohorts/{cohort.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert "Kolom daftar hadir" in page
    assert '<label for="list_sex">L/P (laki-laki/perempuan)</label>' in page
    assert "checked" not in _checkbox(page, "list_rank")

    response = client.post(path, data=_form(client, path, cohort, list_rank="y", list_sex="y"))
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert (cohort.list_position, cohort.list_rank, cohort.list_sex) == (False, True, True)
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="cohort.update")).one()
    assert event.before["list_rank"] == "False" and event.after["list_rank"] == "True"
    page = client.get(path).get_data(as_text=True)
    assert "checked" in _checkbox(page, "list_rank") and "checked" in _checkbox(page, "list_sex")
    assert "checked" not in _checkbox(page, "list_position")

    reader, text = _pdf(k.meeting)
    assert "NIP Pangkat/Gol. L/P Unit kerja" in text
    assert _size(reader) == (842, 595)

    # Unticking them all brings back the short portrait list.
    client.post(path, data=_form(client, path, cohort))
    db.session.refresh(cohort)
    assert (cohort.list_rank, cohort.list_sex) == (False, False)
    reader, text = _pdf(k.meeting)
    assert "L/P" not in text and _size(reader) == (595, 842)


def test_a_new_class_prints_no_optional_columns(db, make_cohort):
    cohort = make_cohort()
    assert (cohort.list_position, cohort.list_rank, cohort.list_sex) == (False, False, False)
