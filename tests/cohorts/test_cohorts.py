from __future__ import annotations

import pytest

from lms.audit import AuditEvent
from lms.cohorts.models import Cohort, Membership
from tests.helpers import counted_queries, csrf_token

VALID_NIP = "198609262015051001"


def _cohort_form(client, path, **changes):
    data = {
        "csrf_token": csrf_token(client, path),
        "name": "Kelas Inovasi Tematik 2023 Angkatan I",
        "code": "kit-2023-i",
        "description": "Kebijakan inovasi daerah",
        "venue": "Aula Bappelitbangda",
        "start_date": "2023-09-05",
        "end_date": "2023-09-07",
        "timezone": "Asia/Makassar",
        "jp_total": "24",
        "state": "draft",
        "locale": "id",
    }
    data.update(changes)
    return data


def test_admin_creates_a_cohort(client, make_user, login_as, db):
    admin = make_user(is_admin=True)
    login_as(admin)
    response = client.post("/cohorts/new", data=_cohort_form(client, "/cohorts/new"))
    cohort = db.session.scalars(db.select(Cohort)).one()
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    assert cohort.code == "KIT-2023-I"
    assert cohort.timezone == "Asia/Makassar"
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Selasa, 05 September 2023" in page or "Selasa, 5 September 2023" in page
    assert db.session.scalars(db.select(AuditEvent).filter_by(action="cohort.create")).one()


def test_end_date_before_start_is_refused_and_nothing_written(client, make_user, login_as, db):
    login_as(make_user(is_admin=True))
    response = client.post(
        "/cohorts/new", data=_cohort_form(client, "/cohorts/new", end_date="2023-09-01")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai." in html
    assert 'value="Kelas Inovasi Tematik 2023 Angkatan I"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Cohort)) == 0


def test_duplicate_cohort_code_is_refused(client, make_user, make_cohort, login_as, db):
    make_cohort(code="KIT-2023-I")
    login_as(make_user(is_admin=True))
    response = client.post("/cohorts/new", data=_cohort_form(client, "/cohorts/new"))
    assert "Kode kelas ini sudah dipakai kelas lain." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Cohort)) == 1


def test_organizer_edits_the_cohort_and_the_change_is_audited(
    client, make_user, make_cohort, login_as, db
):
    organizer = make_user()
    cohort = make_cohort(organizers=[organizer], code="KIT-A")
    login_as(organizer)
    path = f"/cohorts/{cohort.id}/edit"
    response = client.post(
        path, data=_cohort_form(client, path, code="KIT-A", venue="Hotel Sinjai", state="open")
    )
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert cohort.venue == "Hotel Sinjai"
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="cohort.update")).one()
    assert event.actor_id == organizer.id
    assert event.after["venue"] == "Hotel Sinjai"


def _add_form(client, cohort, **changes):
    path = f"/cohorts/{cohort.id}/members/add"
    data = {
        "csrf_token": csrf_token(client, path),
        "email": "baru@example.org",
        "role": "participant",
        "full_name": "Andi Baru, S.Sos.",
        "nip": "",
        "rank": "",
        "position": "",
        "office": "Dinas Kesehatan",
        "phone": "",
    }
    data.update(changes)
    return path, data


def test_organizer_adds_a_new_person_who_gets_an_initial_password(
    client, make_user, make_cohort, login_as, db
):
    organizer = make_user()
    cohort = make_cohort(organizers=[organizer])
    login_as(organizer)
    path, data = _add_form(client, cohort, nip="19860926 201505 1 001")
    html = client.post(path, data=data).get_data(as_text=True)
    assert "Andi Baru, S.Sos." in html
    assert "Kata sandi awal" in html
    membership = db.session.scalars(
        db.select(Membership).filter_by(cohort_id=cohort.id, role="participant")
    ).one()
    assert membership.user.nip == "198609262015051001"
    audit = db.session.scalars(db.select(AuditEvent).filter_by(action="membership.add")).all()
    added = [a for a in audit if a.after["user_id"] == membership.user_id]
    assert [a.actor_id for a in added] == [organizer.id]


def test_adding_an_existing_account_links_it_instead_of_duplicating(
    client, make_user, make_cohort, login_as, db
):
    from lms.accounts.models import User

    organizer = make_user()
    existing = make_user(email="ada@example.org", nip="198609262015051001")
    cohort = make_cohort(organizers=[organizer])
    login_as(organizer)
    # Same NIP, email typed with capitals: still the same person.
    path, data = _add_form(client, cohort, email="ADA@example.org", role="trainer")
    response = client.post(path, data=data)
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2
    membership = db.session.scalars(db.select(Membership).filter_by(user_id=existing.id)).one()
    assert membership.role == "trainer"


def test_a_person_holds_different_roles_in_different_cohorts(
    client, make_user, make_cohort, login_as
):
    person = make_user()
    teaches = make_cohort(trainers=[person])
    attends = make_cohort(participants=[person])
    login_as(person)
    assert client.get(f"/cohorts/{teaches.id}/members").status_code == 200
    assert client.get(f"/cohorts/{attends.id}/members").status_code == 403
    assert client.get(f"/cohorts/{attends.id}").status_code == 200


def test_organizer_changes_a_role_and_it_is_audited(client, make_user, make_cohort, login_as, db):
    organizer, person = make_user(), make_user()
    cohort = make_cohort(organizers=[organizer], participants=[person])
    membership = db.session.scalars(db.select(Membership).filter_by(user_id=person.id)).one()
    login_as(organizer)
    token = csrf_token(client, f"/cohorts/{cohort.id}/members")
    client.post(
        f"/cohorts/{cohort.id}/members/{membership.id}/role",
        data={"csrf_token": token, "role": "trainer"},
    )
    db.session.refresh(membership)
    assert membership.role == "trainer"
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="membership.role")).one()
    assert (event.before["role"], event.after["role"]) == ("participant", "trainer")


def test_an_unknown_role_is_refused(client, make_user, make_cohort, login_as, db):
    organizer, person = make_user(), make_user()
    cohort = make_cohort(organizers=[organizer], participants=[person])
    membership = db.session.scalars(db.select(Membership).filter_by(user_id=person.id)).one()
    login_as(organizer)
    token = csrf_token(client, f"/cohorts/{cohort.id}/members")
    response = client.post(
        f"/cohorts/{cohort.id}/members/{membership.id}/role",
        data={"csrf_token": token, "role": "kepala"},
        follow_redirects=True,
    )
    assert "Peran tidak dikenal." in response.get_data(as_text=True)
    db.session.refresh(membership)
    assert membership.role == "participant"


def test_membership_of_another_cohort_cannot_be_changed_through_this_one(
    client, make_user, make_cohort, login_as, db
):
    organizer, stranger = make_user(), make_user()
    mine = make_cohort(organizers=[organizer])
    make_cohort(participants=[stranger])
    other_membership = db.session.scalars(
        db.select(Membership).filter_by(user_id=stranger.id)
    ).one()
    login_as(organizer)
    token = csrf_token(client, f"/cohorts/{mine.id}/members")
    response = client.post(
        f"/cohorts/{mine.id}/members/{other_membership.id}/role",
        data={"csrf_token": token, "role": "organizer"},
    )
    assert response.status_code == 404
    db.session.refresh(other_membership)
    assert other_membership.role == "participant"


def test_members_page_uses_the_same_number_of_queries_for_10_and_500_members(
    app, client, make_user, make_cohort, login_as, db
):

    def count_queries(cohort_size: int) -> int:
        organizer = make_user()
        people = [make_user() for _ in range(cohort_size)]
        cohort = make_cohort(organizers=[organizer], participants=people)
        login_as(organizer)
        with counted_queries(db) as statements:
            response = client.get(f"/cohorts/{cohort.id}/members")
        assert response.status_code == 200
        return len(statements)

    assert count_queries(10) == count_queries(500)


def test_member_add_takes_a_pppk_and_refuses_a_non_asn_with_a_number(
    client, make_user, make_cohort, login_as, db
):
    from lms.accounts.models import User

    organizer = make_user()
    cohort = make_cohort(organizers=[organizer])
    login_as(organizer)
    path, data = _add_form(
        client, cohort, employment_status="pppk", nip="19900913 2023 21 2 014", rank="IX"
    )
    assert "Kata sandi awal" in client.post(path, data=data).get_data(as_text=True)
    pppk = db.session.scalar(db.select(User).filter_by(email="baru@example.org"))
    assert (pppk.employment_status, pppk.nip, pppk.rank) == ("pppk", "199009132023212014", "IX")

    path, data = _add_form(
        client, cohort, email="warga@example.org", employment_status="non_asn", nip=VALID_NIP
    )
    html = client.post(path, data=data).get_data(as_text=True)
    assert "Non-ASN tidak memiliki NIP atau NI PPPK." in html
    assert db.session.scalar(db.select(User).filter_by(email="warga@example.org")) is None


def test_a_number_added_to_an_account_without_one_brings_its_status(
    client, make_user, make_cohort, login_as, db
):
    organizer = make_user()
    existing = make_user(email="ada@example.org")
    assert existing.employment_status == "non_asn"
    cohort = make_cohort(organizers=[organizer])
    login_as(organizer)
    path, data = _add_form(client, cohort, email="ada@example.org", nip="199009132023212014")
    assert client.post(path, data=data).status_code == 302
    db.session.refresh(existing)
    assert (existing.employment_status, existing.nip) == ("pppk", "199009132023212014")


def test_only_admins_and_the_regions_coordinators_tie_a_class_to_a_region(
    client, make_user, make_cohort, login_as, db
):
    from lms.regions.models import Region, RegionMembership

    organizer, coordinator = make_user(), make_user()
    cohort = make_cohort(organizers=[organizer, coordinator])
    region = Region(code="7397", name="Kabupaten Contoh", kind="kabupaten")
    db.session.add(region)
    db.session.flush()
    db.session.add(
        RegionMembership(region_id=region.id, user_id=coordinator.id, role="coordinator")
    )
    db.session.commit()
    path = f"/cohorts/{cohort.id}/edit"

    def post(person):
        login_as(person)
        form = client.get(path).get_data(as_text=True)
        data = {
            "csrf_token": csrf_token(client, path),
            "name": cohort.name,
            "code": cohort.code,
            "start_date": "2023-09-05",
            "end_date": "2023-09-07",
            "timezone": "Asia/Makassar",
            "jp_total": "24",
            "state": "open",
            "locale": "id",
            "region_id": str(region.id),
        }
        return form, client.post(path, data=data)

    form, refused = post(organizer)
    assert "Kabupaten Contoh" not in form  # not offered to an organizer outside the region
    assert "Pilihan ini tidak tersedia" in refused.get_data(as_text=True)
    db.session.refresh(cohort)
    assert cohort.region_id is None
    # The operation holds the rule too (imports, the API, a stale form).
    from lms.cohorts import operations
    from lms.errors import DomainError

    with pytest.raises(DomainError, match="Hanya admin atau koordinator daerah itu"):
        operations.update_cohort(cohort, {"region_id": region.id}, actor=organizer)
    form, done = post(coordinator)
    assert "Kabupaten Contoh" in form
    assert done.status_code == 302
    db.session.refresh(cohort)
    assert cohort.region_id == region.id


def test_a_class_page_of_no_such_class_is_not_found(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/cohorts/987654/members").status_code == 404


def test_a_class_page_finds_the_class_and_membership_with_the_account(
    client, make_user, make_cohort, login_as, db
):
    organizer, outsider = make_user(), make_user()
    cohort = make_cohort(organizers=[organizer])
    make_cohort(organizers=[outsider])
    url = f"/cohorts/{cohort.id}/members"
    login_as(organizer)
    with counted_queries(db) as statements:
        assert client.get(url).status_code == 200
    loaded = [s for s in statements if "FROM lms_user_account LEFT OUTER JOIN lms_cohort" in s]
    alone = [s for s in statements if s.lstrip().startswith("SELECT lms_cohort.id")]
    assert len(loaded) == 1 and not alone
    login_as(outsider)  # the same statement finds no membership of this class
    assert client.get(url).status_code == 403
