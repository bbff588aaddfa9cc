"""Grade book exports: XLSX and CSV (comma and semicolon), text kept text, formulas defused,
safe attachment names."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from lms.grading import exports
from tests.grading.conftest import allocate, mark

NIP = "198001012006041001"
NIP_SPACED = "19800101 200604 1 001"


@pytest.fixture
def book_world(app, db, grading_world):
    """Ani (with a NIP, a formula-looking office): marked 80 (Baik, lulus). Budi: name starting
    with "=". Citra: flagged. Dedi: nothing marked."""
    w = grading_world
    ani, budi, citra, _dedi = w.participants
    t1, t2, _t3 = w.trainers
    ani.nip, ani.employment_status = NIP, "pns"
    ani.office = "+62 Dinas A"
    budi.full_name = '=HYPERLINK("http://contoh.example","klik")'
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        allocate(w.assignment, citra, t1, t2)
        mark(w.submission_of(ani), t1, kebaruan=2, manfaat=1)
        mark(w.submission_of(citra), t1, kebaruan=2, manfaat=2)
        mark(w.submission_of(citra), t2, kebaruan=2, manfaat=1)
        db.session.commit()
    return w


def _xlsx(client, login_as, world):
    login_as(world.organizer)
    response = client.get(f"/cohorts/{world.cohort.id}/grading/gradebook.xlsx")
    assert response.status_code == 200
    return response


def test_xlsx_has_the_grade_book_with_text_kept_text(client, login_as, book_world):
    response = _xlsx(client, login_as, book_world)
    assert response.mimetype == exports.XLSX_MIMETYPE
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    code = re.sub(r"[^A-Za-z0-9-]+", "-", book_world.cohort.code)
    assert re.search(rf'filename="?nilai-{code}-\d{{4}}-\d{{2}}-\d{{2}}\.xlsx', disposition)

    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert book_world.cohort.code in rows[0][0]
    assert rows[1][4] == "Proposal Uji"
    assert list(rows[2]) == [
        "No.",
        "Nama",
        "NIP",
        "Instansi",
        "Status",
        "Nilai",
        "Predikat",
        "Lulus",
    ]
    by_name = {row[1]: row for row in rows[3:]}
    assert len(by_name) == 4
    ani = by_name["Peserta Ani"]
    # Ordered by name: Budi's "=HYPERLINK…" sorts first.
    assert ani == (
        2,
        "Peserta Ani",
        NIP_SPACED,
        "+62 Dinas A",
        "Selesai dinilai",
        80.0,
        "Baik",
        "Ya",
    )
    assert by_name["Peserta Citra"][4:] == ("Perlu rekonsiliasi", None, None, None)
    assert by_name["Peserta Dedi"][4:] == ("Belum dinilai", None, None, None)

    # The NIP and a name that looks like a formula are string cells.
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=4) for cell in row}
    assert cells[NIP_SPACED].data_type == "s"
    formula_like = cells['=HYPERLINK("http://contoh.example","klik")']
    assert formula_like.data_type == "s"
    assert cells[80.0].data_type == "n" and cells[80.0].number_format == "0.0"


def _csv(client, login_as, world, query=""):
    login_as(world.organizer)
    response = client.get(f"/cohorts/{world.cohort.id}/grading/gradebook.csv{query}")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("query", "sep"), [("", ","), ("?sep=semicolon", ";")])
def test_csv_with_comma_or_semicolon(client, login_as, book_world, query, sep):
    response = _csv(client, login_as, book_world, query)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert re.search(r'nilai-.+-\d{4}-\d{2}-\d{2}\.csv"?$', response.headers["Content-Disposition"])
    data = response.data
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    assert rows[0] == [
        "No.",
        "Nama",
        "NIP",
        "Instansi",
        "Proposal Uji: Status",
        "Proposal Uji: Nilai",
        "Proposal Uji: Predikat",
        "Proposal Uji: Lulus",
    ]
    assert len(rows) == 5
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Peserta Ani"] == [
        "2",
        "Peserta Ani",
        NIP_SPACED,
        "'+62 Dinas A",
        "Selesai dinilai",
        "80.0",
        "Baik",
        "Ya",
    ]
    # The other separator is not used as one: the first line has exactly 7 separators.
    assert text.splitlines()[0].count(sep) == 7


def test_csv_defuses_text_that_would_run_as_a_formula(client, login_as, book_world):
    text = _csv(client, login_as, book_world).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://contoh.example","klik")' in names
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")), value


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+62", "'+62"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Dinas A", "Dinas A"),
        ("", ""),
    ],
)
def test_safe_text(value, safe):
    assert exports.safe_text(value) == safe


def test_an_unknown_separator_falls_back_to_a_comma(client, login_as, book_world):
    text = _csv(client, login_as, book_world, "?sep=tab").data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("No.,Nama,NIP,Instansi,")


def test_exports_use_the_cohorts_language(app, db, client, login_as, book_world):
    book_world.cohort.locale = "en"
    db.session.commit()
    sheet = openpyxl.load_workbook(io.BytesIO(_xlsx(client, login_as, book_world).data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][1] == "Name"
    login_as(book_world.organizer)
    text = client.get(f"/cohorts/{book_world.cohort.id}/grading/gradebook.csv").data
    assert text.decode("utf-8-sig").split(",")[1] == "Name"
