"""Eligibility at the rule edges, issuing with gapless numbers, overrides, revocation."""

from __future__ import annotations

import re

import pytest

from lms.audit import AuditEvent
from lms.certificates import numbering
from lms.certificates import operations as ops
from lms.certificates.models import Certificate
from lms.certificates.queries import evaluate


@pytest.fixture
def ctx(app, certificate_world):
    with app.test_request_context():
        yield certificate_world


def _eligible(ctx) -> dict[str, bool]:
    plan = ops.plan_for(ctx.cohort)
    return {c.user.full_name.split()[0]: c.eligible for c in evaluate(ctx.cohort, plan).candidates}


def test_attendance_rule_edges_and_the_reason_in_words(ctx, db):
    plan = ops.plan_for(ctx.cohort)
    plan.kind = "attendance"
    assert _eligible(ctx) == {"Ani": True, "Budi": True, "Citra": False, "Dedi": False, "Eka": True}
    citra = evaluate(ctx.cohort, plan).of(ctx.people["Citra"].id)
    assert citra.failed[0].detail == "hadir 3 dari 5 pertemuan (60%), minimal 80%"
    assert citra.jp == 9


def test_excused_and_sick_count_when_the_cohort_says_so(ctx, db):
    ctx.cohort.excused_counts_as_attended = True
    assert _eligible(ctx)["Dedi"] is True


def test_a_minimum_of_81_percent_fails_four_of_five(ctx, db):
    ops.plan_for(ctx.cohort).min_attendance = 81
    assert _eligible(ctx)["Budi"] is False


def test_numbers_follow_the_pattern_without_gaps(ctx, db):
    plan = ops.plan_for(ctx.cohort)
    plan.number_pattern = "{seq:03d}/{cohort_code}/{year}"
    issued = ops.issue(
        ctx.cohort, [ctx.people["Ani"].id, ctx.people["Budi"].id], actor=ctx.organizer
    )
    more = ops.issue(ctx.cohort, [ctx.people["Eka"].id], actor=ctx.organizer)
    numbers = [c.number for c in issued + more]
    year = ctx.cohort.end_date.year
    assert numbers == [f"00{i}/{ctx.cohort.code}/{year}" for i in (1, 2, 3)]
    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{12}", c.code) for c in issued + more)
    assert issued[0].jp == 15 and issued[0].snapshot["nip"] == "198001012006041001"


def test_an_ineligible_participant_needs_a_written_override(ctx, db):
    citra = ctx.people["Citra"]
    with pytest.raises(ops.CertificateError) as refused:
        ops.issue(ctx.cohort, [ctx.people["Ani"].id, citra.id], actor=ctx.organizer)
    assert "hadir 3 dari 5 pertemuan" in str(refused.value)
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    (certificate,) = ops.issue(
        ctx.cohort, [citra.id], actor=ctx.organizer, overrides={citra.id: "Tugas dinas resmi."}
    )
    assert certificate.override_reason == "Tugas dinas resmi."
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="certificate.issue"))
    assert event.after["override_reason"] == "Tugas dinas resmi."
    assert "hadir 3 dari 5" in event.after["rules_overridden"][0]


def test_issuing_twice_gives_no_second_certificate(ctx, db):
    ani = ctx.people["Ani"].id
    ops.issue(ctx.cohort, [ani], actor=ctx.organizer)
    assert ops.issue(ctx.cohort, [ani], actor=ctx.organizer) == []


def test_revocation_keeps_the_record_and_reissue_gives_a_new_number(ctx, db):
    (first,) = ops.issue(ctx.cohort, [ctx.people["Ani"].id], actor=ctx.organizer)
    with pytest.raises(ops.CertificateError):
        ops.revoke(first, "  ", actor=ctx.organizer)
    new = ops.reissue(first, "Salah tulis gelar.", actor=ctx.organizer)
    assert first.state == "revoked" and first.revoke_reason == "Salah tulis gelar."
    assert first.replaced_by_id == new.id
    assert new.state == "issued" and new.seq == first.seq + 1 and new.code != first.code


def test_pattern_problems_are_explained(ctx):
    assert numbering.pattern_problem("{seq:03d}/{cohort_code}/{year}") is None
    assert "{seq}" in numbering.pattern_problem("{cohort_code}/{year}")
    assert "{nama}" in numbering.pattern_problem("{seq}/{nama}")
    assert numbering.pattern_problem("{seq:03d/") is not None
    assert numbering.pattern_problem("{seq.__class__}") is not None
