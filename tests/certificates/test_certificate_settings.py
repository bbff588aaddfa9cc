"""The organizer's certificate settings: rules, numbering, texts, layout and images."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image

from lms.audit import AuditEvent
from lms.certificates.models import CertificatePlan
from lms.cohorts.operations import add_member
from lms.db import utcnow
from lms.submissions import operations as subs
from lms.submissions.models import CohortAssignment
from tests.helpers import ASSIGNMENT_TOML, csrf_token

NOTES_TOML = """
title = "Catatan Refleksi"
kind = "text"
instructions = "Tulis refleksi singkat."
"""


@pytest.fixture
def world(app, db, certificate_world, make_course):
    """The certificate world whose cohort follows a course with a proposal (rubric) and a
    reflection note (no rubric)."""
    w = certificate_world
    w.course = make_course(
        cohorts=[w.cohort], assignments={"proposal": ASSIGNMENT_TOML, "catatan": NOTES_TOML}
    )
    with app.test_request_context():
        rows = subs.ensure_cohort_assignments(w.cohort)
        db.session.commit()
    w.proposal = next(a for a in rows if a.spec.key == "proposal")
    w.notes = next(a for a in rows if a.spec.key == "catatan")
    return w


def _url(w, tail="settings"):
    return f"/cohorts/{w.cohort.id}/certificates/{tail}"


def _lock(html: str) -> str:
    return re.search(r'name="lock" type="hidden" value="(\d+)"', html).group(1)


#: The default qualification scheme as the page shows it (two empty rows after it).
DEFAULT_SCHEME_ROWS = {
    **{
        f"qualifications-{i}-{key}": value
        for i, (label, minimum) in enumerate(
            [("Sangat Memuaskan", "90"), ("Memuaskan", "80"), ("Baik", "70"), ("Cukup", "60")]
        )
        for key, value in (("label", label), ("min", minimum))
    },
    **{f"qualifications-{i}-{key}": "" for i in range(4, 8) for key in ("label", "min")},
}


def _form(client, w, **values):
    """A full, valid settings form as the page shows it, with ``values`` changed."""
    html = client.get(_url(w)).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, _url(w)),
        "lock": _lock(html),
        "kind": "completion",
        "min_attendance": "80",
        "number_pattern": "{seq:03d}/{cohort_code}/{year}",
        "title": "",
        "body": "",
        "sign_place": "",
        "sign_date": "",
        "layout": ["nip", "rank", "position", "office", "jp", "qualification"],
        f"need_{w.proposal.id}": "",
        f"need_{w.notes.id}": "",
        **DEFAULT_SCHEME_ROWS,
        "action": "save",
    }
    data.update(values)
    return data


def _post(client, w, **values):
    return client.post(_url(w), data=_form(client, w, **values))


def _plan(db, w):
    db.session.expire_all()
    return db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=w.cohort.id))


def _events(db, action="certificate.plan"):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def _png(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 80, 60, 255)).save(out, format="PNG")
    return out.getvalue()


def _error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def test_the_page_shows_defaults_and_an_example_number_without_creating_a_plan(world, login_as, db):
    client = login_as(world.organizer)
    response = client.get(_url(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    year = utcnow().year
    assert f"001/{world.cohort.code}/{year}" in html
    for label in (
        '<label for="min_attendance">',
        '<label for="number_pattern">',
        '<label for="title">',
        '<label for="body">',
        '<label for="sign_place">',
        '<label for="sign_date">',
        '<label for="logo">',
        '<label for="signature">',
        f'<label for="need_{world.proposal.id}">Proposal Uji</label>',
        f'<label for="need_{world.notes.id}">Catatan Refleksi</label>',
    ):
        assert label in html, label
    # The default texts, as placeholder and hint.
    assert 'placeholder="SERTIFIKAT"' in html
    assert f"telah mengikuti {world.cohort.name}" in html
    # The signer is edited with the cohort, and shown here.
    assert "Dr. Ir. Kepala Badan, M.Si." in html
    assert f"/cohorts/{world.cohort.id}/edit" in html
    assert _plan(db, world) is None


def test_saving_rules_texts_and_layout_is_audited(world, login_as, db):
    w = world
    client = login_as(w.organizer)
    response = _post(
        client,
        w,
        kind="completion",
        min_attendance="87,5",
        excused_counts="y",
        number_pattern="{seq:03d}/{cohort_code}/{month_roman}/{year}",
        title="SERTIFIKAT PELATIHAN",
        body="telah menyelesaikan kelas inovasi dengan baik.",
        sign_place="Sinjai",
        sign_date="2023-09-08",
        layout=["nip", "jp"],
        required_courses=[str(w.course.id)],
        **{f"need_{w.proposal.id}": "pass", f"need_{w.notes.id}": "submitted"},
    )
    assert response.status_code == 302
    plan = _plan(db, w)
    assert plan.kind == "completion" and plan.min_attendance == 87.5
    # In the page's order: the course's assignments by title.
    assert plan.required_assignments == [
        {"assignment_id": w.notes.id, "need": "submitted"},
        {"assignment_id": w.proposal.id, "need": "pass"},
    ]
    assert plan.required_courses == [w.course.id]
    assert plan.number_pattern == "{seq:03d}/{cohort_code}/{month_roman}/{year}"
    assert (plan.title, plan.sign_place) == ("SERTIFIKAT PELATIHAN", "Sinjai")
    assert plan.sign_date.date() == date(2023, 9, 8)
    assert plan.shows("nip") and plan.shows("jp") and not plan.shows("rank")
    assert w.cohort.excused_counts_as_attended is True

    (event,) = _events(db)
    assert event.actor_id == w.organizer.id and event.cohort_id == w.cohort.id
    assert event.before["min_attendance"] == 80.0 and event.after["min_attendance"] == 87.5
    assert event.after["sign_date"] == "2023-09-08" and event.before["sign_date"] is None
    assert event.after["layout"]["rank"] is False and event.before["layout"]["rank"] is True
    assert "logo_key" not in event.after  # only what changed
    (cohort_event,) = _events(db, "cohort.update")
    assert cohort_event.after == {"excused_counts_as_attended": "True"}

    html = client.get(_url(w)).get_data(as_text=True)
    assert 'value="87,5"' in html and "SERTIFIKAT PELATIHAN" in html
    assert f"001/{w.cohort.code}/" in html

    # Saving the same values again changes nothing and records nothing.
    again = _post(
        client,
        w,
        min_attendance="87,5",
        excused_counts="y",
        number_pattern=plan.number_pattern,
        title=plan.title,
        body=plan.body,
        sign_place="Sinjai",
        sign_date="2023-09-08",
        layout=["nip", "jp"],
        required_courses=[str(w.course.id)],
        **{f"need_{w.proposal.id}": "pass", f"need_{w.notes.id}": "submitted"},
    )
    assert again.status_code == 302
    assert len(_events(db)) == 1 and len(_events(db, "cohort.update")) == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"min_attendance": "120"}, "min_attendance", "antara 0 dan 100 persen"),
        ({"min_attendance": "delapan puluh"}, "min_attendance", "Isi dengan angka"),
        ({"min_attendance": ""}, "min_attendance", "Isi kehadiran minimal"),
        ({"number_pattern": "{seq}/{nama}"}, "number_pattern", "tidak dikenal: {nama}"),
        ({"number_pattern": "{cohort_code}/{year}"}, "number_pattern", "harus memuat {seq}"),
        ({"number_pattern": "{seq:03d/"}, "number_pattern", "Pola nomor tidak valid"),
        ({"sign_date": "8/9/2023"}, "sign_date", "Isi tanggal yang benar"),
        ({"kind": "semua"}, "kind", "Pilih jenis sertifikat"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(
    world, login_as, db, values, field, message
):
    client = login_as(world.organizer)
    response = _post(client, world, title="Judul yang diketik", **values)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in _error_of(html, field)
    assert "Periksa isian yang ditandai." in html
    assert 'value="Judul yang diketik"' in html  # what was typed is kept
    if field in ("min_attendance", "number_pattern"):
        assert f'value="{values[field]}"' in html
    assert f'aria-describedby="{field}-hint {field}-error"' in html or (
        f'aria-describedby="{field}-error"' in html
    )
    assert _plan(db, world) is None and not _events(db)


def test_only_an_assignment_with_a_rubric_can_require_a_pass(world, login_as, db):
    client = login_as(world.organizer)
    html = client.get(_url(world)).get_data(as_text=True)
    assert "Tanpa rubrik: hanya dapat disyaratkan sudah dikumpulkan." in html
    response = _post(client, world, **{f"need_{world.notes.id}": "pass"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "tidak memiliki rubrik" in _error_of(html, f"need_{world.notes.id}")
    assert _plan(db, world) is None
    # An unknown requirement is refused too.
    html = _post(client, world, **{f"need_{world.proposal.id}": "hadir"}).get_data(as_text=True)
    assert "Pilih salah satu syarat" in _error_of(html, f"need_{world.proposal.id}")
    assert _plan(db, world) is None


def test_a_course_the_cohort_does_not_follow_cannot_be_required(world, login_as, db, make_course):
    other = make_course()
    html = _post(login_as(world.organizer), world, required_courses=[str(other.id)]).get_data(
        as_text=True
    )
    assert "diikuti kelas ini" in _error_of(html, "required_courses")
    assert _plan(db, world) is None


def test_the_preview_shows_the_typed_pattern_without_saving(world, login_as, db):
    client = login_as(world.organizer)
    response = _post(client, world, action="preview", number_pattern="SRT-{seq:04d}/{year}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"SRT-0001/{utcnow().year}" in html and "belum disimpan" in html
    assert _plan(db, world) is None
    html = _post(client, world, action="preview", number_pattern="{nama}").get_data(as_text=True)
    assert "{nama}" in _error_of(html, "number_pattern")


def test_logo_and_signature_upload_preview_and_removal(world, login_as, db, app):
    w = world
    client = login_as(w.organizer)
    png = _png()
    response = _post(
        client,
        w,
        logo=(io.BytesIO(png), "logo kabupaten.png"),
        signature=(io.BytesIO(_png((80, 40))), "ttd.png"),
    )
    assert response.status_code == 302
    plan = _plan(db, w)
    assert plan.logo_key.startswith("png/") and plan.signature_key.startswith("png/")
    (event,) = _events(db)
    assert event.before["logo_key"] is None and event.after["logo_key"] == plan.logo_key

    html = client.get(_url(w)).get_data(as_text=True)
    assert f"{_url(w, 'images/logo')}?v=" in html and 'alt="Logo yang dipakai sekarang"' in html
    image = client.get(_url(w, "images/logo"))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == png and image.headers["X-Content-Type-Options"] == "nosniff"

    # Removing the logo keeps the signature.
    assert _post(client, w, remove_logo="y").status_code == 302
    plan = _plan(db, w)
    assert plan.logo_key is None and plan.signature_key
    assert client.get(_url(w, "images/logo")).status_code == 404
    assert client.get(_url(w, "images/signature")).status_code == 200
    assert client.get(_url(w, "images/stempel")).status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ini bukan gambar", "Jenis berkas ini tidak diterima. Yang diterima: PNG, JPG."),
        (b"%PDF-1.4\n" + b"0" * 100, "Jenis berkas ini tidak diterima"),
        (b"\x89PNG\r\n\x1a\n" + b"rusak" * 100, "rusak atau tidak dapat dibaca"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "terlalu besar; batasnya 2 MB"),
    ],
    ids=["text", "pdf", "broken-png", "too-large"],
)
def test_an_image_that_is_refused_saves_nothing(world, login_as, db, content, message):
    client = login_as(world.organizer)
    response = _post(client, world, min_attendance="90", signature=(io.BytesIO(content), "ttd.png"))
    assert response.status_code == 400  # refused: rolled back, shown again
    html = response.get_data(as_text=True)
    assert message in _error_of(html, "signature")
    assert 'value="90"' in html
    assert _plan(db, world) is None and not _events(db)


def test_a_save_over_someone_elses_change_is_refused_and_the_input_kept(world, login_as, db):
    w = world
    client = login_as(w.organizer)
    stale = _form(client, w, min_attendance="75", title="Judul saya")
    # Another organizer saves first.
    assert _post(client, w, min_attendance="90").status_code == 302
    response = client.post(_url(w), data=stale)
    assert response.status_code == 409  # a conflict: nothing overwritten
    html = response.get_data(as_text=True)
    assert "baru saja diubah orang lain" in html
    assert 'value="75"' in html and 'value="Judul saya"' in html
    plan = _plan(db, w)
    assert plan.min_attendance == 90.0 and plan.title == ""
    assert len(_events(db)) == 1
    # The page now carries the current version: saving again is a deliberate overwrite.
    assert _lock(html) == str(plan.lock_version)
    assert client.post(_url(w), data={**stale, "lock": _lock(html)}).status_code == 302
    assert _plan(db, w).min_attendance == 75.0


def test_a_first_plan_saved_meanwhile_is_a_conflict_but_an_untouched_one_is_not(
    world, login_as, db, app
):
    w = world
    client = login_as(w.organizer)
    stale = _form(client, w, min_attendance="75")
    assert stale["lock"] == "0"
    # Issuing creates the plan with the defaults: nothing the form did not show.
    with app.test_request_context():
        from lms.certificates.operations import plan_for

        plan_for(w.cohort)
        db.session.commit()
    assert client.post(_url(w), data=stale).status_code == 302
    assert _plan(db, w).min_attendance == 75.0


def test_a_first_plan_edited_meanwhile_is_a_conflict(world, login_as, db):
    w = world
    client = login_as(w.organizer)
    stale = _form(client, w, min_attendance="75")
    assert _post(client, w, min_attendance="90").status_code == 302
    html = client.post(_url(w), data=stale).get_data(as_text=True)
    assert "baru saja diubah orang lain" in html
    assert _plan(db, w).min_attendance == 90.0


def test_only_organizers_and_admins_reach_the_settings(world, login_as, db, make_user, app):
    w = world
    trainer = make_user(full_name="Widyaiswara Sertifikat")
    with app.test_request_context():
        add_member(w.cohort, email=trainer.email, role="trainer", actor=None)
        db.session.commit()
    for person in (w.people["Ani"], trainer, w.outsider):
        client = login_as(person)
        for tail in ("settings", "images/logo", "eligibility"):
            assert client.get(_url(w, tail)).status_code == 403, (person.full_name, tail)
        token = csrf_token(client, "/dashboard")
        response = client.post(_url(w), data={"csrf_token": token, "min_attendance": "0"})
        assert response.status_code == 403
    admin = make_user(full_name="Admin", is_admin=True)
    assert login_as(admin).get(_url(w)).status_code == 200


def test_the_attendance_kind_keeps_other_rules_but_says_they_are_not_used(world, login_as, db):
    w = world
    client = login_as(w.organizer)
    response = _post(client, w, kind="attendance", **{f"need_{w.proposal.id}": "pass"})
    assert response.status_code == 302
    plan = _plan(db, w)
    assert plan.kind == "attendance"
    assert plan.required_assignments == [{"assignment_id": w.proposal.id, "need": "pass"}]
    html = client.get(_url(w)).get_data(as_text=True)
    assert 'placeholder="SERTIFIKAT KEHADIRAN"' in html
    assert f"telah menghadiri {w.cohort.name}" in html
    assert (
        db.session.scalar(
            db.select(db.func.count(CohortAssignment.id)).filter_by(cohort_id=w.cohort.id)
        )
        == 2
    )
