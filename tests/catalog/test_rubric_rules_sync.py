"""What a pack rubric says about gates the work decides and about empty parts reaches the
database: a gate's ``check``, a criterion's ``zero_level`` and ``parts``."""

from __future__ import annotations

from lms import COURSES_DIR
from lms.catalog.models import Rubric
from lms.catalog.operations import sync_all
from lms.catalog.packs import band_contradiction, load_pack
from tests.helpers import RUBRIC_TOML, write_pack

GATED = RUBRIC_TOML.replace(
    "pass_mark = 60\n",
    'pass_mark = 60\n\n[[gates]]\nkey = "durasi"\ntitle = "Paling lama 5 menit"\n'
    'check = "max_duration"\n',
).replace(
    "weight = 60\n",
    'weight = 60\nzero_level = true\nparts = ["metode_pembaharuan", "keunggulan"]\n',
)


def _check(app, path):
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(path)])
    return result.exit_code, result.output


def test_sync_stores_zero_level_parts_and_the_gate_check(db, tmp_path):
    sync_all([write_pack(tmp_path, rubrics={"uji": GATED})])
    rubric = db.session.scalar(db.select(Rubric))
    assert rubric.gates == [
        {"key": "durasi", "title": "Paling lama 5 menit", "check": "max_duration"}
    ]
    kebaruan, manfaat = rubric.criteria
    assert (kebaruan.zero_level, kebaruan.parts) == (True, ["metode_pembaharuan", "keunggulan"])
    assert (manfaat.zero_level, manfaat.parts) == (False, [])


def test_a_pack_change_of_parts_makes_the_next_version_of_a_frozen_rubric(db, tmp_path):
    pack = write_pack(tmp_path)
    sync_all([pack])
    first = db.session.scalar(db.select(Rubric))
    first.frozen = True
    write_pack(tmp_path, rubrics={"uji": GATED})
    sync_all([pack])
    old, new = db.session.scalars(db.select(Rubric).order_by(Rubric.version)).all()
    assert (old.current, old.criteria[0].parts) == (False, [])
    assert (new.current, new.criteria[0].parts) == (True, ["metode_pembaharuan", "keunggulan"])


def test_an_unknown_gate_check_is_named(app, tmp_path):
    pack = write_pack(tmp_path, rubrics={"uji": GATED.replace('"max_duration"', '"durasi"')})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    line = next(n for n, t in enumerate(rubric.read_text().splitlines(), 1) if "check" in t)
    assert code == 1
    assert (
        f"{rubric}:{line}: gate 'durasi': check must be one of max_duration, not 'durasi'" in output
    )


def test_the_shipped_video_rubric_gates_on_the_duration():
    pack, problems = load_pack(COURSES_DIR / "video-inovasi-sederhana")
    assert problems == []
    (video,) = pack.rubrics
    assert {"key": "durasi_maksimal", "check": "max_duration"}.items() <= video.gates[0].items()


def test_one_band_rule_for_packs_and_copies():
    assert band_contradiction("Cukup", 55, 60) == "pass"
    assert band_contradiction("Cukup", 60, 60) is None
    assert band_contradiction("Kurang", 60, 60) == "fail"
    assert band_contradiction("Kurang", 0, 60) is None
    assert band_contradiction("Cukup", 0, None) is None
