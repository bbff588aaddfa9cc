"""Free-text offices linked to offices: suggestions, the coordinator's matching page, and
member imports of a class with a region."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.regions.matching import suggest, text_key
from tests.helpers import csrf_token


@dataclass
class _Office:
    id: int
    name: str
    acronym: str


OFFICES = [
    _Office(1, "Dinas Kesehatan", "Dinkes"),
    _Office(2, "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
    _Office(3, "Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR"),
    _Office(4, "Kecamatan Lamaru Utara", ""),
    _Office(5, "Dinas Pertanian", "Distan"),
]


def test_suggestions_name_then_acronym_then_similar_text():
    assert text_key("  Dinas  P.U.P.R. ") == "dinas pupr"
    exact = suggest("dinas kesehatan", OFFICES)
    assert exact.office_id == 1 and exact.exact
    assert suggest("DINKES", OFFICES).office_id == 1
    assert suggest("Dinas PUPR", OFFICES).office_id == 3  # the acronym inside the text
    similar = suggest("Dinas Dukcapil", OFFICES)
    assert similar.office_id == 2 and not similar.exact
    assert suggest("Kecamatan Lamaru Utra", OFFICES).office_id == 4
    assert suggest("SMP Negeri 1", OFFICES) is None
    assert suggest("Dinas Perikanan", OFFICES) is None  # one letter off, another office
    assert suggest("Kecamatan Sinjai Utara", OFFICES) is None
    assert suggest("", OFFICES) is None


def _region_with_people(make_user, make_cohort, make_region, give_role):
    region = make_region(
        offices=[
            ("Dinas Kesehatan", "Dinkes"),
            ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
        ]
    )
    people = [
        make_user(office="Dinas Kesehatan"),
        make_user(office="dinas  kesehatan"),
        make_user(office="Dinas Dukcapil"),
        make_user(office="<script>alert(1)</script>"),
    ]
    make_cohort(participants=people[:3], region_id=region.id)
    give_role(region, people[3], "mentor")
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    return region, people, coordinator


def _offices_of(db, people) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(User, p.id).office_id for p in people]


def test_the_matching_page_lists_every_text_with_a_suggestion(
    client, db, make_user, make_cohort, make_region, give_role, login_as
):
    region, people, coordinator = _region_with_people(
        make_user, make_cohort, make_region, give_role
    )
    outsider = make_user(office="Dinas Sosial")  # of no class or role of the region
    login_as(coordinator)
    html = client.get(f"/regions/{region.code}/offices/match").get_data(as_text=True)
    assert "Dinas Kesehatan" in html and "juga ditulis" in html  # two spellings, one row
    assert "Dinas Dukcapil" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert outsider.office not in html
    rows = re.findall(r'<select[^>]*name="(rows-\d+-office_id)".*?</select>', html, re.S)
    assert len(rows) == 3  # one per text: Dinas Kesehatan (both spellings), Dukcapil, script
    dinkes, dukcapil = region.offices[0], region.offices[1]
    selected = re.findall(r'<option selected value="(\d+)"', html)
    assert sorted(selected) == sorted([str(dinkes.id), str(dukcapil.id)])


def test_confirming_links_everyone_with_that_text_and_is_audited(
    client, db, make_user, make_cohort, make_region, give_role, login_as
):
    region, people, coordinator = _region_with_people(
        make_user, make_cohort, make_region, give_role
    )
    same_text_elsewhere = make_user(office="Dinas Kesehatan")  # not one of the region's people
    login_as(coordinator)
    path = f"/regions/{region.code}/offices/match"
    html = client.get(path).get_data(as_text=True)
    keys = re.findall(r'name="(rows-\d+-key)"[^>]*value="([^"]*)"', html)
    assert len(keys) == 3
    data = {"csrf_token": csrf_token(client, path)}
    dinkes = region.offices[0].id
    disdukcapil = next(o.id for o in region.offices if o.acronym == "Disdukcapil")
    for name, key in keys:
        data[name] = key
        office = {"dinas kesehatan": dinkes, "dinas dukcapil": disdukcapil}.get(key, "")
        data[name.replace("-key", "-office_id")] = str(office)
    done = client.post(path, data=data, follow_redirects=True)
    assert "Unit kerja 3 orang sudah ditautkan" in done.get_data(as_text=True)
    assert _offices_of(db, people) == [dinkes, dinkes, disdukcapil, None]
    assert _offices_of(db, [same_text_elsewhere]) == [None]
    events = db.session.scalars(db.select(AuditEvent).filter_by(action="user.office_link")).all()
    assert sorted(sorted(e.after["user_ids"]) for e in events) == sorted(
        [sorted([people[0].id, people[1].id]), [people[2].id]]
    )
    assert all(e.actor_id == coordinator.id for e in events)
    # Saving the same choices again changes nothing.
    again = client.post(path, data=data, follow_redirects=True)
    assert "Tidak ada yang berubah." in again.get_data(as_text=True)


def test_a_choice_the_page_did_not_offer_writes_nothing(
    client, db, make_user, make_cohort, make_region, give_role, login_as
):
    region, people, coordinator = _region_with_people(
        make_user, make_cohort, make_region, give_role
    )
    other = make_region(offices=[("Dinas Lain", "Dinla")])
    login_as(coordinator)
    path = f"/regions/{region.code}/offices/match"
    data = {
        "csrf_token": csrf_token(client, path),
        "rows-0-key": "dinas kesehatan",
        "rows-0-office_id": str(region.offices[0].id),
        "rows-1-key": "dinas dukcapil",
        "rows-1-office_id": str(other.offices[0].id),
    }
    page = client.post(path, data=data)
    assert "Pilihan ini tidak tersedia." in page.get_data(as_text=True)
    assert _offices_of(db, people) == [None, None, None, None]


def test_a_member_import_links_offices_by_name_or_acronym_when_the_class_has_a_region(
    client, db, make_user, make_cohort, make_region, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    organizer = make_user()
    cohort = make_cohort(organizers=[organizer], region_id=region.id)
    login_as(organizer)
    content = (
        b"nama;email;unit kerja;peran\n"
        b"Andi;andi@example.org;DINKES;peserta\n"
        b"Budi;budi@example.org;dinas kesehatan;peserta\n"
        b"Cici;cici@example.org;Dinas Sosial;peserta\n"
    )
    path = f"/cohorts/{cohort.id}/members/import"
    preview = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), "a.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    action = re.search(r'action="(/cohorts/\d+/members/import/[0-9a-f]+)"', preview).group(1)
    client.post(action, data={"csrf_token": csrf_token(client, "/dashboard")})
    linked = dict(
        db.session.execute(
            db.select(User.email, User.office_id).where(User.email.like("%i@example.org"))
        ).all()
    )
    office = region.offices[0].id
    assert linked == {
        "andi@example.org": office,
        "budi@example.org": office,
        "cici@example.org": None,
    }


def test_a_member_import_of_a_class_without_region_links_nothing(
    client, db, make_user, make_cohort, make_region, login_as
):
    make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    organizer = make_user()
    cohort = make_cohort(organizers=[organizer])
    login_as(organizer)
    content = b"nama;email;unit kerja;peran\nAndi;andi@example.org;Dinkes;peserta\n"
    path = f"/cohorts/{cohort.id}/members/import"
    preview = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), "a.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    action = re.search(r'action="(/cohorts/\d+/members/import/[0-9a-f]+)"', preview).group(1)
    client.post(action, data={"csrf_token": csrf_token(client, "/dashboard")})
    andi = db.session.scalar(db.select(User).filter_by(email="andi@example.org"))
    assert andi is not None and andi.office_id is None
