"""Opening a case, what its requester sees, and who else may open it."""

from __future__ import annotations

import io

from lms.clinic.models import CaseFile, Consultation, Message, ReadMark
from lms.notifications.models import Notification
from tests.clinic.conftest import page
from tests.helpers import csrf_token

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def _open(client, clinic, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/clinic/new"),
        "title": "Antrean KTP di kecamatan",
        "problem": "Warga datang **dua kali** karena blangko habis.",
        "office": str(clinic.dinkes.id),
        "category": "proposal_writing",
        "urgency": "high",
        "innovation": "",
        "submission": "",
    }
    data.update(overrides)
    return client.post("/clinic/new", data=data, content_type="multipart/form-data")


def test_a_civil_servant_opens_a_case_with_a_file_and_sees_it(client, db, clinic, login_as):
    login_as(clinic.requester)
    response = _open(client, clinic, files=[(io.BytesIO(PDF), "data antrean.pdf")])
    assert response.status_code == 302
    consultation = db.session.scalar(db.select(Consultation))
    assert consultation.state == "new" and consultation.stage == "drum_up"
    assert consultation.office_id == clinic.dinkes.id and consultation.urgency == "high"
    assert "<strong>dua kali</strong>" in consultation.problem_html
    (item,) = db.session.scalars(db.select(CaseFile)).all()
    assert item.name == "data antrean.pdf" and item.message_id is None
    html = page(client.get(response.headers["Location"]))
    assert "Antrean KTP di kecamatan" in html
    assert "Menunggu ditangani" in html and "Penulisan proposal" in html
    assert "data antrean.pdf" in html
    download = client.get(f"/clinic/{consultation.id}/files/{item.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # The coordinator is told a new case waits.
    note = db.session.scalar(db.select(Notification).filter_by(user_id=clinic.coordinator.id))
    assert note.kind == "clinic.new" and note.params["title"] == "Antrean KTP di kecamatan"


def test_the_case_list_shows_own_cases_only(client, clinic, make_case, login_as, make_user):
    mine = make_case(title="Masalah saya")
    make_case(title="Masalah rekan", requester=clinic.colleague)
    login_as(clinic.requester)
    html = page(client.get("/clinic"))
    assert "Masalah saya" in html and "Masalah rekan" not in html
    assert f"/clinic/{mine.id}" in html


def test_bad_input_is_refused_with_a_message_and_nothing_is_written(client, db, clinic, login_as):
    login_as(clinic.requester)
    response = _open(
        client,
        clinic,
        title="",
        problem="",
        category="bukan",
        files=[(io.BytesIO(b"<html>"), "x.html")],
    )
    assert response.status_code == 400
    html = page(response)
    assert "Tulis judul singkat masalahnya." in html
    assert "Ceritakan masalah di kantor Anda." in html
    assert "Pilih jenis bantuan." in html
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0
    assert db.session.scalar(db.select(db.func.count(CaseFile.id))) == 0


def test_a_file_of_the_wrong_kind_is_refused_and_what_was_typed_is_kept(
    client, db, clinic, login_as
):
    login_as(clinic.requester)
    response = _open(client, clinic, files=[(io.BytesIO(b"MZ\x90\x00"), "app.exe")])
    assert response.status_code == 400
    html = page(response)
    assert "Jenis berkas ini tidak diterima" in html
    assert "Antrean KTP di kecamatan" in html
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0


def test_an_office_of_another_region_is_not_offered(client, db, clinic, login_as):
    from lms.regions.models import Office

    foreign = Office(region=clinic.other_region, name="Dinas Kota", acronym="DK")
    db.session.add(foreign)
    db.session.commit()
    login_as(clinic.requester)
    response = _open(client, clinic, office=str(foreign.id))
    assert response.status_code == 400
    assert "Pilih salah satu pilihan yang tersedia." in page(response)


def test_someone_of_no_region_cannot_open_a_case(client, make_user, login_as):
    login_as(make_user())
    html = page(client.get("/clinic/new"))
    assert "belum terhubung dengan daerah mana pun" in html
    assert (
        client.post(
            "/clinic/new", data={"csrf_token": csrf_token(client, "/dashboard")}
        ).status_code
        == 400
    )


def test_a_member_of_a_class_of_the_region_may_open_one(
    client, db, clinic, make_user, make_cohort, login_as
):
    person = make_user()
    cohort = make_cohort(participants=[person])
    cohort.region_id = clinic.region.id
    db.session.commit()
    login_as(person)
    html = page(client.get("/clinic/new"))
    assert "Judul singkat masalahnya" in html and "Kabupaten Uji" in html


def test_nobody_else_sees_the_case(client, clinic, make_case, login_as, make_user):
    consultation = make_case(state="active", mentors=[clinic.mentor])
    url = f"/clinic/{consultation.id}"
    for outsider in (
        clinic.colleague,
        clinic.other_mentor,
        clinic.leader,
        clinic.other_coordinator,
        make_user(),
    ):
        login_as(outsider)
        assert client.get(url).status_code == 404, outsider.full_name
        assert client.get(url + "/stage").status_code == 404
        assert client.get(url + "/calendar.ics").status_code == 404
    for insider in (clinic.requester, clinic.mentor, clinic.coordinator):
        login_as(insider)
        assert client.get(url).status_code == 200, insider.full_name


def test_a_mentor_who_lost_the_role_no_longer_sees_the_case(
    client, db, clinic, make_case, login_as
):
    from lms.regions.models import RegionMembership

    consultation = make_case(state="active", mentors=[clinic.mentor])
    db.session.execute(
        db.delete(RegionMembership).where(RegionMembership.user_id == clinic.mentor.id)
    )
    db.session.commit()
    login_as(clinic.mentor)
    assert client.get(f"/clinic/{consultation.id}").status_code == 404


def test_opening_the_page_marks_the_thread_and_its_notifications_read(
    app, client, db, clinic, make_case, login_as
):
    from lms.clinic import operations
    from lms.clinic.access import CaseAccess

    consultation = make_case(state="active", mentors=[clinic.mentor])
    with app.test_request_context():
        operations.post(
            consultation, clinic.mentor, CaseAccess(mentor=True), "Halo, kapan bisa bertemu?"
        )
        db.session.commit()
    login_as(clinic.requester)
    mine = page(client.get("/clinic"))
    assert "1 pesan baru" in mine
    assert "Notifikasi" in mine and "belum dibaca" in mine
    html = page(client.get(f"/clinic/{consultation.id}"))
    assert "Halo, kapan bisa bertemu?" in html and "Baru" in html
    mark = db.session.scalar(db.select(ReadMark).filter_by(user_id=clinic.requester.id))
    newest = db.session.scalar(db.select(db.func.max(Message.id)))
    assert mark.last_message_id == newest
    unread = db.session.scalar(
        db.select(db.func.count(Notification.id)).filter_by(
            user_id=clinic.requester.id, read_dt=None
        )
    )
    assert unread == 0
    assert "pesan baru" not in page(client.get("/clinic"))


def test_only_own_innovations_and_proposals_can_be_linked(app, client, db, clinic, login_as):
    from lms.innovations import operations as innovations

    with app.test_request_context():
        mine = innovations.create_innovation(
            clinic.region,
            {"nama_inovasi": "Inovasi Saya"},
            innovations.Details(office=clinic.dinkes),
            actor=clinic.coordinator,
        )
        innovations.add_innovator(mine, user=clinic.requester, actor=clinic.coordinator)
        theirs = innovations.create_innovation(
            clinic.region,
            {"nama_inovasi": "Inovasi Orang Lain"},
            innovations.Details(office=clinic.dinkes),
            actor=clinic.coordinator,
        )
        db.session.commit()
    login_as(clinic.requester)
    html = page(client.get("/clinic/new"))
    assert "Inovasi Saya" in html and "Inovasi Orang Lain" not in html
    refused = _open(client, clinic, innovation=str(theirs.id))
    assert refused.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0
    assert _open(client, clinic, innovation=str(mine.id)).status_code == 302
    assert db.session.scalar(db.select(Consultation)).innovation_id == mine.id
