"""The region's people on a 360 px phone: the office operator files and answers, the
coordinator sends back, verifies, publishes and reads the index, the leader reads, a visitor
finds the innovation in the public catalogue, and a participant registers their graded
proposal. Each step asserts what the person would notice on the page.

The live server is the session's (demo data, CSRF on, production error pages); these
journeys change the demo's SIAP ANTAR draft (Dinkes, registered from peserta1's proposal) and
give peserta19 a released proposal grade of their own, which no other journey touches.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest fixture explains; under CI=true it fails instead
    if os.environ.get("CI", "").strip().lower() == "true":
        raise
    pytest.skip("e2e tests need the playwright package", allow_module_level=True)

from tests.e2e.test_journeys import fits_width, login

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import Browsing, LiveServer

pytestmark = pytest.mark.e2e

REGION = "7399"
REGION_NAME = "Kabupaten Lamaru"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
#: The demo's Dinkes draft, registered from peserta1's graded proposal.
DRAFT = "SIAP ANTAR (Siaga Antar Obat Rutin) bagi lansia dengan penyakit kronis"
DINKES = "Dinas Kesehatan (Dinkes)"
#: A Disdukcapil innovation: the Dinkes operator must not get it.
OTHER_OFFICE = "KTP Kilat Kecamatan"
NOT_FOUND_STATUS = r"status of 404"
FORBIDDEN_STATUS = r"status of 403"
#: What the public catalogue may never show: an email, an 18-digit NIP (spaced or not), a
#: phone number such as (0482) 000-1234 or 0811-2233-4455.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
NIP = re.compile(r"\b\d{8}\s?\d{6}\s?\d\s?\d{3}\b")
PHONE_NUMBER = re.compile(r"\(0\d{2,3}\)\s?\d{3}|\b0\d{2,3}[-\s]?\d{3,4}[-\s]?\d{3,4}\b|\+62")


def innovation_id(live_server: LiveServer, name: str) -> int:
    from lms.extensions import db
    from lms.innovations.models import Innovation

    with live_server.app.app_context():
        return db.session.scalar(db.select(Innovation.id).filter_by(name=name))


def csrf_token(page: Page) -> str:
    """The token of the page's own forms (the logout button has one on every page)."""
    return page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


def flash(page: Page, text: str) -> None:
    expect(page.locator(".flashes")).to_contain_text(text)


def status_badge(page: Page):
    return page.locator("#status-heading")


# --- the office operator, the coordinator and a visitor: one innovation's way -------------


def test_an_office_draft_goes_through_revisions_to_the_public_catalogue(
    browse: Browsing, live_server: LiveServer, screenshot_dir: Path
) -> None:
    browse.allow_console_error(NOT_FOUND_STATUS)
    marker = uuid.uuid4().hex[:6]
    budget = f"Rp12.500.000 dari DPA Dinas Kesehatan 2024 (angka ilustrasi {marker})."
    budget_fixed = f"Rp12.500.000: 60 persen obat, 40 persen transport kader ({marker})."
    note = f"Rinci anggaran per kegiatan ({marker})."
    answer = f"Anggaran sudah dirinci per kegiatan ({marker})."
    summary = f"Kader mengantar obat rutin ke rumah lansia setiap bulan ({marker})."

    # 1. The Dinkes operator sees their office's innovations only.
    operator = browse.new_page(viewport=PHONE)
    login(operator, "opd.dinkes@example.org")
    expect(operator.get_by_role("link", name=REGION_NAME)).to_be_visible()
    operator.goto(f"/regions/{REGION}/innovations")
    expect(operator.get_by_role("heading", level=1)).to_have_text(f"Inovasi daerah · {REGION_NAME}")
    rows = operator.get_by_role("region", name="Daftar inovasi").locator("tbody tr")
    assert rows.count() >= 4
    offices = {rows.nth(i).locator("td").nth(1).inner_text().strip() for i in range(rows.count())}
    assert offices == {"Dinkes"}, f"the Dinkes operator sees other offices: {offices}"
    expect(operator.get_by_role("link", name=OTHER_OFFICE)).to_have_count(0)
    fits_width(operator)

    # 2. Opens the draft, edits a field, submits.
    operator.get_by_role("link", name=DRAFT, exact=True).click()
    expect(operator.get_by_role("heading", level=1)).to_have_text(DRAFT)
    expect(status_badge(operator)).to_contain_text("Draf")
    fits_width(operator)
    draft_url = operator.url
    operator.get_by_role("link", name="Ubah profil").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("Ubah profil inovasi")
    fits_width(operator)
    operator.get_by_label("Anggaran", exact=True).fill(budget)
    operator.get_by_role("button", name="Simpan").click()
    flash(operator, "Perubahan inovasi sudah disimpan.")
    expect(operator.locator("main")).to_contain_text(budget)
    operator.get_by_role("button", name="Ajukan untuk diverifikasi").click()
    flash(operator, "sudah diajukan ke koordinator untuk diverifikasi")
    expect(status_badge(operator)).to_contain_text("Diajukan")
    # Submitted: nothing left to edit or submit for the operator.
    expect(operator.get_by_role("link", name="Ubah profil")).to_have_count(0)
    expect(operator.get_by_role("button", name="Ajukan untuk diverifikasi")).to_have_count(0)

    # 3. Another office's innovation: the 404 page, not the record.
    other = innovation_id(live_server, OTHER_OFFICE)
    response = operator.goto(f"/regions/{REGION}/innovations/{other}")
    assert response is not None and response.status == 404
    expect(operator.get_by_role("heading", level=1)).to_have_text("Tidak ditemukan")
    expect(operator.locator("main")).not_to_contain_text(OTHER_OFFICE)
    response = operator.goto(f"/regions/{REGION}/innovations/{other}/edit")
    assert response is not None and response.status == 404

    # 4. The coordinator asks for revisions with a note on that field.
    coordinator = browse.new_page(viewport=PHONE)
    login(coordinator, "bappeda@example.org")
    coordinator.goto(draft_url)
    expect(status_badge(coordinator)).to_contain_text("Diajukan")
    coordinator.get_by_role("link", name="Minta perbaikan").click()
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Minta perbaikan")
    fits_width(coordinator)
    field = coordinator.locator("details.note-field").filter(
        has=coordinator.locator("summary", has_text=re.compile(r"^Anggaran$"))
    )
    field.locator("summary").click()
    expect(field).to_contain_text(budget)  # the value being commented on is shown
    field.get_by_role("textbox").fill(note)
    coordinator.get_by_role("button", name="Kirim permintaan perbaikan").click()
    flash(coordinator, "Permintaan perbaikan sudah dikirim ke perangkat daerah.")
    expect(status_badge(coordinator)).to_contain_text("Perlu perbaikan")
    notes = coordinator.get_by_role("region", name="Catatan perbaikan")
    expect(notes).to_contain_text(note)
    expect(notes).to_contain_text("Belum dijawab.")

    # 5. The operator finds the note beside the field, answers it and submits again.
    operator.goto(draft_url)
    expect(status_badge(operator)).to_contain_text("Perlu perbaikan")
    expect(operator.get_by_role("region", name="Catatan perbaikan")).to_contain_text(note)
    operator.get_by_role("link", name="Ubah profil").click()
    revision = operator.locator(".revision-note", has_text=note)
    expect(revision).to_be_visible()
    # Beside its field: the note follows the budget field.
    assert operator.evaluate(
        """() => {
          const input = document.querySelector('[name=anggaran]');
          const note = document.querySelector('.revision-note');
          return !!(input.compareDocumentPosition(note) & Node.DOCUMENT_POSITION_FOLLOWING)
            && input.closest('section') === note.closest('section');
        }"""
    ), "the revision note is not in the section of the field it is about"
    revision.get_by_label("Jawaban Anda").fill(answer)
    operator.get_by_label("Anggaran", exact=True).fill(budget_fixed)
    fits_width(operator)
    operator.get_by_role("button", name="Simpan").click()
    flash(operator, "Perubahan inovasi sudah disimpan.")
    operator.get_by_role("button", name="Ajukan untuk diverifikasi").click()
    flash(operator, "Versi 2 sudah diajukan")
    expect(status_badge(operator)).to_contain_text("Diajukan")
    changes = operator.get_by_role("region", name="Yang berubah sejak versi 1")
    expect(changes).to_contain_text("Anggaran")

    # 6. The coordinator reads the answer, verifies and publishes to the catalogue.
    coordinator.goto(draft_url)
    expect(coordinator.get_by_role("region", name="Catatan perbaikan")).to_contain_text(answer)
    coordinator.get_by_label("Catatan verifikasi (boleh kosong)").fill("Anggaran sudah rinci.")
    coordinator.get_by_role("button", name="Verifikasi", exact=True).click()
    flash(coordinator, "Inovasi sudah diverifikasi.")
    expect(status_badge(coordinator)).to_contain_text("Terverifikasi")
    coordinator.get_by_role("link", name="Halaman katalog").click()
    fits_width(coordinator)
    coordinator.get_by_label("Ringkasan").fill(summary)
    coordinator.get_by_label("Faktor pendorong").fill("Kader posyandu lansia yang aktif.")
    coordinator.get_by_label("Tampilkan di katalog publik").check()
    coordinator.get_by_role("button", name="Simpan").click()
    flash(coordinator, "Halaman katalog sudah disimpan dan tampil untuk umum.")
    public_link = coordinator.locator("dl.facts a[href^='/inovasi/']")
    expect(public_link).to_have_count(1)
    public_path = public_link.get_attribute("href")

    # 7. A visitor without login finds it in the catalogue by searching, and opens it.
    visitor = browse.new_page(viewport=PHONE)
    visitor.goto("/inovasi")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Katalog inovasi daerah")
    fits_width(visitor)
    visitor.get_by_label("Cari nama inovasi, perangkat daerah atau daerah").fill("siap antar")
    visitor.get_by_role("button", name="Cari").click()
    expect(visitor).to_have_url(re.compile(r"/inovasi\?q=siap"))
    cards = visitor.locator("ul.cards > li")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(DINKES)
    cards.first.get_by_role("link", name=DRAFT).click()
    expect(visitor).to_have_url(re.compile(re.escape(public_path) + "$"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(DRAFT)
    expect(visitor.locator("main")).to_contain_text(summary)
    expect(visitor.locator("main")).to_contain_text("Kader posyandu lansia yang aktif.")
    # Its stage is Inisiatif: the page does not claim it runs (the proposal's planned dates
    # came along in the profile; they once showed as "diterapkan sejak 8 Januari 2024").
    stage = visitor.locator("dl.facts dt", has_text="Tahapan").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(stage).to_have_text("Inisiatif")
    fits_width(visitor)
    visitor.screenshot(path=screenshot_dir / "catalogue-page-360.png", full_page=True)
    text = visitor.locator("body").inner_text()
    html = visitor.content()
    # The profile's contact (an email and a phone) and the innovator's account stay private.
    assert not EMAIL.search(text), f"an email on the public page: {EMAIL.search(text)}"
    assert not NIP.search(text), f"a NIP on the public page: {NIP.search(text)}"
    assert not PHONE_NUMBER.search(text), f"a phone on the public page: {PHONE_NUMBER.search(text)}"
    for private in ("pkm.bontolemo@example.org", "peserta1@example.org", "000-1234", budget_fixed):
        assert private not in html, f"{private!r} is in the public page's HTML"
    assert live_server.nips["peserta1@example.org"] not in html
    # A search that matches nothing says so.
    visitor.goto("/inovasi?q=tidak-ada-inovasi-seperti-ini")
    expect(visitor.get_by_text("Belum ada inovasi yang cocok.")).to_be_visible()

    # The innovator's class receipt now leads to the public page.
    innovator = browse.new_page(viewport=PHONE)
    login(innovator, "peserta1@example.org")
    innovator.goto(f"/cohorts/{live_server.cohort_ids['KIT-2023-I']}/assignments")
    innovator.get_by_role("link", name=re.compile("^Hasil penilaian")).first.click()
    promoted = innovator.locator("p.promoted")
    expect(promoted).to_contain_text("Terdaftar sebagai inovasi daerah")
    expect(promoted.get_by_role("link", name=DRAFT)).to_have_attribute("href", public_path)


def test_the_coordinator_simulates_the_index_with_and_without_javascript(
    browse: Browsing, screenshot_dir: Path
) -> None:
    score = f"/regions/{REGION}/iid/2023"
    page = browse.new_page(viewport=PHONE)
    login(page, "bappeda@example.org")
    page.goto(score)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Indeks Inovasi Daerah 2023 · {REGION_NAME}"
    )
    fits_width(page)
    page.screenshot(path=screenshot_dir / "iid-score-360.png", full_page=True)
    verified = float(page.locator('[data-cell="verified-index"]').inner_text().strip())
    live = page.locator("#what-if-live")
    expect(live).to_be_hidden()
    level = page.locator("#what-if-form select[data-code]").first
    code = level.get_attribute("data-code")
    name = level.get_attribute("name")
    top = level.locator("option").last.get_attribute("value")
    with page.expect_response(lambda r: r.url.endswith("/what-if.json") and r.ok):
        level.select_option(top)
    expect(live).to_be_visible()
    expect(page.locator('[data-whatif="index"]')).not_to_have_text("")
    shown = page.locator('[data-whatif="index"]').inner_text().strip()
    predicate = page.locator('[data-whatif="predicate"]').inner_text().strip()
    assert float(shown) > verified, (code, shown, verified)
    assert predicate
    page.screenshot(path=screenshot_dir / "iid-score-whatif-360.png")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshot_dir / "iid-score-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    # Nothing was saved.
    page.reload()
    assert float(page.locator('[data-cell="verified-index"]').inner_text()) == verified

    # The same change without JavaScript: the form posts and the page shows the same index.
    plain = browse.new_page(viewport=PHONE, java_script_enabled=False)
    login(plain, "bappeda@example.org")
    plain.goto(score)
    expect(plain.locator("#what-if-live")).to_be_hidden()
    plain.locator(f'#what-if-form select[name="{name}"]').select_option(top)
    plain.get_by_role("button", name="Hitung ulang (tidak disimpan)").click()
    expect(plain.locator("#what-if-live")).to_be_visible()
    expect(plain.locator('[data-whatif="index"]')).to_have_text(shown)
    expect(plain.locator('[data-whatif="predicate"]')).to_have_text(predicate)
    # The chosen level stays chosen.
    expect(plain.locator(f'#what-if-form select[name="{name}"]')).to_have_value(top)
    fits_width(plain)


# --- the leader reads ----------------------------------------------------------------------


def test_the_leader_reads_the_dashboard_and_can_change_nothing(
    browse: Browsing, live_server: LiveServer, screenshot_dir: Path
) -> None:
    browse.allow_console_error(FORBIDDEN_STATUS)
    page = browse.new_page(viewport=PHONE)
    login(page, "pimpinan@example.org")
    page.get_by_role("link", name=REGION_NAME).click()
    expect(page.get_by_text("Peran Anda di sini")).to_contain_text("Pimpinan")
    page.get_by_role("navigation").get_by_role("link", name="Dasbor").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dasbor inovasi · {REGION_NAME}")
    fits_width(page)

    # The numbers are there and agree with the table under the picture.
    running = page.locator('[data-number="running"]')
    expect(running).to_be_visible()
    total = int(running.inner_text())
    assert total >= 12
    for key in ("new", "verified", "stopped", "published", "trained"):
        expect(page.locator(f'[data-number="{key}"]')).to_have_text(re.compile(r"^\d+$"))
    table = page.get_by_role("region", name="Tabel per perangkat daerah")
    assert int(table.locator("tfoot td").last.inner_text()) == total
    # The SVG picture renders: named, drawn with bars, inside the phone's width.
    chart = page.get_by_role("img", name="Inovasi per perangkat daerah dan tahapan")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50, box
    assert box["x"] + box["width"] <= 360, box
    bars = page.locator("svg.bar-chart rect")
    assert bars.count() >= 6
    drawn = bars.evaluate_all("rs => rs.filter(r => r.getBBox().width > 0).length")
    assert drawn >= 6, "the bars have no width"
    # Bar values are the table's row totals (Dinkes first, the largest).
    values = page.locator("svg.bar-chart text.bar-value").all_text_contents()
    row_totals = table.locator("tbody tr td:last-child").all_inner_texts()
    assert sorted(map(int, values)) == sorted(map(int, row_totals))
    page.screenshot(path=screenshot_dir / "dashboard-region-360.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.wait_for_load_state("load")
    page.screenshot(path=screenshot_dir / "dashboard-region-1280.png", full_page=True)
    page.set_viewport_size(PHONE)

    # The registry: reading, but no button to change anything.
    page.goto(f"/regions/{REGION}/innovations")
    expect(page.get_by_role("link", name="Catat inovasi baru")).to_have_count(0)
    submitted = innovation_id(live_server, "Apotek Desa Terpadu")
    page.goto(f"/regions/{REGION}/innovations/{submitted}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apotek Desa Terpadu")
    for link in ("Ubah profil", "Minta perbaikan", "Hentikan (arsipkan)", "Halaman katalog"):
        expect(page.get_by_role("link", name=link)).to_have_count(0)
    for button in ("Ajukan untuk diverifikasi", "Verifikasi", "Unggah", "Tambah inovator"):
        expect(page.get_by_role("button", name=button, exact=True)).to_have_count(0)
    expect(page.get_by_text("Pindah ke tahapan berikutnya")).to_have_count(0)
    forms = page.locator("main form")
    expect(forms).to_have_count(0)

    # A POST anyway (with a valid token) is refused and changes nothing.
    token = csrf_token(page)
    for path in (
        f"/regions/{REGION}/innovations/{submitted}/verify",
        f"/regions/{REGION}/innovations/{submitted}/submit",
        f"/regions/{REGION}/innovations/new",
    ):
        response = page.request.post(path, form={"csrf_token": token, "note": "pimpinan"})
        assert response.status == 403, f"POST {path} as the leader: {response.status}"
    response = page.goto(f"/regions/{REGION}/innovations/{submitted}/edit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    page.goto(f"/regions/{REGION}/innovations/{submitted}")
    expect(status_badge(page)).to_contain_text("Diajukan")


# --- from the class to the registry ---------------------------------------------------------


def _give_a_released_proposal_grade(live_server: LiveServer, email: str) -> None:
    """``email`` submits the demo proposal; the lead trainer marks it and the organizer
    releases the grade, through the same operations as the demo (the grading journey tests
    those pages)."""
    import tomllib
    from pathlib import Path

    import lms
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.demo import GOOD_MARKING
    from lms.extensions import db
    from lms.grading import operations as grading
    from lms.grading.models import Allocation
    from lms.grading.queries import submission as grading_queries
    from lms.grading.scoring import MarkingInput
    from lms.submissions import operations as submissions
    from lms.submissions.fields import PP38_CRITERIA

    def person(address: str) -> User:
        return db.session.scalar(db.select(User).filter_by(email=address))

    with live_server.app.test_request_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code="KIT-2023-I"))
        proposal = next(
            a for a in submissions.ensure_cohort_assignments(cohort) if a.spec.kind == "proposal"
        )
        who, lead = person(email), person("widyaiswara@example.org")
        work = submissions.submission_for(proposal, who)
        if work.latest_number:
            return  # done earlier in this session
        fields = tomllib.loads(
            (Path(lms.__file__).parent / "demo_data" / "proposal.toml").read_text(encoding="utf-8")
        )
        fields["nama_inovasi"] = "Kartu Antrean Posyandu Lansia"
        submissions.save_draft(work, fields)
        submissions.submit(work, self_check={k: True for k, _ in PP38_CRITERIA}, statement=True)
        db.session.add(
            Allocation(
                assignment_id=proposal.id,
                participant_id=who.id,
                trainer_id=lead.id,
                slot=1,
                created_by_id=person("panitia@example.org").id,
            )
        )
        db.session.flush()
        version = grading_queries.latest_version(work)
        rubric = grading_queries.rubric_for(proposal)
        points, comment = GOOD_MARKING
        grading.save_review(
            work,
            version,
            lead,
            MarkingInput(
                points={k: float(v) for k, v in points.items()},
                gates={gate["key"]: True for gate in rubric.gates or []},
                overall_comment=comment,
            ),
            done=True,
            lock_version=0,
        )
        grade = grading_queries.grade_of(version)
        released, _ = grading.release([grade], person("panitia@example.org"))
        assert released == 1
        db.session.commit()


def test_a_participant_registers_their_graded_proposal_as_a_regional_innovation(
    browse: Browsing, live_server: LiveServer
) -> None:
    email = "peserta19@example.org"
    name = "Kartu Antrean Posyandu Lansia"
    _give_a_released_proposal_grade(live_server, email)
    kit = live_server.cohort_ids["KIT-2023-I"]

    page = browse.new_page(viewport=PHONE)
    login(page, email)
    page.goto(f"/cohorts/{kit}/assignments")
    page.get_by_role("link", name=re.compile("^Hasil penilaian")).first.click()
    fits_width(page)
    page.get_by_role("link", name="Daftarkan sebagai inovasi daerah").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftarkan sebagai inovasi daerah")
    expect(page.locator("main")).to_contain_text(name)  # the proposal's fields come along
    fits_width(page)
    office = page.get_by_label("Perangkat daerah", exact=True)
    if not office.input_value() or office.input_value() == "0":
        office.select_option(label=DINKES)
    page.get_by_role("button", name="Daftarkan sebagai inovasi daerah").click()
    flash(page, f"{name} sudah terdaftar sebagai inovasi daerah (draf).")
    # The receipt shows the link now, not the button.
    expect(page.get_by_role("link", name="Daftarkan sebagai inovasi daerah")).to_have_count(0)
    expect(page.locator("p.promoted")).to_contain_text("Terdaftar sebagai inovasi daerah")
    expect(page.locator("p.promoted")).to_contain_text(name)

    # The operator of the office finds it as a draft, with its class.
    operator = browse.new_page(viewport=PHONE)
    login(operator, "opd.dinkes@example.org")
    operator.goto(f"/regions/{REGION}/innovations?q=Kartu+Antrean")
    operator.get_by_role("link", name=name).click()
    expect(status_badge(operator)).to_contain_text("Draf")
    expect(operator.locator("dl.facts")).to_contain_text("Kelas Inovasi Tematik 2023 Angkatan I")
