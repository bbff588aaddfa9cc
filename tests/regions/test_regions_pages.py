"""The region pages as people see them: escaped text, who sees which buttons, fixed query
counts, the matching page's filter and pages."""

from __future__ import annotations

from lms.regions.models import Office
from tests.helpers import counted_queries, csrf_token

HOSTILE = '<script>alert("x")</script>'


def test_hostile_region_fields_are_shown_as_text(client, db, make_user, login_as):
    login_as(make_user(is_admin=True))
    path = "/admin/regions/new"
    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "code": "7399",
            "name": HOSTILE,
            "kind": "kabupaten",
            "province": HOSTILE,
            "parent_id": "",
            "timezone": "Asia/Makassar",
            "agency_name": HOSTILE,
        },
    )
    for page in ("/admin/regions", "/regions/7399", "/dashboard"):
        html = client.get(page).get_data(as_text=True)
        assert "<script>alert" not in html, page
    detail = client.get("/regions/7399").get_data(as_text=True)
    assert detail.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 2


def test_a_bad_region_code_gets_a_clear_message(client, db, make_user, login_as):
    login_as(make_user(is_admin=True))
    path = "/admin/regions/new"
    page = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "code": "73 99/<x>",
            "name": "Kabupaten Uji",
            "kind": "kabupaten",
            "timezone": "Asia/Makassar",
        },
    ).get_data(as_text=True)
    assert "Kode hanya boleh huruf, angka, titik dan tanda hubung." in page
    assert client.get("/admin/regions").get_data(as_text=True).count("Kabupaten Uji") == 0


def test_operators_see_the_offices_without_managing_them(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    operator = make_user()
    give_role(region, operator, "office_operator", region.offices[0])
    login_as(operator)
    html = client.get(f"/regions/{region.code}/offices").get_data(as_text=True)
    assert "Dinas Kesehatan" in html
    assert "Tambah perangkat daerah" not in html and "Nonaktifkan" not in html
    assert "Orang dan peran" not in html
    assert client.get(f"/regions/{region.code}/people").status_code == 403


def _office_queries(client, db, region, count: int) -> int:
    stored = len(region.offices)
    for n in range(stored, count):
        db.session.add(
            Office(region=region, name=f"Puskesmas {n}", kind="puskesmas", parent=region.offices[0])
        )
    db.session.commit()
    with counted_queries(db) as statements:
        assert client.get(f"/regions/{region.code}/offices").status_code == 200
    return len(statements)


def test_the_office_list_takes_the_same_queries_for_10_and_200_offices(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)
    assert _office_queries(client, db, region, 10) == _office_queries(client, db, region, 200)


def test_the_people_list_takes_the_same_queries_for_few_and_many_roles(
    client, db, make_user, make_region, give_role, login_as
):
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)

    def count() -> int:
        with counted_queries(db) as statements:
            client.get(f"/regions/{region.code}/people")
        return len(statements)

    give_role(region, make_user(), "office_operator", region.offices[0])
    few = count()
    for _n in range(20):
        give_role(region, make_user(), "mentor")
    assert count() == few


def test_the_matching_page_shows_texts_to_link_in_pages(
    client, db, make_user, make_cohort, make_region, give_role, login_as, monkeypatch
):
    from lms.regions.views import matching

    monkeypatch.setattr(matching, "PAGE_SIZE", 2)
    region = make_region(offices=[("Dinas Kesehatan", "Dinkes")])
    people = [make_user(office=text) for text in ("Dinkes", "Unit A", "Unit B", "Unit C")]
    people[0].office_id = region.offices[0].id
    db.session.commit()
    make_cohort(participants=people, region_id=region.id)
    coordinator = make_user()
    give_role(region, coordinator, "coordinator")
    login_as(coordinator)
    path = f"/regions/{region.code}/offices/match"
    first = client.get(path).get_data(as_text=True)
    assert "Unit A" in first and "Unit B" in first and "Unit C" not in first
    assert "Dinkes</td>" not in first  # already linked: only under "Semua"
    assert "Halaman 1 dari 2" in first
    second = client.get(f"{path}?page=2").get_data(as_text=True)
    assert "Unit C" in second and "Unit A" not in second
    everything = client.get(f"{path}?all=1").get_data(as_text=True)
    assert "Dinkes" in everything and "Halaman 1 dari 2" in everything
