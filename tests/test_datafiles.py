"""The data files' checks share one shape (lms.datafiles): each `check` command prints a broken
file as `file:line: message` and exits 1, whichever file it is."""

from __future__ import annotations

import pytest

from lms.datafiles import key_line, line_matching, line_of


def _run(app, *args: str):
    result = app.test_cli_runner().invoke(args=["lms", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("command", "name", "text", "line"),
    [
        (("clinic", "check"), "stages.toml", 'deliver = "x"\n\n[[stages]]\nkey = = 1\n', 4),
        (("iid", "check"), "2030.toml", "year = 2030\ntitle = = 1\n", 2),
    ],
)
def test_a_file_that_is_not_toml_is_named_at_its_line(app, tmp_path, command, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, output = _run(app, *command, str(path))
    assert code == 1
    assert f"{path}:{line}: invalid TOML: " in output


@pytest.mark.parametrize("command", [("clinic", "check"), ("iid", "check")])
def test_a_file_that_is_not_utf8_is_named_not_a_traceback(app, tmp_path, command):
    path = tmp_path / "2030.toml"
    path.write_bytes(b'title = "Kab. Lamar\xfc"\n')
    code, output = _run(app, *command, str(path))
    assert code == 1
    assert output.strip() == f"{path}:1: not UTF-8 text"


def test_a_missing_stage_file_is_named(app, tmp_path):
    path = tmp_path / "tidak-ada.toml"
    code, output = _run(app, "clinic", "check", str(path))
    assert code == 1
    assert output.startswith(f"{path}:1: cannot read: ")


def test_lines_are_found_from_a_start_and_default_to_it():
    text = 'title = "A"\n[[stages]]\nkey = "a"\n[[stages]]\nkey = "b"\n'
    assert line_of(text, "key", '"b"') == 5
    assert line_of(text, "tidak ada") == 1
    assert key_line(text, "key", start=4) == 5
    assert key_line(text, "deliver", start=3) == 3
    assert line_matching(text.splitlines(), r"^\[\[stages\]\]", 3) == 4
