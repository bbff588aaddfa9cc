"""The clinic report: coordinators and leaders (the report only); counts, medians, outcomes,
the funnel drawn as SVG on the server, the XLSX; the region list's queries stay fixed."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from lms.clinic.models import Consultation
from tests.clinic.conftest import page
from tests.helpers import counted_queries


def _cases(app, db, clinic, make_case):
    from lms.clinic import operations
    from lms.clinic.access import CaseAccess

    waiting = make_case(title="Menunggu")
    design = make_case(state="active", stage="design", title="Di tahap desain")
    delivered = make_case(
        state="active",
        stage="design",
        title="Sudah uji coba",
        office=clinic.disdik,
        category="trial",
    )
    with app.test_request_context():
        operations.post(
            delivered, clinic.mentor, CaseAccess(mentor=True), "Catatan rahasia", private=True
        )
        from lms.clinic.stages import current_stages

        operations.move_on(
            delivered,
            current_stages(app.config),
            CaseAccess(coordinator=True),
            operations.MoveInput(override_reason="Uji", innovation="create"),
            actor=clinic.coordinator,
        )
        db.session.commit()
    # Times the medians can be checked against.
    for case, hours, days in ((design, 4, None), (delivered, 10, 30)):
        case.first_response_dt = case.created_dt + timedelta(hours=hours)
        if days:
            case.delivered_dt = case.created_dt + timedelta(days=days)
    delivered.innovation.stage = "uji_coba"
    db.session.commit()
    return waiting, design, delivered


def test_the_report_counts_and_draws_the_funnel(app, client, db, clinic, make_case, login_as):
    _cases(app, db, clinic, make_case)
    login_as(clinic.leader)
    html = page(client.get(f"/regions/{clinic.region.code}/clinic/report"))
    assert '<dd data-number="total">3</dd>' in html
    assert '<dd data-number="first-response">7 jam</dd>' in html  # median of 4 and 10 hours
    assert '<dd data-number="to-deliver">30 hari</dd>' in html
    assert '<dd data-number="trial">1</dd>' in html
    assert '<svg class="bar-chart funnel"' in html
    # Accepted cases that reached each stage: both at least Design, one at Deliver.
    assert "<title>Drum-up: 2</title>" in html and "<title>Deliver: 1</title>" in html
    assert "Dinas Pendidikan (Disdik)" in html and "Uji coba" in html
    assert "Catatan rahasia" not in html


def test_the_xlsx_holds_the_numbers_and_the_cases_but_no_notes(
    app, client, db, clinic, make_case, login_as
):
    _cases(app, db, clinic, make_case)
    login_as(clinic.coordinator)
    response = client.get(f"/regions/{clinic.region.code}/clinic/report.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(response.data))
    summary, cases = book.worksheets
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert values["Jumlah konsultasi"] == 3
    assert values["Median waktu sampai tanggapan pertama (jam)"] == 7
    assert values["Inovasi sampai uji coba"] == 1
    titles = [row[1] for row in cases.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == ["Di tahap desain", "Menunggu", "Sudah uji coba"]
    every_cell = " ".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v
    )
    assert "Catatan rahasia" not in every_cell


def test_leaders_see_the_report_only(client, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.leader)
    assert client.get(f"/regions/{clinic.region.code}/clinic/report").status_code == 200
    assert client.get(f"/regions/{clinic.region.code}/clinic").status_code == 403
    assert client.get(f"/clinic/{case.id}").status_code == 404
    login_as(clinic.mentor)
    assert client.get(f"/regions/{clinic.region.code}/clinic/report").status_code == 403


def test_the_region_list_takes_the_same_queries_for_few_and_many_cases(
    client, db, clinic, make_case, login_as
):
    login_as(clinic.coordinator)

    def count() -> int:
        with counted_queries(db) as statements:
            assert client.get(f"/regions/{clinic.region.code}/clinic").status_code == 200
        return len(statements)

    make_case(state="active", mentors=[clinic.mentor])
    few = count()
    for n in range(12):
        make_case(state="active", mentors=[clinic.mentor, clinic.mentor2], title=f"Kasus {n}")
    assert count() == few
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 13
