"""The year's exports: the XLSX cells in the national input's layout, and the ZIP's names
``<innovation>/<indicator code>-<file>`` (class evidence included, links in a text file)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from lms.extensions import db as _db
from lms.iid import exports, operations
from lms.iid.rules import rules_for
from tests.iid.conftest import YEAR, pdf_bytes, store


def _document(app, world, innovation, code, name, **values):
    with app.test_request_context():
        operations.add_document(
            world.region,
            YEAR,
            rules_for(YEAR),
            innovation,
            code,
            operations.DocumentInput(
                kind=values.pop("kind", "decree"),
                stored=store(app, pdf_bytes(name), {"pdf"}) if name else None,
                name=name,
                **values,
            ),
            actor=world.coordinator,
        )
        _db.session.commit()


def test_the_xlsx_has_a_row_per_innovation_with_levels_and_file_names(
    app, client, login_as, world, make_innovation, report
):
    item = make_innovation("Si Cepat")
    report(item, {"SID-16": (3, 2), "SID-17": (2, None)})
    report(None, {"SPD-01": (3, 3)})
    _document(app, world, item, "SID-16", "perbup.pdf", number="1/2022")
    login_as(world.leader)
    response = client.get(f"{world.base}/{YEAR}.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book["Inovasi"].iter_rows(values_only=True))
    header, first = rows[1], rows[2]
    cell = dict(zip(header, first, strict=False))
    assert cell["Nama Pemda"] == world.region.name and cell["Nama inovasi"] == "Si Cepat"
    assert cell["Perangkat daerah"] == "Dinas Kesehatan (Dinkes)"
    assert cell["Tahapan"] == "Penerapan" and cell["Urusan pemerintahan"] == "Kesehatan"
    assert cell["SID-16 tingkat"] == 2  # the verified level
    assert cell["SID-16 bukti dukung"] == "perbup.pdf"
    assert cell["SID-17 tingkat"] == 2 and cell["Belum diverifikasi"] == "SID-17"
    assert cell["SID-18 tingkat"] is None
    region_rows = {r[0]: r for r in book["Pemda"].iter_rows(values_only=True)}
    assert region_rows["SPD-01"][2] == 3
    problems = [r[3] for r in book["Pemeriksaan"].iter_rows(values_only=True)]
    assert "Dokumen perbup.pdf belum mencantumkan tanggal surat." in problems


def test_a_formula_looking_name_stays_text(app, client, login_as, world, make_innovation, report):
    report(make_innovation('=HYPERLINK("http://evil")'), {})
    login_as(world.coordinator)
    book = load_workbook(io.BytesIO(client.get(f"{world.base}/{YEAR}.xlsx").data))
    cell = book["Inovasi"]["C3"]
    assert cell.value == '=HYPERLINK("http://evil")' and cell.data_type == "s"


def test_the_zip_names_every_file_by_innovation_and_indicator(
    app, client, login_as, world, make_innovation, report, class_world
):
    item = make_innovation("Si Cepat/Tepat")
    report(item, {})
    report(class_world.innovation, {})
    report(None, {})
    _document(app, world, item, "SID-16", "perbup.pdf", number="1", about="x")
    _document(app, world, item, "SID-16", "perbup.pdf", number="2")  # the same name again
    _document(app, world, item, "SID-35", "", kind="video", url="https://youtu.be/abc")
    _document(app, world, None, "SPD-01", "rpjmd.pdf", kind="pdf")
    login_as(world.coordinator)
    response = client.get(f"{world.base}/{YEAR}/evidence.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {
        "Si Cepat_Tepat/SID-16-perbup.pdf",
        "Si Cepat_Tepat/SID-16-perbup-2.pdf",
        "Si Cepat_Tepat/SID-35-tautan.txt",
        f"{world.region.name}/SPD-01-rpjmd.pdf",
        "Si Bimtek/SID-20-bimtek-dari-kelas.pdf",
        "Si Bimtek/SID-35-video-kelas.mp4",
        "Si Bimtek/SID-35-tautan.txt",
    } <= names
    assert archive.read("Si Cepat_Tepat/SID-35-tautan.txt") == b"https://youtu.be/abc\n"
    assert archive.read("Si Cepat_Tepat/SID-16-perbup.pdf").startswith(b"%PDF")


def test_the_zip_builder_is_a_plain_function_of_region_and_year(
    app, world, make_innovation, report
):
    item = make_innovation()
    report(item, {})
    _document(app, world, item, "SID-16", "sk.pdf")
    out = io.BytesIO()
    with app.test_request_context():
        count = exports.write_evidence_zip(world.region, YEAR, out)
    assert count == 1
    assert zipfile.ZipFile(out).namelist() == ["Si Cepat/SID-16-sk.pdf"]
