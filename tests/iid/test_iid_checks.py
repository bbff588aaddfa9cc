"""Pre-export checks: each refusal with the message the coordinator reads, on the checks page."""

from __future__ import annotations

from datetime import date

from lms.extensions import db as _db
from lms.iid import checks, operations, queries
from lms.iid.rules import rules_for
from lms.submissions.models import SubmissionFile
from tests.iid.conftest import YEAR, pdf_bytes, store


def _problems(app, world, office_ids=None):
    with app.test_request_context():
        data = queries.year_data(world.region, YEAR, rules_for(YEAR), office_ids=office_ids)
        found = checks.problems(data, queries.hosts())
        return [(p.innovation_name, p.code, p.refused, str(p.message)) for p in found]


def _add(app, world, innovation, code, **values):
    with app.test_request_context():
        operations.add_document(
            world.region,
            YEAR,
            rules_for(YEAR),
            innovation,
            code,
            operations.DocumentInput(**values),
            actor=world.coordinator,
        )
        _db.session.commit()


def test_empty_mandatory_indicators_are_refused(app, world, make_innovation, report):
    innovation = make_innovation("Si Kosong")
    report(innovation, {})
    found = _problems(app, world)
    mandatory = {code for name, code, refused, message in found if "wajib" in message}
    assert mandatory == {"SID-16", "SID-17", "SID-32", "SID-33", "SID-35"}
    assert (
        "Si Kosong",
        "SID-16",
        True,
        "Indikator wajib ini belum diisi: belum ada bukti dukung.",
    ) in found


def test_documents_without_number_or_date_are_refused(app, world, make_innovation, report):
    innovation = make_innovation("Si Surat")
    report(innovation, {})
    _add(
        app,
        world,
        innovation,
        "SID-16",
        kind="decree",
        stored=store(app, pdf_bytes(), {"pdf"}),
        name="sk-tanpa-nomor.pdf",
    )
    _add(
        app,
        world,
        innovation,
        "SID-21",
        kind="pdf",
        stored=store(app, pdf_bytes("RKPD"), {"pdf"}),
        name="rkpd.pdf",
    )
    found = _problems(app, world)
    assert (
        "Si Surat",
        "SID-16",
        True,
        "Dokumen sk-tanpa-nomor.pdf belum mencantumkan nomor surat.",
    ) in found
    assert (
        "Si Surat",
        "SID-16",
        True,
        "Dokumen sk-tanpa-nomor.pdf belum mencantumkan tanggal surat.",
    ) in found
    # A plain PDF kind does not ask for a number.
    assert not [p for p in found if "rkpd.pdf" in p[3]]


def test_video_links_dead_or_unmeasurable(app, world, make_innovation, report):
    innovation = make_innovation("Si Video")
    report(innovation, {})
    for url in (
        "http://youtu.be/abc",
        "https://video.example.org/abc",
        "https://www.youtube.com/watch?v=x",
    ):
        _add(app, world, innovation, "SID-35", kind="video", url=url)
    found = {p[3] for p in _problems(app, world) if p[1] == "SID-35"}
    assert (
        "Tautan video http://youtu.be/abc tidak sah: harus alamat https:// yang lengkap. "
        "Aplikasi tidak membuka tautan; yang diperiksa hanya alamatnya."
    ) in found
    assert any(
        m.startswith("Tautan video https://video.example.org/abc bukan dari layanan yang dikenal")
        and "dianggap mati" in m
        for m in found
    )
    assert (
        "Durasi video dari tautan https://www.youtube.com/watch?v=x tidak dapat diperiksa "
        "aplikasi; pastikan paling lama 5 menit."
    ) in found
    notes = [p for p in _problems(app, world) if "tidak dapat diperiksa" in p[3]]
    assert notes and not notes[0][2]  # a note, not a refusal


def test_a_class_video_over_the_maximum_is_refused(app, db, world, class_world, report):
    report(class_world.innovation, {})
    (item,) = [f for f in class_world.video_version.files if f["role"] == "video"]
    row = db.session.scalar(db.select(SubmissionFile).filter_by(key=item["key"]))
    row.duration = 400.0  # the class allowed longer videos than the index does
    db.session.commit()
    found = _problems(app, world)
    assert (
        "Si Bimtek",
        "SID-35",
        True,
        "Video video-kelas.mp4 berdurasi 6:40 menit, lebih dari batas 5 menit.",
    ) in found


def test_the_two_year_rule_unless_developed_further(
    app, db, client, login_as, world, make_innovation, report
):
    old = make_innovation("Si Lama", tanggal_penerapan="2020-06-15")
    recent = make_innovation("Si Baru", tanggal_penerapan="2021-01-01")
    report(old, {})
    report(recent, {})
    found = [p for p in _problems(app, world) if p[1] is None]
    assert found == [
        (
            "Si Lama",
            None,
            True,
            "Penerapan dimulai 15 Juni 2020, lebih dari 2 tahun sebelum tahun 2023. Inovasi ini "
            "akan ditolak kecuali ditandai dikembangkan lebih lanjut.",
        )
    ]
    login_as(world.op_dinkes)
    page = client.get(f"{world.base}/{YEAR}/checks").get_data(as_text=True)
    assert "Penerapan dimulai 15 Juni 2020" in page
    from tests.helpers import csrf_token

    url = f"{world.base}/{YEAR}/innovations/{old.id}"
    client.post(
        url + "/developed",
        data={"csrf_token": csrf_token(client, url), "developed_further": "y", "lock_version": "1"},
    )
    assert not [p for p in _problems(app, world) if p[1] is None]


def test_an_operator_sees_their_offices_problems_only(
    app, client, login_as, world, make_innovation, report
):
    mine = make_innovation("Si Dinkes")
    theirs = make_innovation("Si Disdik", office=world.disdik)
    report(mine, {})
    report(theirs, {})
    login_as(world.op_dinkes)
    page = client.get(f"{world.base}/{YEAR}/checks").get_data(as_text=True)
    assert "Si Dinkes" in page and "Si Disdik" not in page


def test_the_two_year_limit_is_first_january(app):
    rules = rules_for(YEAR)
    assert checks.too_early(rules, YEAR, date(2020, 12, 31), False)
    assert not checks.too_early(rules, YEAR, date(2021, 1, 1), False)
    assert not checks.too_early(rules, YEAR, date(2020, 12, 31), True)
    assert checks.link_problem("javascript:alert(1)", ("youtube.com",)) == "malformed"
    assert checks.link_problem("https://m.youtube.com/x", ("youtube.com",)) is None
    assert checks.link_problem("https://youtube.com.evil.org/x", ("youtube.com",)) == "host"
