"""Qualification schemes are data: the shipped default.toml, more files from
LMS_QUALIFICATION_PATHS, the check command's ``file:line: message`` for each problem, and a
class's own scheme started from a named one on the settings page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.certificates import qualification as q
from lms.certificates.models import CertificatePlan
from tests.helpers import csrf_token

GOOD = """\
title = { id = "Tiga tingkat", en = "Three levels" }
source = { id = "Peraturan Bupati Contoh No. 1/2025", en = "Regent regulation No. 1/2025" }

[[band]]
label = { id = "Istimewa", en = "Excellent" }
min = 85.5

[[band]]
label = { id = "Baik", en = "Good" }
min = 70

[[band]]
label = { id = "Cukup", en = "Fair" }
min = 55
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def extra(app, monkeypatch, tmp_path):
    """A folder named by LMS_QUALIFICATION_PATHS for this test."""
    monkeypatch.setitem(app.config, "LMS_QUALIFICATION_PATHS", str(tmp_path))
    return tmp_path


def test_the_shipped_default_is_the_four_levels_and_says_it_is_no_regulation():
    scheme, problems = q.load_scheme(q.SCHEMES_DIR / "default.toml")
    assert problems == [] and scheme.name == "default" and scheme.origin == "shipped"
    assert [(b.label, b.min) for b in scheme.bands("id")] == [
        ("Sangat Memuaskan", 90.0),
        ("Memuaskan", 80.0),
        ("Baik", 70.0),
        ("Cukup", 60.0),
    ]
    assert [b.label for b in scheme.bands("en")] == [
        "Very Satisfactory",
        "Satisfactory",
        "Good",
        "Fair",
    ]
    assert "bukan peraturan" in scheme.source_in("id")
    assert "not a regulation" in scheme.source_in("en")
    # A class without a scheme of its own gets it.
    assert q.bands(None) == scheme.bands("id")


def test_the_default_ships_in_the_package():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]
    assert "schemes/*.toml" in data["lms.certificates"]


def test_more_schemes_come_from_the_setting_and_a_default_there_replaces_the_shipped(app, extra):
    _write(extra, "bupati-2025.toml", GOOD)
    with app.app_context():
        schemes = q.known_schemes()
        assert list(schemes) == ["default", "bupati-2025"]
        assert schemes["bupati-2025"].origin == "LMS_QUALIFICATION_PATHS"
        assert schemes["default"].origin == "shipped"
        _write(extra, "default.toml", GOOD)
        assert [b.label for b in q.bands(None)] == ["Istimewa", "Baik", "Cukup"]
        assert q.bands(None, "en")[0].label == "Excellent"


def test_a_broken_file_is_skipped_and_the_default_stays(app, extra, caplog):
    _write(extra, "default.toml", GOOD.replace("min = 70", "min = 90"))
    with app.app_context():
        assert [b.label for b in q.bands(None)][0] == "Sangat Memuaskan"
        assert q.known_schemes()["default"].origin == "shipped"
    assert "skipped" in caplog.text


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = _write(tmp_path, "skema.toml", text)
    scheme, problems = q.load_scheme(path)
    assert scheme is None
    return [str(p).replace(f"{path}:", "") for p in problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'label = { id = "Baik", en = "Good" }',
            'label = { id = "", en = "Good" }',
            "9: band 2: label.id is missing or empty",
        ),
        (
            'label = { id = "Baik", en = "Good" }',
            'label = { id = "Baik" }',
            "9: band 2: label.en is missing or empty",
        ),
        (
            'label = { id = "Cukup", en = "Fair" }',
            'label = { id = "baik", en = "Fair" }',
            "13: band 3: label.id 'baik' is band 2's label too",
        ),
        (
            'label = { id = "Cukup", en = "Fair" }',
            'label = { id = "Cukup", en = "Good" }',
            "13: band 3: label.en 'Good' is band 2's label too",
        ),
        (
            'label = { id = "Cukup", en = "Fair" }',
            'label = "Cukup"',
            '13: band 3: label must be a table { id = "…", en = "…" }',
        ),
        (
            'label = { id = "Cukup", en = "Fair" }',
            'label = { id = "Cukup", en = "Fair", fr = "Passable" }',
            "13: band 3: label.fr: unknown language (use id, en)",
        ),
        (
            'label = { id = "Istimewa", en = "Excellent" }',
            'label = { id = "' + "I" * 81 + '", en = "Excellent" }',
            "5: band 1: label.id is longer than 80 characters",
        ),
        (
            "min = 70",
            "min = 90",
            "10: band 2: min 90 must be lower than band 1's (85.5): bands go from the highest "
            "minimum down, without overlaps",
        ),
        (
            "min = 55",
            "min = 70",
            "14: band 3: min 70 must be lower than band 2's (70): bands go from the highest "
            "minimum down, without overlaps",
        ),
        ("min = 55", "min = 101", "14: band 3: min 101 is outside 0–100"),
        ("min = 55", "min = -1", "14: band 3: min -1 is outside 0–100"),
        ("min = 85.5", "min = 85.55", "6: band 1: min 85.55 has more than one decimal"),
        ("min = 55", 'min = "55"', "14: band 3: min must be a number"),
        ("min = 55", "", "12: band 3: min is missing"),
        ("min = 55", "minimum = 55", "14: band 3: minimum: unknown key"),
        (
            'title = { id = "Tiga tingkat", en = "Three levels" }',
            'title = { id = "Tiga tingkat", en = " " }',
            "1: title.en is missing or empty",
        ),
        (
            'source = { id = "Peraturan Bupati Contoh No. 1/2025", en = "Regent regulation No. '
            '1/2025" }',
            "",
            "1: source is missing: say where the scheme comes from, in id and en (a "
            "regulation, or that it is a default and not a regulation)",
        ),
        ("[[band]]", "[[bands]]", "1: bands: unknown key"),
        ("min = 70", "min = 70\n[[band", "invalid TOML"),
    ],
)
def test_each_problem_names_its_line(tmp_path, old, new, expected):
    assert old in GOOD
    found = _problems(tmp_path, GOOD.replace(old, new, 1))
    assert any(
        p == expected or (expected == "invalid TOML" and "invalid TOML" in p) for p in found
    ), found


def test_a_file_without_bands_and_one_with_too_many(tmp_path):
    head = GOOD.split("[[band]]")[0]
    assert _problems(tmp_path, head)[-1] == (
        "1: no band: add [[band]] tables, each with label and min"
    )
    many = head + "".join(
        f'[[band]]\nlabel = {{ id = "T{n}", en = "L{n}" }}\nmin = {90 - n}\n' for n in range(9)
    )
    assert "more than 8 bands" in _problems(tmp_path, many)[0]


def test_not_utf8(tmp_path):
    path = tmp_path / "skema.toml"
    path.write_bytes(b"title = '\xff'\n")
    assert [str(p) for p in q.load_scheme(path)[1]] == [f"{path}:1: not UTF-8 text"]


# --- the check command ---------------------------------------------------------------------


def test_check_schemes_reports_file_line_message_and_fails(app, tmp_path):
    bad = _write(tmp_path, "rusak.toml", GOOD.replace("min = 55", "min = 120"))
    good = _write(tmp_path, "baik.toml", GOOD)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "certificates", "check-schemes", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"{bad}:14: band 3: min 120 is outside 0–100"]
    result = runner.invoke(args=["lms", "certificates", "check-schemes", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{good}: OK (baik: Istimewa ≥ 85.5, Baik ≥ 70, Cukup ≥ 55)" in result.output
    result = runner.invoke(args=["lms", "certificates", "check-schemes", str(good)])
    assert result.exit_code == 0


def test_check_schemes_without_a_path_checks_the_known_ones(app, extra):
    _write(extra, "bupati-2025.toml", GOOD)
    result = app.test_cli_runner().invoke(args=["lms", "certificates", "check-schemes"])
    assert result.exit_code == 0, result.output
    assert "default.toml: OK (default: Sangat Memuaskan ≥ 90" in result.output
    assert "bupati-2025.toml: OK" in result.output
    empty = app.test_cli_runner().invoke(
        args=["lms", "certificates", "check-schemes", str(extra / "nothing-here")]
    )
    assert empty.exit_code != 0 and "no scheme file found" in empty.output


# --- the settings page ---------------------------------------------------------------------


def _settings(w) -> str:
    return f"/cohorts/{w.cohort.id}/certificates/settings"


def test_a_class_starts_its_scheme_from_a_named_one_without_saving(
    app, certificate_world, login_as, db, extra
):
    w = certificate_world
    _write(extra, "bupati-2025.toml", GOOD)
    client = login_as(w.organizer)
    html = client.get(_settings(w)).get_data(as_text=True)
    assert '<label for="scheme">Mulai dari skema</label>' in html
    assert '<option selected value="default">Bawaan: empat tingkat' in html
    assert '<option value="bupati-2025">Tiga tingkat</option>' in html
    assert "Peraturan Bupati Contoh No. 1/2025" in html  # where each scheme comes from
    lock = re.search(r'name="lock" type="hidden" value="(\d+)"', html).group(1)
    data = {
        "csrf_token": csrf_token(client, _settings(w)),
        "lock": lock,
        "kind": "completion",
        "min_attendance": "75",  # typed, not saved: still shown
        "number_pattern": "{seq:03d}/{cohort_code}/{year}",
        "qualifications-0-label": "Diketik",
        "qualifications-0-min": "50",
        "scheme": "bupati-2025",
        "action": "scheme",
    }
    response = client.post(_settings(w), data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Baris kualifikasi diisi dari skema “Tiga tingkat”" in html
    assert 'name="qualifications-0-label" type="text" value="Istimewa"' in html
    assert re.search(r'name="qualifications-0-min" type="text" value="85,5"', html)
    assert 'name="qualifications-2-label" type="text" value="Cukup"' in html
    assert 'name="qualifications-3-label" type="text" value=""' in html
    assert "Diketik" not in html and 'value="75"' in html
    assert db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=w.cohort.id)) is None


def test_an_unknown_scheme_is_refused_next_to_its_field(certificate_world, login_as, db):
    w = certificate_world
    client = login_as(w.organizer)
    data = {
        "csrf_token": csrf_token(client, _settings(w)),
        "lock": "0",
        "scheme": "tidak-ada",
        "action": "scheme",
    }
    html = client.post(_settings(w), data=data).get_data(as_text=True)
    assert "Pilih skema dari daftar." in html
    assert db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=w.cohort.id)) is None
