"""The score page: the numbers equal `lms iid score --json` for the same region and year,
claimed and verified side by side with last year, the divisor shown, the gap list ranked, what-
if without JavaScript (a post that writes nothing) and through the JSON endpoint, uncertain
items marked, and a fixed number of statements whatever the number of innovations."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from lms.audit import AuditEvent
from lms.extensions import db as _db
from lms.iid import queries
from lms.iid.models import Entry, Evidence
from lms.iid.rules import rules_for
from tests.helpers import counted_queries, csrf_token
from tests.iid.conftest import YEAR

ALL_THREE = dict.fromkeys(("SID-16", "SID-17", "SID-32", "SID-33"), (3, 3))


def _cli(app, world, *extra):
    result = app.test_cli_runner().invoke(
        args=["lms", "iid", "score", world.region.code, str(YEAR), "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _cell(page: str, name: str) -> str:
    match = re.search(rf'data-cell="{name}">(?:<strong>)?([^<]+)<', page)
    assert match, name
    return match.group(1).strip()


def _seed(make_innovation, report, world):
    strong = make_innovation("Si Kuat")
    weak = make_innovation("Si Lemah", office=world.disdik, urusan="pendidikan")
    report(strong, {**ALL_THREE, "SID-35": (3, 2)})
    report(weak, {"SID-16": (2, 1), "SID-35": (1, None)})
    report(None, {"SPD-01": (3, 3), "SPD-02a": (2, 1)})
    return strong, weak


def test_the_page_shows_the_numbers_the_command_prints(
    app, client, login_as, world, make_innovation, report
):
    strong, weak = _seed(make_innovation, report, world)
    verified, claimed = _cli(app, world), _cli(app, world, "--claimed")
    assert set(verified) == {
        "spd", "sid", "total", "max_total", "index", "predicate", "n", "divisor",
        "region_indicators", "innovations",
    }  # fmt: skip
    one = verified["innovations"][0]
    assert set(one) == {"id", "name", "score", "indicators"}
    assert set(one["indicators"][0]) == {"code", "weight", "level", "score"}
    assert {i["name"] for i in verified["innovations"]} == {"Si Kuat", "Si Lemah"}
    kuat = next(i for i in verified["innovations"] if i["name"] == "Si Kuat")
    assert kuat["score"] == 3 * 3 + 2 * 3 + 2 * 3 + 3 * 3 + 4 * 2  # 38 verified
    assert claimed["spd"] == 3 + 2 and verified["spd"] == 3 + 1
    assert (verified["n"], verified["divisor"]) == (2, 10)

    login_as(world.coordinator)
    page = client.get(f"{world.base}/{YEAR}").get_data(as_text=True)
    assert _cell(page, "verified-index") == f"{verified['index']:.2f}"
    assert _cell(page, "claimed-index") == f"{claimed['index']:.2f}"
    assert _cell(page, "verified-predicate") == verified["predicate"]
    assert _cell(page, "claimed-predicate") == claimed["predicate"]
    assert claimed["index"] > verified["index"]
    assert "n = 2" in page and "MAX(10, n) = 10" in page
    assert "Si Kuat" in page and "Si Lemah" in page


def test_the_divisor_grows_past_ten(app, client, login_as, world, make_innovation, report):
    for i in range(12):
        report(make_innovation(f"Inovasi {i:02d}"), {"SID-16": (1, 1)})
    data = _cli(app, world)
    assert (data["n"], data["divisor"]) == (12, 12)
    login_as(world.leader)
    page = client.get(f"{world.base}/{YEAR}").get_data(as_text=True)
    assert "n = 12" in page and "MAX(10, n) = 12" in page


def test_the_gap_list_is_ranked_by_index_points(
    app, client, login_as, world, make_innovation, report
):
    _seed(make_innovation, report, world)
    login_as(world.coordinator)
    page = client.get(f"{world.base}/{YEAR}?gaps=100").get_data(as_text=True)
    gaps = re.findall(r"\+(\d+\.\d\d) poin", page)
    assert gaps and [Decimal(g) for g in gaps] == sorted((Decimal(g) for g in gaps), reverse=True)
    # The video row reads in elements: verified level 2 (3-4) to 5 elements.
    assert re.search(r"video\): 3 unsur → 5 unsur: \+\d+\.\d\d poin", page)
    assert "ketentuan ini belum dapat dipastikan" in page  # the 2023 rows are uncertain


def test_what_if_without_javascript_writes_nothing(
    app, db, client, login_as, world, make_innovation, report
):
    _seed(make_innovation, report, world)
    login_as(world.coordinator)
    url = f"{world.base}/{YEAR}"
    page = client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    selects = re.findall(r'<select[^>]*name="(l_\d+_[A-Z0-9_a-z]+)"', page)
    assert selects
    before = (
        db.session.scalar(db.select(db.func.count(AuditEvent.id))),
        [
            (e.claimed_level, e.verified_level)
            for e in db.session.scalars(db.select(Evidence).order_by(Evidence.id))
        ],
    )
    form = {"csrf_token": token, "which": "verified", **dict.fromkeys(selects, "3")}
    response = client.post(url + "/what-if", data=form)
    assert response.status_code == 200
    result = response.get_data(as_text=True)
    assert "Hasil simulasi" in result and "Simulasi" in result
    verified = _cli(app, world)["index"]
    shown = re.search(r'data-whatif="index">([\d.]+)<', result).group(1)
    assert Decimal(shown) > Decimal(str(verified))
    after = (
        db.session.scalar(db.select(db.func.count(AuditEvent.id))),
        [
            (e.claimed_level, e.verified_level)
            for e in db.session.scalars(db.select(Evidence).order_by(Evidence.id))
        ],
    )
    assert after == before


def test_what_if_json_uses_the_same_formula(app, client, login_as, world, make_innovation, report):
    strong, weak = _seed(make_innovation, report, world)
    login_as(world.coordinator)
    token = csrf_token(client, f"{world.base}/{YEAR}")
    response = client.post(
        f"{world.base}/{YEAR}/what-if.json",
        json={
            "which": "verified",
            "changes": [{"innovation_id": weak.id, "code": "SID-35", "level": 3}],
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    data = response.get_json()
    from lms.iid import scoring

    with app.test_request_context():
        rules = rules_for(YEAR)
        inputs = queries.year_data(world.region, YEAR, rules).inputs()
        expected = scoring.what_if(rules, inputs, {(weak.id, "SID-35"): 3}).as_dict()
    assert data["index"] == expected["index"] and data["total"] == expected["total"]
    bad = client.post(
        f"{world.base}/{YEAR}/what-if.json",
        json={"changes": [{"innovation_id": 999999, "code": "SID-35", "level": 3}]},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 400 and bad.get_json()["error"] == "unknown innovation"


def test_last_years_index_is_a_stored_number(app, client, login_as, world, make_innovation, report):
    report(make_innovation(), {"SID-16": (2, 2)})
    login_as(world.coordinator)
    url = f"{world.base}/{YEAR}"
    form_page = f"{url}/region"
    response = client.post(
        url + "/last-year",
        data={
            "csrf_token": csrf_token(client, form_page),
            "value": "41.27",
            "note": "Kepmendagri 2022",
        },
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "41.27" in page and "Kepmendagri 2022" in page and "Inovatif" in page
    refused = client.post(
        url + "/last-year", data={"csrf_token": csrf_token(client, form_page), "value": "140"}
    )
    assert refused.status_code == 200 and "antara 0 dan 100" in refused.get_data(as_text=True)
    assert "41.27" in client.get(form_page).get_data(as_text=True)  # unchanged


def test_last_year_scored_here_is_computed(
    app, client, login_as, world, make_innovation, report, write_rules
):
    from lms.iid.rules import RULES_DIR

    text = (
        (RULES_DIR / "2023.toml")
        .read_text(encoding="utf-8")
        .replace("year = 2023", "year = 2024", 1)
    )
    path = write_rules(text, "2024.toml")
    app.config["LMS_IID_RULE_PATHS"] = str(path)
    try:
        item = make_innovation()
        report(item, {"SID-16": (3, 3)}, year=2024)
        report(item, {"SID-16": (3, 1)}, year=2025)
        login_as(world.coordinator)
        page = client.get(f"{world.base}/2025").get_data(as_text=True)
        with app.test_request_context():
            last = queries.region_score(world.region, 2024)
        assert "Tahun 2024 (terverifikasi)" in page
        assert f"<td><strong>{last.index:.2f}</strong></td>" in page
    finally:
        app.config["LMS_IID_RULE_PATHS"] = ""


def _statements(app, db, client, world):
    queries.clear_cache()
    with counted_queries(db) as statements:
        assert client.get(f"{world.base}/{YEAR}").status_code == 200
    return len(statements)


def test_the_page_runs_the_same_statements_for_12_and_60_innovations(
    app, db, client, login_as, world, make_innovation, report
):
    def add(count):
        for _ in range(count):
            innovation = make_innovation(f"Inovasi {len(added):03d}")
            added.append(innovation)
            report(innovation, {"SID-16": (2, 1), "SID-35": (3, 3)})

    added: list = []
    add(12)
    login_as(world.coordinator)
    twelve = _statements(app, db, client, world)
    add(48)
    sixty = _statements(app, db, client, world)
    assert twelve == sixty


def test_the_cache_follows_every_change(app, db, client, login_as, world, make_innovation, report):
    item = make_innovation()
    report(item, {"SID-16": (1, 1)})
    app.config["LMS_IID_CACHE_SECONDS"] = 60
    try:
        queries.clear_cache()
        login_as(world.coordinator)
        first = _cell(client.get(f"{world.base}/{YEAR}").get_data(as_text=True), "verified-index")
        with counted_queries(db) as statements:
            client.get(f"{world.base}/{YEAR}")
        report(None, {"SPD-01": (3, 3)})
        second = _cell(client.get(f"{world.base}/{YEAR}").get_data(as_text=True), "verified-index")
        assert Decimal(second) > Decimal(first)
        assert len(statements) < 10  # a cached page reads the fingerprint, not the rows
    finally:
        del app.config["LMS_IID_CACHE_SECONDS"]
        queries.clear_cache()


def test_an_unknown_year_is_404_and_the_command_says_why(app, client, login_as, world):
    login_as(world.coordinator)
    assert client.get(f"{world.base}/2019").status_code == 404
    result = app.test_cli_runner().invoke(
        args=["lms", "iid", "score", world.region.code, "2019", "--json"]
    )
    assert result.exit_code == 1 and "no IID rules for 2019" in result.output
    result = app.test_cli_runner().invoke(args=["lms", "iid", "score", "0000", "2023", "--json"])
    assert result.exit_code == 1 and "no region with code '0000'" in result.output


def test_the_command_without_json_prints_a_summary(app, world, make_innovation, report):
    report(make_innovation("Si Ringkas"), {"SID-16": (3, 3)})
    result = app.test_cli_runner().invoke(
        args=["lms", "iid", "score", world.region.code, str(YEAR)]
    )
    assert result.exit_code == 0
    assert "verified levels" in result.output and "Si Ringkas" in result.output
    assert _db.session.scalar(_db.select(_db.func.count(Entry.id))) == 1
