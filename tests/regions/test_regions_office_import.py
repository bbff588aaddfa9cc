"""The coordinator's office import: preview every problem, write all rows or none, re-import
changes nothing, an office already stored is updated rather than duplicated."""

from __future__ import annotations

import io
import re

import openpyxl

from lms.audit import AuditEvent
from lms.regions.models import Office
from tests.helpers import csrf_token

FILE = (
    "nama;singkatan;jenis;induk\n"
    "Dinas Kesehatan;Dinkes;dinas;\n"
    "Puskesmas Tondong;;puskesmas;Dinkes\n"
    "Dinas Kependudukan dan Pencatatan Sipil;Disdukcapil;;\n"
    "Kecamatan Lamaru Utara;;;Sekretariat Daerah\n"
    "Sekretariat Daerah;Setda;sekretariat;\n"
)


def _upload(client, region, content: bytes, filename="opd.csv"):
    path = f"/regions/{region.code}/offices/import"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _confirm(client, preview):
    html = preview.get_data(as_text=True)
    action = re.search(r'action="(/regions/[^"]+/offices/import/[0-9a-f]+)"', html)
    assert action, html
    return client.post(
        action.group(1),
        data={"csrf_token": csrf_token(client, "/dashboard")},
        follow_redirects=True,
    )


def _offices(db, region) -> dict[str, Office]:
    return {o.name: o for o in db.session.scalars(db.select(Office).filter_by(region_id=region.id))}


def _coordinator(make_user, make_region, give_role, login_as, **region):
    coordinator = make_user()
    region = make_region(**region)
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)
    return region, coordinator


def test_preview_then_confirm_creates_every_office_with_its_parent(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(make_user, make_region, give_role, login_as)
    preview = _upload(client, region, FILE.encode())
    html = preview.get_data(as_text=True)
    assert "Semua 5 baris benar" in html
    assert _offices(db, region) == {}  # nothing written before confirmation
    done = _confirm(client, preview)
    assert "Impor selesai: 5 baru, 0 diperbarui, 0 tidak berubah." in done.get_data(as_text=True)
    offices = _offices(db, region)
    assert offices["Puskesmas Tondong"].parent.name == "Dinas Kesehatan"
    assert offices["Kecamatan Lamaru Utara"].parent.acronym == "Setda"
    # An empty kind is read from the name.
    assert offices["Kecamatan Lamaru Utara"].kind == "kecamatan"
    assert offices["Dinas Kependudukan dan Pencatatan Sipil"].kind == "dinas"
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("office.%"))
    ).all()
    assert actions.count("office.create") == 5


def test_reimporting_the_same_file_changes_nothing(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(make_user, make_region, give_role, login_as)
    _confirm(client, _upload(client, region, FILE.encode()))
    events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    before = {
        name: (o.id, o.acronym, o.kind, o.parent_id) for name, o in _offices(db, region).items()
    }
    preview = _upload(client, region, FILE.encode())
    assert preview.get_data(as_text=True).count("tidak berubah") == 5
    done = _confirm(client, preview)
    assert "0 baru, 0 diperbarui, 5 tidak berubah" in done.get_data(as_text=True)
    db.session.expire_all()
    after = {
        name: (o.id, o.acronym, o.kind, o.parent_id) for name, o in _offices(db, region).items()
    }
    assert after == before
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events


def test_an_existing_office_is_updated_not_duplicated(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(
        make_user, make_region, give_role, login_as, offices=[("Dinas Kesehatan", "Kes")]
    )
    stored = _offices(db, region)["Dinas Kesehatan"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nama", "Singkatan", "Jenis", "Induk"])
    sheet.append(["dinas  kesehatan", "Dinkes", "", ""])  # case and spaces differ
    sheet.append(["Puskesmas Bikeru", "", "", "Dinkes"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _upload(client, region, buffer.getvalue(), "opd.xlsx")
    html = preview.get_data(as_text=True)
    assert "diperbarui (nama, singkatan)" in html
    _confirm(client, preview)
    offices = _offices(db, region)
    assert len(offices) == 2
    assert offices["dinas kesehatan"].id == stored.id
    assert offices["dinas kesehatan"].acronym == "Dinkes"
    assert offices["Puskesmas Bikeru"].parent_id == stored.id
    change = db.session.scalar(db.select(AuditEvent).filter_by(action="office.update"))
    assert change.before["acronym"] == "Kes" and change.after["acronym"] == "Dinkes"


def test_every_problem_is_shown_and_nothing_is_written(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(
        make_user, make_region, give_role, login_as, offices=[("Dinas Pendidikan", "Disdik")]
    )
    content = (
        "nama,singkatan,jenis,induk\n"
        "Dinas Kesehatan,Dinkes,dinas,\n"
        ",Tanpa,dinas,\n"  # row 3: no name
        "Dinas Sosial,Disdik,dinas,\n"  # row 4: acronym of a stored office
        "Puskesmas A,,rumah makan,\n"  # row 5: unknown kind
        "Puskesmas B,,puskesmas,Dinas Entah\n"  # row 6: parent not found
        "dinas kesehatan,,,\n"  # row 7: same name as row 2
        "Unit X,UX,uptd,Unit Y\n"  # rows 8 and 9 point at each other
        "Unit Y,UY,uptd,UX\n"
    )
    page = _upload(client, region, content.encode()).get_data(as_text=True)
    assert "Berkas belum dapat diimpor: 7 masalah" in page
    assert "Baris 3, kolom nama: Nama wajib diisi." in page
    assert "Baris 4, kolom singkatan: Singkatan Disdik sudah dipakai Dinas Pendidikan." in page
    assert "Baris 5, kolom jenis: Jenis tidak dikenal: rumah makan." in page
    assert "Baris 6, kolom induk: Induk tidak ditemukan: Dinas Entah." in page
    assert "Baris 7, kolom nama: Nama sama dengan baris 2." in page
    assert "Baris 8, kolom induk: Induk membentuk lingkaran: Unit X → Unit Y → Unit X." in page
    assert "Baris 9, kolom induk: Induk membentuk lingkaran" in page
    assert "/offices/import/" not in page  # no confirm button
    assert list(_offices(db, region)) == ["Dinas Pendidikan"]


def test_a_file_without_a_name_column_is_refused_with_a_clear_message(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(make_user, make_region, give_role, login_as)
    page = _upload(client, region, b"singkatan;jenis\nDinkes;dinas\n").get_data(as_text=True)
    assert "Kolom wajib tidak ditemukan: nama." in page
    assert _offices(db, region) == {}


def test_confirming_after_the_offices_changed_writes_nothing(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(make_user, make_region, give_role, login_as)
    preview = _upload(client, region, FILE.encode())
    # Meanwhile someone gives another office the acronym the file uses.
    db.session.add(Office(region=region, name="Dinas Lain", acronym="Dinkes", kind="dinas"))
    db.session.commit()
    page = _confirm(client, preview).get_data(as_text=True)
    assert "berubah sejak pratinjau" in page
    assert list(_offices(db, region)) == ["Dinas Lain"]


def test_a_preview_of_another_region_cannot_be_confirmed_here(
    client, db, make_user, make_region, give_role, login_as
):
    region, coordinator = _coordinator(make_user, make_region, give_role, login_as)
    other = make_region()
    give_role(other, coordinator, "coordinator")
    preview = _upload(client, region, FILE.encode()).get_data(as_text=True)
    token = re.search(r"/offices/import/([0-9a-f]+)", preview).group(1)
    response = client.post(
        f"/regions/{other.code}/offices/import/{token}",
        data={"csrf_token": csrf_token(client, "/dashboard")},
    )
    assert response.status_code == 404
    assert _offices(db, other) == {} and _offices(db, region) == {}


def test_hostile_office_names_are_shown_as_text(
    client, db, make_user, make_region, give_role, login_as
):
    region, _ = _coordinator(make_user, make_region, give_role, login_as)
    content = b'nama;singkatan\n"<script>alert(1)</script>";"<b>X</b>"\n'
    preview = _upload(client, region, content)
    assert "<script>alert(1)</script>" not in preview.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview.get_data(as_text=True)
    _confirm(client, preview)
    listing = client.get(f"/regions/{region.code}/offices").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "<script>" not in listing and "<b>X</b>" not in listing
