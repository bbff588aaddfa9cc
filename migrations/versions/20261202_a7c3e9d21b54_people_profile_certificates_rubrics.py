"""PNS, PPPK and non-ASN people; proposal drafts in the profil inovasi's parts; certificate and
list settings; rubric criteria with parts and level 0

Revision ID: a7c3e9d21b54
Revises: c5d2e8a41f07
Create Date: 2026-12-02 16:30:00.000000

- Accounts get a status (``pns``, ``pppk``, ``non_asn``), read from what each row holds
  (``lms.accounts.civil_service.legacy_person``: a valid NIP or a PNS rank is PNS, a number
  valid only as NI PPPK is PPPK, no number is non-ASN; numbers in ASCII digits), and a sex.
  The rank check admits the PPPK golongan I-XVII.
- Proposal drafts move into the six parts of the rancang bangun
  (``lms.submissions.operations.migrated_draft``); submitted versions keep what they said.
- Classes: organizer, signer's rank, the daftar hadir's optional columns. Certificate plans: a
  qualification scheme and a back page. Rubric criteria: the parts they judge, level 0.
"""

import json

import sqlalchemy as sa
from alembic import op

from lms.migrating import foreign_keys_off_on_sqlite

revision = "a7c3e9d21b54"
down_revision = "c5d2e8a41f07"
branch_labels = None
depends_on = None

PNS = (
    "'I/a', 'I/b', 'I/c', 'I/d', 'II/a', 'II/b', 'II/c', 'II/d', 'III/a', 'III/b', 'III/c', "
    "'III/d', 'IV/a', 'IV/b', 'IV/c', 'IV/d', 'IV/e'"
)
PPPK = (
    "'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII', 'XIII', 'XIV', "
    "'XV', 'XVI', 'XVII'"
)
OLD_RANKS = PNS
CHECKS = {
    "nip_digits": "nip IS NULL OR ltrim(nip, '0123456789') = ''",
    "employment_status_known": "employment_status IN ('pns', 'pppk', 'non_asn')",
    "non_asn_without_number": "employment_status <> 'non_asn' OR nip IS NULL",
    "rank_fits_status": (
        f"rank IS NULL OR (employment_status = 'pns' AND rank IN ({PNS}))"
        f" OR (employment_status = 'pppk' AND rank IN ({PPPK}))"
    ),
    "sex_known": "sex IS NULL OR sex IN ('L', 'P')",
}


def _people() -> None:
    from lms.accounts.civil_service import legacy_person

    with op.batch_alter_table("lms_user_account") as batch:
        batch.add_column(sa.Column("employment_status", sa.String(8), nullable=True))
        batch.add_column(sa.Column("sex", sa.String(1), nullable=True))
    conn = op.get_bind()
    users = sa.table(
        "lms_user_account",
        sa.column("id", sa.Integer),
        sa.column("nip", sa.String),
        sa.column("rank", sa.String),
        sa.column("phone", sa.String),
        sa.column("employment_status", sa.String),
    )
    for row in conn.execute(sa.select(users.c.id, users.c.nip, users.c.rank, users.c.phone)).all():
        person = legacy_person(row.nip, row.rank, row.phone)
        conn.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(
                nip=person["nip"],
                phone=person["phone"],
                employment_status=person["employment_status"],
            )
        )
    with op.batch_alter_table("lms_user_account") as batch:
        batch.alter_column("employment_status", existing_type=sa.String(8), nullable=False)
        batch.drop_constraint(batch.f("ck_lms_user_account_rank_known"), type_="check")
        batch.create_check_constraint("rank_known", f"rank IS NULL OR rank IN ({PNS}, {PPPK})")
        for name, condition in CHECKS.items():
            batch.create_check_constraint(name, condition)


def _drafts() -> None:
    from lms.submissions.operations import migrated_draft

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT s.id, s.draft FROM lms_submission s "
            "JOIN lms_cohort_assignment a ON a.id = s.assignment_id "
            "JOIN lms_assignment_spec p ON p.id = a.spec_id "
            "WHERE p.kind = 'proposal'"
        )
    ).all()
    for submission_id, draft in rows:
        fields = json.loads(draft) if isinstance(draft, str) else draft
        if not fields:
            continue
        moved = migrated_draft("proposal", fields)
        if moved != fields:
            conn.execute(
                sa.text("UPDATE lms_submission SET draft = :draft WHERE id = :id"),
                {"draft": json.dumps(moved), "id": submission_id},
            )


def upgrade():
    with foreign_keys_off_on_sqlite(op):
        _people()
        _drafts()
        with op.batch_alter_table("lms_cohort") as batch:
            for name in ("list_position", "list_rank", "list_sex"):
                batch.add_column(
                    sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
                )
            batch.add_column(
                sa.Column("signer_rank", sa.String(20), server_default="", nullable=False)
            )
            batch.add_column(
                sa.Column("organized_by", sa.String(300), server_default="", nullable=False)
            )
        with op.batch_alter_table("lms_certificate_plan") as batch:
            batch.add_column(sa.Column("qualification_scheme", sa.JSON(), nullable=True))
            batch.add_column(
                sa.Column("back_page", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        with op.batch_alter_table("lms_rubric_criterion") as batch:
            batch.add_column(
                sa.Column("zero_level", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            batch.add_column(sa.Column("parts", sa.JSON(), server_default="[]", nullable=False))


def downgrade():
    with foreign_keys_off_on_sqlite(op):
        with op.batch_alter_table("lms_rubric_criterion") as batch:
            batch.drop_column("parts")
            batch.drop_column("zero_level")
        with op.batch_alter_table("lms_certificate_plan") as batch:
            batch.drop_column("back_page")
            batch.drop_column("qualification_scheme")
        with op.batch_alter_table("lms_cohort") as batch:
            for name in ("organized_by", "signer_rank", "list_sex", "list_rank", "list_position"):
                batch.drop_column(name)
        # Drafts stay in the new parts (old code shows the keys it knows; nothing is lost).
        with op.batch_alter_table("lms_user_account") as batch:
            for name in reversed(list(CHECKS)):
                batch.drop_constraint(batch.f(f"ck_lms_user_account_{name}"), type_="check")
            batch.drop_constraint(batch.f("ck_lms_user_account_rank_known"), type_="check")
        # PPPK golongan have no place in the old rank list.
        op.execute(f"UPDATE lms_user_account SET rank = NULL WHERE rank IN ({PPPK})")
        with op.batch_alter_table("lms_user_account") as batch:
            batch.create_check_constraint("rank_known", f"rank IS NULL OR rank IN ({OLD_RANKS})")
            batch.drop_column("sex")
            batch.drop_column("employment_status")
