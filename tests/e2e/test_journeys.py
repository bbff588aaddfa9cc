"""One journey per role through real Chromium against the live server with demo data."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the conftest fixture explains; under CI=true it fails instead
    if os.environ.get("CI", "").strip().lower() == "true":
        raise
    pytest.skip("e2e tests need the playwright package", allow_module_level=True)

if TYPE_CHECKING:
    from tests.e2e.conftest import Browsing, LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "kelasinovasi"
KIT = "Kelas Inovasi Tematik 2023 Angkatan I"
KIV = "Klinik Video Inovasi 2024"
# The status line Chromium logs for a page that answers 403 on purpose.
FORBIDDEN_STATUS = r"status of 403"


def login(page: Page, identifier: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email atau NIP", exact=True).fill(identifier)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="Kelas saya")).to_be_visible()


def fits_width(page: Page, width: int = 360) -> None:
    """The page does not scroll sideways at ``width`` (measured once it has its stylesheet:
    after a click the new page may still be loading)."""
    page.wait_for_load_state("load")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px (scrollWidth {scroll})"


def logout(page: Page) -> None:
    page.get_by_role("button", name="Keluar", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("Anda sudah keluar.")).to_be_visible()
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)dashboard$"))


def cohort_card(page: Page, name: str):
    return page.get_by_role("listitem").filter(has=page.get_by_role("link", name=name, exact=True))


def expect_forbidden(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 403, path
    expect(page.get_by_role("heading", name="Akses ditolak")).to_be_visible()


def test_participant_sees_only_own_cohort(browse: Browsing, live_server: LiveServer) -> None:
    browse.allow_console_error(FORBIDDEN_STATUS)
    page = browse.new_page()
    login(page, "peserta1@example.org")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Andi Muh. Rahmat, S.Sos.")
    card = cohort_card(page, KIT)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Peserta")
    expect(card).to_contain_text("KIT-2023-I")
    expect(page.get_by_text(KIV)).to_have_count(0)

    card.get_by_role("link", name=KIT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(KIT)
    expect(page.get_by_text("Peran Anda")).to_contain_text("Peserta")
    # Participants do not get the member list, nor the organizer's buttons.
    expect(page.get_by_role("link", name="Anggota", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Tambah anggota")).to_have_count(0)

    expect_forbidden(page, f"/cohorts/{live_server.cohort_ids['KIV-2024-I']}")
    expect_forbidden(page, f"/cohorts/{live_server.cohort_ids['KIT-2023-I']}/members")
    expect_forbidden(page, "/admin/users")

    page.goto("/dashboard")
    logout(page)


def test_participant_logs_in_with_nip_written_with_spaces(
    browse: Browsing, live_server: LiveServer
) -> None:
    nip = live_server.nips["peserta1@example.org"]
    spaced = f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
    page = browse.new_page()
    login(page, spaced)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Andi Muh. Rahmat, S.Sos.")


def test_participant_of_other_cohort_sees_only_that_cohort(browse: Browsing) -> None:
    page = browse.new_page()
    login(page, "peserta.lain@example.org")
    card = cohort_card(page, KIV)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Peserta")
    expect(page.get_by_text(KIT)).to_have_count(0)
    expect(page.locator("[aria-labelledby=my-cohorts] .cards > li")).to_have_count(1)
    # The finished clinic certified them: their certificate is on the dashboard.
    expect(page.locator("[aria-labelledby=my-certificates] .cards > li")).to_have_count(1)


def test_trainer_sees_both_cohorts_and_reads_members(
    browse: Browsing, live_server: LiveServer
) -> None:
    browse.allow_console_error(FORBIDDEN_STATUS)
    page = browse.new_page()
    login(page, "widyaiswara@example.org")
    for name in (KIT, KIV):
        card = cohort_card(page, name)
        expect(card).to_have_count(1)
        expect(card).to_contain_text("Widyaiswara")

    cohort_card(page, KIT).get_by_role("link", name=KIT).click()
    page.get_by_role("navigation", name="Menu kelas").get_by_role("link", name="Anggota").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anggota {KIT}")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Andi Muh. Rahmat, S.Sos.")
    expect(table).to_contain_text("19860926 201505 1 001")
    expect(table).to_contain_text("Nurfadillah, S.AB.")
    # Read only: no way to add, import, change roles or remove.
    expect(page.get_by_role("link", name="Tambah anggota")).to_have_count(0)
    expect(page.get_by_role("link", name="Impor dari CSV/XLSX")).to_have_count(0)
    expect(page.get_by_role("button", name="Keluarkan")).to_have_count(0)

    page.get_by_role("link", name="Peserta", exact=True).click()
    expect(page).to_have_url(re.compile(r"role=participant"))
    rows = page.get_by_role("table").locator("tbody tr")
    assert rows.count() >= 20
    expect(rows.filter(has_text="Widyaiswara")).to_have_count(0)

    expect_forbidden(page, f"/cohorts/{live_server.cohort_ids['KIT-2023-I']}/members/add")


def test_organizer_adds_participant(browse: Browsing, in_live_app) -> None:
    from lms.accounts.models import User
    from lms.extensions import db

    suffix = uuid.uuid4().hex[:8]
    email = f"e2e.{suffix}@example.org"
    name = f"Peserta Baru {suffix}, S.E."

    page = browse.new_page()
    login(page, "panitia@example.org")
    cohort_card(page, KIT).get_by_role("link", name=KIT).click()
    page.get_by_role("navigation", name="Menu kelas").get_by_role("link", name="Anggota").click()
    page.get_by_role("link", name="Tambah anggota").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tambah anggota ke KIT-2023-I")

    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Nama lengkap dengan gelar").fill(name)
    page.get_by_label("Peran", exact=True).select_option(label="Peserta")
    page.get_by_role("button", name="Tambahkan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Anggota ditambahkan ke KIT-2023-I")
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("Peserta")
    initial_password = row.locator("code").inner_text().strip()
    assert len(initial_password) >= 8

    page.get_by_role("link", name="Ke daftar anggota").click()
    expect(page.get_by_role("table")).to_contain_text(name)

    # The new participant can log in with the initial password and finds the cohort.
    newcomer = browse.new_page()
    login(newcomer, email, initial_password)
    expect(cohort_card(newcomer, KIT)).to_contain_text("Peserta")

    # A wrong NIP: the message sits next to the NIP field and what was typed stays.
    bad_email = f"e2e.nip.{suffix}@example.org"
    page.get_by_role("link", name="Tambah anggota").click()
    page.get_by_label("Email", exact=True).fill(bad_email)
    page.get_by_label("Nama lengkap dengan gelar").fill("Salah Nip, S.T.")
    page.get_by_label("NIP / NI PPPK", exact=True).fill("19860926 201505 1")
    page.get_by_role("button", name="Tambahkan").click()

    nip = page.get_by_label("NIP / NI PPPK", exact=True)
    expect(nip).to_have_attribute("aria-invalid", "true")
    expect(nip).to_have_attribute("aria-describedby", re.compile(r"\bnip-error\b"))
    error = page.locator("#nip-error")
    expect(error).to_have_text("NIP harus 18 angka; yang diisi 15 angka.")
    expect(page.locator(".field", has=nip)).to_contain_text("NIP harus 18 angka")
    expect(nip).to_have_value("19860926 201505 1")
    expect(page.get_by_label("Email", exact=True)).to_have_value(bad_email)
    expect(page.get_by_label("Nama lengkap dengan gelar")).to_have_value("Salah Nip, S.T.")
    stored = in_live_app(lambda: db.session.scalar(db.select(User).filter_by(email=bad_email)))
    assert stored is None, "a failed add must not create the account"


def test_admin_sees_all_cohorts_and_users(browse: Browsing) -> None:
    page = browse.new_page()
    login(page, "admin@example.org")
    expect(page.get_by_role("heading", name="Semua kelas lain (admin)")).to_be_visible()
    expect(page.get_by_role("link", name="Buat kelas baru")).to_be_visible()
    for name in (KIT, KIV):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Pengguna").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengguna")
    expect(page.get_by_role("table")).to_contain_text("peserta.lain@example.org")
    expect(page.get_by_label("Cari nama, email atau NIP")).to_be_visible()


def test_language_switch_is_remembered(browse: Browsing) -> None:
    page = browse.new_page()
    html = page.locator("html")

    # Anonymous visitor on the login page.
    page.goto("/login")
    expect(html).to_have_attribute("lang", "id")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    expect(html).to_have_attribute("lang", "en")
    page.goto("/login")
    expect(html).to_have_attribute("lang", "en")
    page.get_by_role("link", name="ID", exact=True).click()
    expect(html).to_have_attribute("lang", "id")

    # Logged in: switch on one page, the next pages (no ?lang) keep it.
    login(page, "peserta.lain@example.org")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="ID", exact=True)).to_be_visible()
    page.goto("/account/profile")
    expect(html).to_have_attribute("lang", "en")
    page.goto("/dashboard")
    expect(html).to_have_attribute("lang", "en")
    page.get_by_role("link", name="ID", exact=True).click()
    expect(html).to_have_attribute("lang", "id")
    page.goto("/account/profile")
    expect(html).to_have_attribute("lang", "id")
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Kelas saya")).to_be_visible()


def test_participant_dashboard_screens(browse: Browsing, screenshot_dir: Path) -> None:
    page = browse.new_page(viewport={"width": 360, "height": 740})
    login(page, "peserta1@example.org")
    page.screenshot(path=screenshot_dir / "dashboard-360.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"dashboard scrolls sideways at 360 px (scrollWidth {width})"

    # The cohort page a participant opens next fits as well.
    cohort_card(page, KIT).get_by_role("link", name=KIT).click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"cohort page scrolls sideways at 360 px (scrollWidth {width})"

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/dashboard")
    page.screenshot(path=screenshot_dir / "dashboard-1280.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    assert (screenshot_dir / "dashboard-360.png").stat().st_size > 0
    assert (screenshot_dir / "dashboard-1280.png").stat().st_size > 0


def test_login_and_logout_work_without_javascript(browse: Browsing) -> None:
    page = browse.new_page(java_script_enabled=False)
    login(page, "peserta1@example.org")
    expect(cohort_card(page, KIT)).to_contain_text("Peserta")
    logout(page)


def test_organizer_members_page_fits_360(browse: Browsing, live_server: LiveServer) -> None:
    page = browse.new_page(viewport={"width": 360, "height": 740})
    login(page, "panitia@example.org")
    page.goto(f"/cohorts/{live_server.cohort_ids['KIT-2023-I']}/members")
    expect(page.get_by_role("link", name="Tambah anggota")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"members page scrolls sideways at 360 px (scrollWidth {width})"


def test_participant_reads_a_lesson_on_a_phone_and_it_is_marked_done(
    browse: Browsing, screenshot_dir: Path
) -> None:
    page = browse.new_page(viewport={"width": 360, "height": 740})
    login(page, "peserta12@example.org")
    cohort_card(page, KIT).get_by_role("link", name=KIT).click()
    page.get_by_role("link", name="Kebijakan Inovasi Daerah").click()
    expect(page.get_by_text("0 dari 6 materi")).to_be_visible()
    page.locator("ol.lessons a").first.click()
    expect(page.locator("article.lesson h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"lesson scrolls sideways at 360 px (scrollWidth {width})"
    page.screenshot(path=screenshot_dir / "lesson-360.png", full_page=True)

    # A self-check answer opens on request.
    answer = page.locator("details").first
    answer.locator("summary").click()
    expect(answer).to_have_attribute("open", "")

    # Reading to the end marks the lesson done, with no button pressed: the end mark is an
    # image the browser loads lazily, once the reader gets there.
    page.locator(".lesson-end").scroll_into_view_if_needed()
    expect(page.locator("img.end-mark")).to_have_js_property("complete", True)
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Kebijakan Inovasi Daerah").first.click()
    expect(page.get_by_text("1 dari 6 materi")).to_be_visible()

    # The button marks the next one and moves on.
    page.locator("ol.lessons a").nth(1).click()
    page.get_by_role("button", name="Tandai selesai, lanjut").click()
    expect(page.get_by_text("ditandai selesai")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/courses/kebijakan-inovasi-daerah/03-"))


def test_participant_types_the_code_from_the_organizers_screen(
    browse: Browsing, live_server: LiveServer
) -> None:
    organizer = browse.new_page(viewport={"width": 1280, "height": 800})
    login(organizer, "panitia@example.org")
    organizer.goto(f"/cohorts/{live_server.cohort_ids['KIT-2023-I']}/meetings")
    practice = organizer.get_by_role("listitem").filter(has_text="Latihan presensi (demo)")
    practice.get_by_role("link", name="Layar presensi").click()
    count = organizer.locator("#count")
    before = int(count.inner_text())
    code = organizer.locator("#code").inner_text().strip()
    expect(organizer.locator("#qr")).to_be_visible()
    assert organizer.evaluate("document.getElementById('qr').naturalWidth") > 0  # drawn

    phone = browse.new_page(viewport={"width": 360, "height": 740})
    login(phone, "peserta14@example.org")
    phone.goto("/checkin")
    phone.get_by_label("Kode presensi").fill(code)
    phone.get_by_role("button", name="Kirim presensi").click()
    expect(phone.get_by_text("Presensi tercatat")).to_be_visible()

    # The screen's script polls: the count goes up without reloading the page.
    expect(count).to_have_text(str(before + 1), timeout=15_000)


PHONE_PAGES = {
    "panitia@example.org": [
        "/cohorts/{kit}",
        "/cohorts/{kit}/meetings",
        "/cohorts/{kit}/meetings/1",
        "/cohorts/{kit}/meetings/1/marks",
        "/cohorts/{kit}/meetings/1/edit",
        "/cohorts/{kit}/meetings/new",
        "/cohorts/{kit}/attendance",
        "/cohorts/{kit}/excuses",
        "/cohorts/{kit}/members",
        "/cohorts/{kit}/members/import",
        "/cohorts/{kit}/progress",
        "/cohorts/{kit}/courses",
        "/cohorts/{kit}/edit",
        "/cohorts/{kit}/search?q=inovasi",
        "/courses/penulisan-proposal-inovasi",
        "/courses/penulisan-proposal-inovasi/assignments/proposal",
    ],
    "peserta7@example.org": [
        "/cohorts/{kit}/my-attendance",
        "/cohorts/{kit}/meetings/1/excuse",
        "/checkin",
        "/account/calendar",
        "/account/profile",
        "/courses/video-inovasi-sederhana/02-storyboard-dan-naskah",
    ],
}


@pytest.mark.parametrize("account", sorted(PHONE_PAGES))
def test_every_page_fits_a_360_px_phone(
    browse: Browsing, live_server: LiveServer, account: str
) -> None:
    page = browse.new_page(viewport={"width": 360, "height": 740})
    login(page, account)
    kit = live_server.cohort_ids["KIT-2023-I"]
    too_wide = []
    for template in PHONE_PAGES[account]:
        path = template.format(kit=kit)
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide.append(f"{path}: {width} px")
    assert too_wide == [], "pages that scroll sideways at 360 px"
