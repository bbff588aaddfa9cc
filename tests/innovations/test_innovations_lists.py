"""The region's list (filters, search, pages of 50, the same number of queries for 10 and 60
innovations), its XLSX of every matching row, and the leader's dashboard with its numbers."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from lms.db import utcnow
from lms.innovations.models import Innovation, Innovator
from tests.helpers import counted_queries
from tests.innovations.conftest import page


def _add(db, registry, n, *, office=None, state="draft", stage="inisiatif", name="Inovasi", **kw):
    rows = []
    for i in range(n):
        innovation = Innovation(
            region_id=registry.region.id,
            office_id=(office or registry.dinkes).id,
            name=f"{name} {i + 1:02d}",
            profile={"nama_inovasi": f"{name} {i + 1:02d}", "tahapan": stage},
            state=state,
            stage=stage,
            **kw,
        )
        db.session.add(innovation)
        rows.append(innovation)
    db.session.commit()
    return rows


def _base(registry):
    return f"/regions/{registry.region.code}/innovations"


def _names(text):
    return re.findall(r'/innovations/\d+">([^<]+)</a>', text)


def test_filters_and_search(client, login_as, registry, db):
    _add(db, registry, 2, name="Posyandu")
    _add(db, registry, 1, office=registry.dukcapil, name="KTP", state="verified", stage="penerapan")
    login_as(registry.coordinator)
    assert len(_names(page(client.get(_base(registry))))) == 3
    assert _names(page(client.get(_base(registry) + "?q=ktp"))) == ["KTP 01"]
    assert _names(page(client.get(_base(registry) + "?q=disdukcapil"))) == ["KTP 01"]
    assert sorted(_names(page(client.get(_base(registry) + f"?office={registry.dinkes.id}")))) == [
        "Posyandu 01",
        "Posyandu 02",
    ]
    assert _names(page(client.get(_base(registry) + "?stage=penerapan"))) == ["KTP 01"]
    assert _names(page(client.get(_base(registry) + "?state=verified"))) == ["KTP 01"]
    year = datetime.now(UTC).year
    assert len(_names(page(client.get(_base(registry) + f"?year={year}")))) == 3
    assert _names(page(client.get(_base(registry) + f"?year={year - 5}"))) == []
    # Nonsense in the filters is ignored, never an error.
    assert client.get(_base(registry) + "?state=<x>&year=abc&page=%C2%B2").status_code == 200


def test_pages_of_fifty(client, login_as, registry, db):
    _add(db, registry, 60)
    login_as(registry.coordinator)
    first = page(client.get(_base(registry)))
    assert len(_names(first)) == 50 and "Baris 1–50 dari 60" in first
    second = page(client.get(_base(registry) + "?page=2"))
    assert len(_names(second)) == 10


def test_the_list_runs_the_same_number_of_queries_for_10_and_60(client, login_as, registry, db):
    login_as(registry.coordinator)
    _add(db, registry, 10)
    client.get(_base(registry))  # warm up
    with counted_queries(db) as few:
        assert client.get(_base(registry)).status_code == 200
    _add(db, registry, 50, office=registry.dukcapil, name="Lain")
    with counted_queries(db) as many:
        assert client.get(_base(registry)).status_code == 200
    assert len(few) == len(many), (few, many)


def test_the_export_holds_every_matching_row(client, login_as, registry, db, make_user):
    rows = _add(db, registry, 55, name="=SUM(A1)")
    person = make_user(full_name="Inovator Satu")
    db.session.add(Innovator(innovation=rows[0], user=person))
    db.session.add(Innovator(innovation=rows[0], name="Kader Dua"))
    _add(db, registry, 3, office=registry.dukcapil, name="KTP")
    db.session.commit()
    login_as(registry.coordinator)
    response = client.get(_base(registry) + f"/export.xlsx?office={registry.dinkes.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][:5] == ("No.", "Nama inovasi", "Perangkat daerah", "Tahapan", "Status")
    data = values[2:]
    assert len(data) == 55  # all pages, the filter kept
    first = next(r for r in data if r[1] == "=SUM(A1) 01")
    assert first[2] == "Dinas Kesehatan (Dinkes)" and first[3] == "Inisiatif"
    assert first[4] == "Draf" and first[11] == "Inovator Satu, Kader Dua"
    cell = next(c for c in sheet.iter_rows(min_row=3) if c[1].value == "=SUM(A1) 01")[1]
    assert cell.data_type == "s"  # text, never a formula


def test_dashboard_numbers(client, login_as, registry, db, make_user, make_cohort):
    last_year = utcnow().replace(year=utcnow().year - 1)
    _add(db, registry, 2, stage="inisiatif")
    _add(db, registry, 1, state="verified", stage="uji_coba", name="Lama", created_dt=last_year)
    _add(db, registry, 1, office=registry.dukcapil, state="verified", stage="penerapan")
    _add(db, registry, 1, office=registry.dukcapil, state="archived", stage="penerapan", name="X")
    trained, untrained = make_user(), make_user()
    make_cohort(participants=[trained])
    first = db.session.scalar(db.select(Innovation).order_by(Innovation.id))
    db.session.add_all(
        [
            Innovator(innovation=first, user=trained),
            Innovator(innovation=first, user=untrained),
            Innovator(innovation=first, name="Warga"),
        ]
    )
    db.session.commit()
    login_as(registry.leader)
    text = page(client.get(f"/regions/{registry.region.code}/dashboard"))
    numbers = dict(re.findall(r'data-number="(\w+)">(\d+)<', text))
    assert numbers == {
        "running": "4",
        "new": "4",
        "verified": "2",
        "stopped": "1",
        "published": "0",
        "trained": "1",
    }
    assert "<svg" in text and 'class="bar-inisiatif"' in text
    assert "<script" not in text and "style=" not in text
    assert "dari 3 inovator" in text
    response = client.get(f"/regions/{registry.region.code}/dashboard.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    summary = {r[0]: r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary["Inovasi berjalan"] == 4 and summary["Dihentikan"] == 1
    assert summary["Inovator yang ikut kelas"] == 1
    per_office = {r[0]: r[1:] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert per_office["Dinas Kesehatan (Dinkes)"] == (2, 1, 0, 3)
    assert per_office["Dinas Kependudukan dan Pencatatan Sipil (Disdukcapil)"] == (0, 0, 1, 1)
    assert per_office["Jumlah"] == (2, 1, 1, 4)


def test_the_dashboard_runs_a_fixed_number_of_queries(client, login_as, registry, db):
    login_as(registry.coordinator)
    _add(db, registry, 3)
    url = f"/regions/{registry.region.code}/dashboard"
    client.get(url)
    with counted_queries(db) as few:
        client.get(url)
    _add(db, registry, 40, office=registry.dukcapil, stage="uji_coba")
    with counted_queries(db) as many:
        client.get(url)
    assert len(few) == len(many)
