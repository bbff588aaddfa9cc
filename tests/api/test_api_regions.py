"""A region's innovations (coordinators and leaders: all; an office operator: their office's)
and its index score, whose JSON is the one `flask lms iid score --json` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from lms.extensions import db as _db
from lms.innovations.models import Innovation
from lms.regions.models import Office, Region, RegionMembership

YEAR = 2023


@dataclass
class Regions:
    region: Region
    dinkes: Office
    disdik: Office
    people: dict[str, Any]
    innovations: dict[str, Innovation]


@pytest.fixture
def regions(make_user) -> Regions:
    region = Region(code="7391", name="Kabupaten Uji API", kind="kabupaten")
    other = Region(code="7392", name="Kota Lain API", kind="kota")
    dinkes = Office(region=region, name="Dinas Kesehatan", acronym="Dinkes")
    disdik = Office(region=region, name="Dinas Pendidikan", acronym="Disdik")
    _db.session.add_all([region, other, dinkes, disdik])
    _db.session.flush()
    people = {}
    for name, role, office, where in (
        ("coordinator", "coordinator", None, region),
        ("op_dinkes", "office_operator", dinkes, region),
        ("leader", "leader", None, region),
        ("mentor", "mentor", None, region),
        ("other_coordinator", "coordinator", None, other),
    ):
        people[name] = make_user()
        _db.session.add(RegionMembership(region=where, user=people[name], role=role, office=office))
    innovations = {}
    for name, office, stage in (
        ("Si Sehat", dinkes, "penerapan"),
        ("Si Pintar", disdik, "uji_coba"),
    ):
        innovations[name] = Innovation(
            region=region,
            office=office,
            name=name,
            profile={"nama_inovasi": name, "tahapan": stage},
            stage=stage,
            state="draft",
        )
        _db.session.add(innovations[name])
    _db.session.commit()
    return Regions(region, dinkes, disdik, people, innovations)


def test_coordinators_and_leaders_list_every_office_s_innovations(api, regions, make_token):
    for who in ("coordinator", "leader"):
        secret = make_token(regions.people[who], scopes=("read:registry",))
        body = api.get(f"/regions/{regions.region.code}/innovations", secret).get_json()
        assert {i["name"] for i in body["innovations"]} == {"Si Sehat", "Si Pintar"}
        assert body["total"] == 2 and body["page"] == 1


def test_an_office_operator_lists_their_office_s_only(api, regions, make_token):
    secret = make_token(regions.people["op_dinkes"], scopes=("read:registry",))
    body = api.get(f"/regions/{regions.region.code}/innovations", secret).get_json()
    (only,) = body["innovations"]
    assert (only["name"], only["office_name"], only["stage"]) == (
        "Si Sehat",
        "Dinas Kesehatan",
        "penerapan",
    )


def test_filters_of_the_registry_page_apply(api, regions, make_token):
    secret = make_token(regions.people["coordinator"])
    path = f"/regions/{regions.region.code}/innovations"
    assert [
        i["name"] for i in api.get(path + "?stage=uji_coba", secret).get_json()["innovations"]
    ] == ["Si Pintar"]
    assert api.get(path + "?q=sehat", secret).get_json()["total"] == 1
    bad = api.get(path + "?stage=selesai", secret)
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "stage"


def test_other_regions_and_other_roles_are_refused(api, regions, make_token):
    path = f"/regions/{regions.region.code}/innovations"
    for who in ("other_coordinator", "mentor"):
        refused = api.get(path, make_token(regions.people[who]))
        assert refused.status_code == 403, who
        assert refused.get_json()["code"] == "forbidden"
    assert (
        api.get("/regions/0000/innovations", make_token(regions.people["coordinator"])).status_code
        == 404
    )
    no_scope = api.get(path, make_token(regions.people["coordinator"], scopes=("read:index",)))
    assert no_scope.get_json()["code"] == "insufficient_scope"


def _cli(app, code: str, *extra: str) -> dict:
    result = app.test_cli_runner().invoke(
        args=["lms", "iid", "score", code, str(YEAR), "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_index_is_what_the_command_prints(app, api, regions, make_token):
    from lms.iid import operations
    from lms.iid.rules import rules_for

    innovation = regions.innovations["Si Sehat"]
    coordinator = regions.people["coordinator"]
    with app.test_request_context():
        rules = rules_for(YEAR)
        operations.enter(regions.region, YEAR, innovation, actor=coordinator)
        operations.claim(
            regions.region, YEAR, rules, innovation, "SID-16", 3, actor=coordinator, seen_lock=None
        )
        operations.verify(
            regions.region,
            YEAR,
            rules,
            innovation,
            "SID-16",
            2,
            "Bukti kurang.",
            actor=coordinator,
            seen_lock=None,
        )
        _db.session.commit()
    secret = make_token(regions.people["leader"], scopes=("read:index",))
    path = f"/regions/{regions.region.code}/iid/{YEAR}"
    verified = api.get(path, secret)
    assert verified.status_code == 200, verified.get_data(as_text=True)
    assert verified.get_json() == _cli(app, regions.region.code)
    claimed = api.get(path + "?which=claimed", secret).get_json()
    assert claimed == _cli(app, regions.region.code, "--claimed")
    assert set(claimed) == {
        "spd", "sid", "total", "max_total", "index", "predicate", "n", "divisor",
        "region_indicators", "innovations",
    }  # fmt: skip
    assert claimed["n"] == 1 and claimed != verified.get_json()


def test_the_index_is_for_coordinators_and_leaders_of_known_years(api, regions, make_token):
    path = f"/regions/{regions.region.code}/iid/{YEAR}"
    assert api.get(path, make_token(regions.people["op_dinkes"])).status_code == 403
    assert api.get(path, make_token(regions.people["other_coordinator"])).status_code == 403
    unknown = api.get(
        f"/regions/{regions.region.code}/iid/2001", make_token(regions.people["coordinator"])
    )
    assert unknown.status_code == 404
    assert unknown.get_json()["code"] == "index_year_unknown"
