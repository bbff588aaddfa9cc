"""Regions and their people: admins create regions, coordinators manage offices and roles,
every change is audited, and a coordinator of another region is refused."""

from __future__ import annotations

from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.cohorts.models import Cohort
from lms.regions.models import Office, Region, RegionMembership
from tests.helpers import csrf_token


def _roles(db, region) -> set[tuple[str, str, int | None]]:
    rows = db.session.execute(
        db.select(User.email, RegionMembership.role, RegionMembership.office_id)
        .join(RegionMembership.user)
        .where(RegionMembership.region_id == region.id)
    )
    return {tuple(r) for r in rows}


def _post(client, path, data, form_page=None):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page or path), **data})


def test_admin_creates_and_edits_a_region(client, db, make_user, login_as):
    login_as(make_user(is_admin=True))
    province = _post(
        client,
        "/admin/regions/new",
        {
            "code": "73",
            "name": "Provinsi Sulawesi Selatan",
            "kind": "provinsi",
            "timezone": "Asia/Makassar",
        },
    )
    assert province.status_code == 302
    created = _post(
        client,
        "/admin/regions/new",
        {
            "code": "7399",
            "name": "Kabupaten Lamaru",
            "kind": "kabupaten",
            "province": "Sulawesi Selatan",
            "parent_id": str(db.session.scalar(db.select(Region.id).filter_by(code="73"))),
            "timezone": "Asia/Makassar",
            "agency_name": "Bappelitbangda Kabupaten Lamaru",
        },
    )
    assert created.headers["Location"].endswith("/regions/7399")
    region = db.session.scalar(db.select(Region).filter_by(code="7399"))
    assert region.parent.code == "73" and region.timezone == "Asia/Makassar"
    listing = client.get("/admin/regions").get_data(as_text=True)
    assert "Kabupaten Lamaru" in listing and "Provinsi Sulawesi Selatan" in listing
    edited = _post(
        client,
        "/admin/regions/7399/edit",
        {
            "code": "7399",
            "name": "Kabupaten Lamaru Baru",
            "kind": "kabupaten",
            "parent_id": "",
            "timezone": "Asia/Makassar",
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert region.name == "Kabupaten Lamaru Baru" and region.parent_id is None
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.object_type == "Region")
    ).all()
    assert sorted(actions) == ["region.create", "region.create", "region.update"]


def test_a_taken_region_code_is_refused_next_to_the_field(
    client, db, make_user, make_region, login_as
):
    make_region(code="7301")
    login_as(make_user(is_admin=True))
    page = _post(
        client,
        "/admin/regions/new",
        {"code": "7301", "name": "<i>Ganda</i>", "kind": "kota", "timezone": "Asia/Makassar"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Kode daerah ini sudah dipakai daerah lain." in html
    assert 'value="&lt;i&gt;Ganda&lt;/i&gt;"' in html  # what was typed is kept, escaped
    assert db.session.scalar(db.select(db.func.count()).select_from(Region)) == 1


def test_coordinator_adds_an_operator_with_an_office_audited(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    office = region.offices[0]
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    operator = make_user(nip="198609262015051001")
    login_as(coordinator)
    people = f"/regions/{region.code}/people"
    done = _post(
        client,
        f"{people}/add",
        {
            "identifier": "19860926 201505 1 001",
            "role": "office_operator",
            "office_id": str(office.id),
        },
        form_page=people,
    )
    assert done.headers["Location"].endswith(people)
    assert (operator.email, "office_operator", office.id) in _roles(db, region)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="region_membership.add"))
    assert event.actor_id == coordinator.id
    assert event.after == {
        "region_id": region.id,
        "user_id": operator.id,
        "role": "office_operator",
        "office_id": office.id,
    }
    listing = client.get(people).get_data(as_text=True)
    assert operator.full_name in listing and "Dinas Kesehatan (Dinkes)" in listing


def test_an_operator_needs_an_office(client, db, make_user, make_region, give_role, login_as):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    person = make_user()
    login_as(coordinator)
    page = _post(
        client,
        f"/regions/{region.code}/people/add",
        {"identifier": person.email, "role": "office_operator", "office_id": ""},
    )
    assert "Pilih perangkat daerah untuk operator OPD." in page.get_data(as_text=True)
    assert (person.email, "office_operator", None) not in _roles(db, region)
    assert len(_roles(db, region)) == 1


def test_an_office_of_another_region_cannot_be_chosen(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    other = make_region(offices=[("Dinas Sosial", "Dinsos")])
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    person = make_user()
    login_as(coordinator)
    page = _post(
        client,
        f"/regions/{region.code}/people/add",
        {
            "identifier": person.email,
            "role": "office_operator",
            "office_id": str(other.offices[0].id),
        },
    )
    assert "Pilihan ini tidak tersedia." in page.get_data(as_text=True)
    assert len(_roles(db, region)) == 1


def test_an_unknown_person_gets_an_account_only_with_a_name(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region()
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)
    add = f"/regions/{region.code}/people/add"
    missing_name = _post(client, add, {"identifier": "baru@example.org", "role": "mentor"})
    assert missing_name.status_code == 400  # refused by the operation: rolled back
    assert "Isi nama lengkap untuk membuat akunnya." in missing_name.get_data(as_text=True)
    unknown_nip = _post(client, add, {"identifier": "198609262015051001", "role": "mentor"})
    assert "Tidak ada akun dengan NIP ini." in unknown_nip.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(email="baru@example.org")) is None
    created = _post(
        client, add, {"identifier": "Baru@Example.org", "role": "mentor", "full_name": "Baru, S.T."}
    )
    assert created.status_code == 200 and "Kata sandi awal" in created.get_data(as_text=True)
    assert ("baru@example.org", "mentor", None) in _roles(db, region)


def test_coordinator_removes_a_role_but_not_their_own(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region()
    coordinator = make_user()
    own = give_role(region, coordinator, "coordinator")
    leader = give_role(region, make_user(), "leader")
    login_as(coordinator)
    people = f"/regions/{region.code}/people"
    _post(client, f"{people}/{leader.id}/remove", {}, form_page=people)
    assert {role for _e, role, _o in _roles(db, region)} == {"coordinator"}
    removed = db.session.scalar(db.select(AuditEvent).filter_by(action="region_membership.remove"))
    assert removed.before["role"] == "leader" and removed.actor_id == coordinator.id
    refused = client.post(
        f"{people}/{own.id}/remove",
        data={"csrf_token": csrf_token(client, people)},
        follow_redirects=True,
    )
    assert "Anda tidak dapat mencabut peran koordinator Anda sendiri." in refused.get_data(
        as_text=True
    )
    assert {role for _e, role, _o in _roles(db, region)} == {"coordinator"}


def test_a_coordinator_of_another_region_is_refused(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    other = make_region()
    outsider = make_user()
    give_role(other, outsider, "coordinator")
    member = give_role(region, make_user(), "leader")
    office = region.offices[0]
    login_as(outsider)
    base = f"/regions/{region.code}"
    token = csrf_token(client, "/dashboard")
    for path in (
        base,
        f"{base}/offices",
        f"{base}/people",
        f"{base}/offices/match",
        f"{base}/offices/import",
        f"{base}/offices/{office.id}/edit",
    ):
        assert client.get(path).status_code == 403, path
    for path in (
        f"{base}/people/add",
        f"{base}/people/{member.id}/remove",
        f"{base}/offices/{office.id}/deactivate",
        f"{base}/offices/new",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    assert office.active and len(_roles(db, region)) == 1


def test_an_office_of_another_region_in_the_url_is_not_found(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region()
    other = make_region(offices=[("Dinas Sosial", "Dinsos")])
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)
    foreign = other.offices[0]
    assert client.get(f"/regions/{region.code}/offices/{foreign.id}/edit").status_code == 404
    response = client.post(
        f"/regions/{region.code}/offices/{foreign.id}/deactivate",
        data={"csrf_token": csrf_token(client, "/dashboard")},
    )
    assert response.status_code == 404
    assert foreign.active


def test_coordinator_adds_edits_and_deactivates_offices(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)
    offices = f"/regions/{region.code}/offices"
    parent = region.offices[0]
    _post(
        client,
        f"{offices}/new",
        {
            "name": "Puskesmas  Tondong",
            "acronym": "",
            "kind": "puskesmas",
            "parent_id": str(parent.id),
        },
    )
    child = db.session.scalar(db.select(Office).filter_by(region_id=region.id, kind="puskesmas"))
    assert child.name == "Puskesmas Tondong" and child.parent_id == parent.id
    loop = _post(
        client,
        f"{offices}/{parent.id}/edit",
        {
            "name": "Dinas Kesehatan",
            "acronym": "Dinkes",
            "kind": "dinas",
            "parent_id": str(child.id),
        },
    )
    assert loop.status_code == 400
    assert "Induk ini berada di bawah perangkat daerah ini sendiri" in loop.get_data(as_text=True)
    duplicate = _post(
        client, f"{offices}/new", {"name": "dinas kesehatan", "acronym": "", "kind": "dinas"}
    )
    assert "Nama ini sudah dipakai perangkat daerah lain." in duplicate.get_data(as_text=True)
    taken = _post(
        client, f"{offices}/new", {"name": "Dinas Lain", "acronym": "DINKES", "kind": "dinas"}
    )
    assert "Singkatan ini sudah dipakai Dinas Kesehatan." in taken.get_data(as_text=True)
    _post(client, f"{offices}/{child.id}/deactivate", {}, form_page=offices)
    db.session.expire_all()
    assert not child.active
    assert db.session.scalar(db.select(db.func.count()).select_from(Office)) == 2
    actions = sorted(
        db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.object_type == "Office")
        ).all()
    )
    assert actions == ["office.create", "office.deactivate"]


def test_region_roles_show_on_the_dashboard_in_one_query(
    client, db, make_user, make_region, give_role, login_as
):
    from lms.regions import queries

    region = make_region(name="Kabupaten <Lamaru>", offices=[("Dinas Kesehatan", "Dinkes")])
    person = make_user()
    give_role(region, person, "office_operator", region.offices[0])
    give_role(region, person, "mentor")
    login_as(person)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Daerah saya" in html
    assert "Kabupaten &lt;Lamaru&gt;" in html
    assert f'href="/regions/{region.code}"' in html
    assert "Operator OPD" in html and "Dinas Kesehatan (Dinkes)" in html and "Pendamping" in html
    from tests.helpers import counted_queries

    db.session.expire_all()
    assert person.is_authenticated  # loaded again before counting
    with counted_queries(db) as statements:
        roles = queries.roles_of(person)
        [(r.region.name, r.office and r.office.name) for r in roles]
    assert len(roles) == 2 and len(statements) == 1


def test_the_dashboard_asks_for_region_roles_only_of_people_who_hold_one(
    client, db, make_user, make_cohort, make_region, give_role, login_as
):
    from tests.helpers import counted_queries

    person = make_user()
    make_cohort(participants=[person])
    login_as(person)

    def dashboard() -> tuple[str, list[str]]:
        with counted_queries(db) as statements:
            html = client.get("/dashboard").get_data(as_text=True)
        return html, [s for s in statements if "SAVEPOINT" not in s]  # the test's own

    html, statements = dashboard()
    # The user loader's EXISTS found no role, and selected the page's lists with the
    # account: the whole page is that one statement.
    assert "Daerah saya" not in html
    assert len(statements) == 1 and "lms_region_membership" in statements[0]
    region = make_region(name="Kabupaten Lamaru")
    give_role(region, person, "mentor")
    html, statements = dashboard()  # a role given since the last page shows on the next
    assert "Kabupaten Lamaru" in html and "Pendamping" in html
    assert len([s for s in statements if "lms_region_membership" in s]) == 2
    assert len(statements) == 2


def test_the_class_form_offers_the_regions(
    client, db, make_user, make_cohort, make_region, login_as
):
    from lms.regions.models import RegionMembership

    region = make_region(name="Kabupaten Lamaru", code="7399")
    organizer = make_user()
    cohort = make_cohort(organizers=[organizer])
    # Tying a class to a region is its coordinators' decision.
    db.session.add(RegionMembership(region_id=region.id, user_id=organizer.id, role="coordinator"))
    db.session.commit()
    login_as(organizer)
    path = f"/cohorts/{cohort.id}/edit"
    form = client.get(path).get_data(as_text=True)
    assert "Kabupaten Lamaru (7399)" in form
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
    assert client.post(path, data=data).status_code == 302
    assert db.session.get(Cohort, cohort.id).region_id == region.id
    data["region_id"] = "999999"
    refused = client.post(path, data=data)
    assert "Pilihan ini tidak tersedia." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).region_id == region.id


def test_an_operator_acts_for_their_own_office_only(db, make_user, make_region, give_role):
    from lms.regions.access import region_access
    from lms.regions.permissions import can_act_for_office, can_manage_region

    region = make_region(offices=[("Dinas Kesehatan", "Dinkes"), ("Dinas Pendidikan", "Disdik")])
    own, other = region.offices
    operator = make_user()
    give_role(region, operator, "office_operator", own)
    access = region_access(region, operator)
    assert can_act_for_office(access, own.id)
    assert not can_act_for_office(access, other.id) and not can_manage_region(access)
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    assert can_act_for_office(region_access(region, coordinator), other.id)
