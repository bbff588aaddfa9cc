"""A database made before PPPK people and the profil inovasi's parts upgrades with every draft,
version and marking kept: old drafts move into the six parts, versions keep what they said."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import lms
from lms import migrating
from lms.extensions import db

BEFORE = "c5d2e8a41f07"
AFTER = "a7c3e9d21b54"
NOW = dt.datetime(2023, 9, 5, 2, 0)
OLD_DRAFT = {
    "nama_inovasi": "Si Cepat",
    "permasalahan": "Antrean panjang setiap pagi.",
    "rancang_bangun": "Warga mendaftar lewat pesan singkat.",
    "pokok_perubahan": "Dulu datang subuh, kini datang sesuai jadwal.",
    "metode_pembaharuan": "Jadwal per kelurahan.",
}
OLD_VERSION = {"nama_inovasi": "Si Cepat", "rancang_bangun": "Versi yang dikirim."}


def _filled(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus a plain value for every other column that must not be empty."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        if column.primary_key and isinstance(column.type, sa.Integer):
            continue
        kind = column.type
        if isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.Integer | sa.Numeric | sa.Float):
            row[column.name] = 1
        elif isinstance(kind, sa.DateTime):
            row[column.name] = NOW
        elif isinstance(kind, sa.Date):
            row[column.name] = NOW.date()
        elif isinstance(kind, sa.JSON):
            row[column.name] = {}
        else:
            row[column.name] = "x"
    return row


def _seed(conn: sa.Connection) -> None:
    meta = sa.MetaData()
    meta.reflect(conn)

    def add(table_name: str, /, **values: Any) -> None:
        table = meta.tables[table_name]
        conn.execute(table.insert().values(**_filled(table, values)))

    add(
        "lms_user_account",
        id=1,
        email="ani@example.org",
        nip="198609262015052001",
        full_name="Ani",
        rank="III/b",
        phone="０８１２３４",
        locale="id",
    )
    add(
        "lms_user_account",
        id=2,
        email="widya@example.org",
        nip=None,
        full_name="Widya",
        locale="id",
    )
    add(
        "lms_cohort",
        id=1,
        code="KIT-LAMA",
        name="Kelas lama",
        start_date=dt.date(2023, 9, 5),
        end_date=dt.date(2023, 9, 7),
        state="open",
        locale="id",
        timezone="Asia/Makassar",
    )
    add("lms_course", id=1, slug="proposal", title="Proposal")
    add("lms_rubric", id=1, course_id=1, key="proposal", title="Rubrik", version=1, current=True)
    add("lms_rubric_criterion", id=1, rubric_id=1, key="kebaruan", title="Kebaruan", position=1)
    add(
        "lms_assignment_spec",
        id=1,
        course_id=1,
        key="proposal",
        title="Proposal",
        kind="proposal",
        rubric_key="proposal",
    )
    add("lms_cohort_assignment", id=1, cohort_id=1, spec_id=1)
    add("lms_submission", id=1, assignment_id=1, user_id=1, draft=OLD_DRAFT, state="submitted")
    add(
        "lms_submission_version",
        id=1,
        submission_id=1,
        number=1,
        fields=OLD_VERSION,
        files=[],
        submitted_dt=NOW,
    )
    add(
        "lms_review",
        id=1,
        submission_id=1,
        version_id=1,
        trainer_id=2,
        rubric_id=1,
        kind="marking",
        state="done",
        outcome="grade",
        total=72.5,
        overall_comment="Baik.",
    )
    add("lms_review_score", id=1, review_id=1, criterion_id=1, points=3, comment="Jelas.")


def test_drafts_versions_and_markings_survive_the_profile_migration(empty_database_url, tmp_path):
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path)
    app = lms.create_app(config)
    with app.app_context():
        migrating.upgrade(BEFORE)
        with db.engine.begin() as conn:
            _seed(conn)
        migrating.upgrade(AFTER)
        with db.engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)

            def one(name: str) -> Any:
                return conn.execute(sa.select(meta.tables[name])).mappings().one()

            draft = one("lms_submission")["draft"]
            version = one("lms_submission_version")
            review = one("lms_review")
            score = one("lms_review_score")
            people = {
                r["email"]: r
                for r in conn.execute(sa.select(meta.tables["lms_user_account"])).mappings()
            }
            criterion = one("lms_rubric_criterion")
        migrating.downgrade(BEFORE)
        db.engine.dispose()
    # The draft's old fields are in the six parts, word for word.
    assert "permasalahan" not in draft and "pokok_perubahan" not in draft
    assert draft["latar_belakang"] == OLD_DRAFT["permasalahan"]
    assert draft["cara_kerja"] == OLD_DRAFT["rancang_bangun"]
    assert OLD_DRAFT["metode_pembaharuan"] in draft["metode_pembaharuan"]
    assert OLD_DRAFT["pokok_perubahan"] in draft["metode_pembaharuan"]
    # A submitted version keeps what it said; the marking is untouched.
    assert version["fields"] == OLD_VERSION
    assert (review["total"], review["overall_comment"]) == (72.5, "Baik.")
    assert (score["points"], score["comment"]) == (3, "Jelas.")
    assert (criterion["zero_level"], criterion["parts"]) == (False, [])
    # People: a valid NIP is PNS, no number is non-ASN; digits become ASCII.
    assert people["ani@example.org"]["employment_status"] == "pns"
    assert people["ani@example.org"]["phone"] == "081234"
    assert people["widya@example.org"]["employment_status"] == "non_asn"
