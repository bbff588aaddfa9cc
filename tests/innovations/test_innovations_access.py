"""Who sees and changes what: an operator only their own office's innovations (another
office's record, its files and its rows in the export answer 404 or 403, and nothing changes),
leaders read, mentors and strangers do not, another region's code shows nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lms.audit import AuditEvent
from lms.innovations.models import Innovation, InnovationFile
from lms.storage import save_upload
from tests.helpers import csrf_token
from tests.innovations.conftest import page

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def two_offices(app, db, registry, make_innovation):
    """A Dinkes innovation with a file, a Disdukcapil one with a file."""
    dinkes = make_innovation(office=registry.dinkes, nama_inovasi="Inovasi Dinkes")
    dukcapil = make_innovation(office=registry.dukcapil, nama_inovasi="Inovasi Dukcapil")
    files = {}
    with app.test_request_context():
        for innovation in (dinkes, dukcapil):
            stored = save_upload(io.BytesIO(PDF), max_bytes=10_000, allowed={"pdf"})
            item = InnovationFile(
                innovation=innovation,
                key=stored.key,
                name="sop.pdf",
                size=stored.size,
                kind="pdf",
                role="sop",
            )
            db.session.add(item)
            db.session.flush()
            files[innovation.id] = item.id
        db.session.commit()
    return dinkes, dukcapil, files


def _base(registry):
    return f"/regions/{registry.region.code}/innovations"


def test_an_operator_lists_only_their_office(client, login_as, registry, two_offices):
    login_as(registry.op_dinkes)
    text = page(client.get(_base(registry)))
    assert "Inovasi Dinkes" in text and "Inovasi Dukcapil" not in text
    login_as(registry.op_dukcapil)
    text = page(client.get(_base(registry)))
    assert "Inovasi Dukcapil" in text and "Inovasi Dinkes" not in text


def test_coordinator_and_leader_list_every_office(client, login_as, registry, two_offices):
    for person in (registry.coordinator, registry.leader):
        login_as(person)
        text = page(client.get(_base(registry)))
        assert "Inovasi Dinkes" in text and "Inovasi Dukcapil" in text


def test_another_offices_record_file_and_writes_answer_404(
    client, login_as, registry, two_offices, db
):
    dinkes, dukcapil, files = two_offices
    login_as(registry.op_dinkes)
    token = csrf_token(client, f"{_base(registry)}/{dinkes.id}")
    other = f"{_base(registry)}/{dukcapil.id}"
    events = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    assert client.get(other).status_code == 404
    assert client.get(other + "/edit").status_code == 404
    assert client.get(other + "/versions/1").status_code == 404
    assert client.get(f"{other}/files/{files[dukcapil.id]}").status_code == 404
    # Their own innovation's URL with the other's file id: 404 too.
    assert (
        client.get(f"{_base(registry)}/{dinkes.id}/files/{files[dukcapil.id]}").status_code == 404
    )
    for suffix, data in (
        ("/edit", {"nama_inovasi": "Dibajak", "office": str(registry.dinkes.id)}),
        ("/submit", {}),
        ("/stage", {"stage": "penerapan", "day": "2024-01-01"}),
        ("/confirm", {"year": "2024", "status": "running"}),
        ("/files", {"role": "other"}),
        (f"/files/{files[dukcapil.id]}/remove", {}),
        ("/innovators", {"name": "Penyusup"}),
    ):
        response = client.post(other + suffix, data={"csrf_token": token, **data})
        assert response.status_code == 404, suffix
    db.session.expire_all()
    unchanged = db.session.get(Innovation, dukcapil.id)
    assert unchanged.name == "Inovasi Dukcapil" and unchanged.state == "draft"
    assert unchanged.innovators == []
    assert not db.session.get(InnovationFile, files[dukcapil.id]).removed
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events


def test_the_export_holds_only_the_operators_office(client, login_as, registry, two_offices):
    login_as(registry.op_dinkes)
    response = client.get(_base(registry) + "/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert names == ["Inovasi Dinkes"]
    # Asking for the other office by filter gives nothing, not their rows.
    response = client.get(_base(registry) + f"/export.xlsx?office={registry.dukcapil.id}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)] == []


def test_own_file_downloads_as_an_attachment(client, login_as, registry, two_offices):
    dinkes, _dukcapil, files = two_offices
    login_as(registry.op_dinkes)
    response = client.get(f"{_base(registry)}/{dinkes.id}/files/{files[dinkes.id]}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_leaders_read_but_do_not_write(client, login_as, registry, two_offices, db):
    dinkes, _dukcapil, _files = two_offices
    login_as(registry.leader)
    assert client.get(f"{_base(registry)}/{dinkes.id}").status_code == 200
    assert client.get(f"/regions/{registry.region.code}/dashboard").status_code == 200
    token = csrf_token(client, f"{_base(registry)}/{dinkes.id}")
    for suffix in ("/edit", "/submit", "/verify", "/files", "/innovators"):
        response = client.post(f"{_base(registry)}/{dinkes.id}{suffix}", data={"csrf_token": token})
        assert response.status_code == 403, suffix
    assert client.get(_base(registry) + "/new").status_code == 403


def test_mentors_and_strangers_are_refused(client, login_as, registry, two_offices):
    dinkes, _dukcapil, _files = two_offices
    for person in (registry.mentor, registry.outsider, registry.op_dinkes):
        login_as(person)
        code = 403
        if person is registry.op_dinkes:
            # An operator is not a leader: no dashboard.
            assert client.get(f"/regions/{registry.region.code}/dashboard").status_code == 403
            continue
        assert client.get(_base(registry)).status_code == code
        assert client.get(f"{_base(registry)}/{dinkes.id}").status_code == code


def test_another_regions_code_does_not_show_the_innovation(
    client, login_as, registry, two_offices, db
):
    from lms.regions.models import RegionMembership

    dinkes, _dukcapil, _files = two_offices
    db.session.add(
        RegionMembership(region=registry.other_region, user=registry.outsider, role="coordinator")
    )
    db.session.commit()
    login_as(registry.outsider)
    other_base = f"/regions/{registry.other_region.code}/innovations"
    assert client.get(f"{other_base}/{dinkes.id}").status_code == 404
    assert "Inovasi Dinkes" not in page(client.get(other_base))


def test_anonymous_visitors_go_to_the_login(client, registry, two_offices):
    dinkes, _dukcapil, _files = two_offices
    response = client.get(f"{_base(registry)}/{dinkes.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
