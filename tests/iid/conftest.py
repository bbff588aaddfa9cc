"""Fixtures of the IID tests: a rule file written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.iid.rule_files import MINI


@pytest.fixture
def write_rules(tmp_path: Path):
    """``write_rules(text, name="2030.toml")`` -> the path of a rule file in tmp_path."""

    def write(text: str = MINI, name: str = "2030.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
