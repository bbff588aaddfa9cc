"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import event

PASSWORD = "rahasia-123"


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (what a browser would send back)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@contextmanager
def counted_queries(db) -> Iterator[list[str]]:
    """The SQL statements run inside the block (on the test session's connection)."""
    statements: list[str] = []
    connection = db.session.connection()

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


RUBRIC_TOML = """
title = "Rubrik Uji"
pass_mark = 60

[[bands]]
label = "Baik"
min = 70

[[bands]]
label = "Kurang"
min = 0

[[criteria]]
key = "kebaruan"
title = "Kebaruan"
weight = 60

  [[criteria.levels]]
  points = 1
  title = "Kurang"
  descriptor = "Tidak ada unsur baru."

  [[criteria.levels]]
  points = 2
  title = "Baik"
  descriptor = "Ada unsur baru yang jelas."

[[criteria]]
key = "manfaat"
title = "Manfaat"
weight = 40

  [[criteria.levels]]
  points = 1
  title = "Kurang"
  descriptor = "Manfaat tidak jelas."

  [[criteria.levels]]
  points = 2
  title = "Baik"
  descriptor = "Manfaat terukur."
"""

ASSIGNMENT_TOML = """
title = "Proposal Uji"
kind = "proposal"
instructions = "Tulis **proposal**."
rubric = "uji"
required_fields = ["nama_inovasi"]

[min_words]
rancang_bangun = 300
"""

#: The six parts of a proposal's rancang bangun (each required on *Kirim*).
RANCANG_BANGUN_PARTS = (
    "latar_belakang",
    "dasar_hukum",
    "isu_strategis",
    "metode_pembaharuan",
    "keunggulan",
    "cara_kerja",
)


def valid_proposal(**changes: str) -> dict[str, str]:
    """Proposal fields that pass *Kirim* for ``ASSIGNMENT_TOML``: a name and the six parts of
    the rancang bangun, 300 words together."""
    part = " ".join(["kata"] * 50)
    return {"nama_inovasi": "Si Cepat", **dict.fromkeys(RANCANG_BANGUN_PARTS, part), **changes}


def write_pack(
    root,
    slug: str = "kursus-uji",
    lessons: dict[str, str] | None = None,
    *,
    rubrics: dict[str, str] | None = None,
    assignments: dict[str, str] | None = None,
    extra: str = "",
):
    """A course pack folder under ``root``; returns its path."""
    from pathlib import Path

    lessons = (
        lessons
        if lessons is not None
        else {
            f"materi-{i}": f"# Materi {i}\n\nIsi materi {i} tentang inovasi daerah.\n"
            for i in (1, 2, 3)
        }
    )
    rubrics = rubrics if rubrics is not None else {"uji": RUBRIC_TOML}
    assignments = assignments if assignments is not None else {"proposal": ASSIGNMENT_TOML}
    pack = Path(root) / slug
    (pack / "lessons").mkdir(parents=True, exist_ok=True)
    for lesson_slug, body in lessons.items():
        (pack / "lessons" / f"{lesson_slug}.md").write_text(body, encoding="utf-8")
    for folder, files in (("rubrics", rubrics), ("assignments", assignments)):
        (pack / folder).mkdir(exist_ok=True)
        for key, text in files.items():
            (pack / folder / f"{key}.toml").write_text(text, encoding="utf-8")
    listed = ", ".join(f'"{s}"' for s in lessons)
    (pack / "course.toml").write_text(
        f'title = "Kursus Uji {slug}"\nversion = "1.0"\njp = 4\n'
        f'objectives = ["Peserta mampu menguji."]\n'
        f"lessons = [{listed}]\n"
        f"rubrics = [{', '.join(repr(k).replace(chr(39), chr(34)) for k in rubrics)}]\n"
        f"assignments = [{', '.join(repr(k).replace(chr(39), chr(34)) for k in assignments)}]\n"
        + extra,
        encoding="utf-8",
    )
    return pack
