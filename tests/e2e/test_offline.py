"""Offline check-in and marking in real Chromium: the context goes offline, the page still
opens from the service worker, what was done is queued in IndexedDB, and lands once when the
connection returns; forged slots are refused with the message shown; conflicts of the grid
are shown and resolved; the grid fits 40 people in four phone screens."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

PHONE = {"width": 360, "height": 640}
#: Chromium logs the failed fetches of an offline page (the session probe, the API).
OFFLINE_NOISE = r"net::ERR_INTERNET_DISCONNECTED|Failed to fetch|status of 4\d\d"


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    """A class of its own on the live server: 40 participants, two organizers, a meeting
    under way and one whose check-in opens in three hours."""
    from lms.attendance.models import Meeting
    from lms.extensions import db
    from tests import factories
    from tests.helpers import PASSWORD

    tag = uuid.uuid4().hex[:6]
    with live_server.app.app_context(), factories.cheap_password_hashing():
        people = [
            factories.make_user(
                email=f"luring{n}-{tag}@example.org",
                full_name=f"Peserta Luring {n:02d}, S.Sos.",
                office="Dinas Komunikasi dan Informatika",
            )
            for n in range(1, 41)
        ]
        organizers = [
            factories.make_user(email=f"panitia{n}-{tag}@example.org", full_name=f"Panitia {n}")
            for n in (1, 2)
        ]
        cohort = factories.make_cohort(participants=people, organizers=organizers)
        now_meeting = factories.make_meeting(cohort, title="Pertemuan luring")
        later = factories.make_meeting(
            cohort, starts_in=timedelta(hours=3, minutes=30), title="Pertemuan nanti"
        )
        world = {
            "password": PASSWORD,
            "people": [(p.id, p.email) for p in people],
            "organizers": [(o.id, o.email) for o in organizers],
            "cohort_id": cohort.id,
            "meeting_id": now_meeting.id,
            "later_id": later.id,
        }
        db.session.commit()
        assert db.session.get(Meeting, now_meeting.id) is not None
    return world


def _login(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email atau NIP", exact=True).fill(email)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def _controlled(page: Page) -> None:
    """The service worker runs and controls this page, and has kept what it keeps."""
    page.wait_for_function(
        "() => !!navigator.serviceWorker && !!navigator.serviceWorker.controller"
    )
    page.wait_for_function(
        "() => caches.keys().then(names => names.some(n => n.startsWith('lms-assets-')))"
    )


def _code(live_server: LiveServer, meeting_id: int, when=None) -> str:
    from lms.attendance import codes
    from lms.attendance.models import Meeting
    from lms.extensions import db

    with live_server.app.app_context():
        return codes.current_code(db.session.get(Meeting, meeting_id).secret, when)


def _records(live_server: LiveServer, meeting_id: int, user_id: int | None = None) -> list:
    from lms.attendance.models import AttendanceRecord
    from lms.extensions import db

    with live_server.app.app_context():
        query = db.select(AttendanceRecord).filter_by(meeting_id=meeting_id)
        if user_id is not None:
            query = query.filter_by(user_id=user_id)
        return [
            (r.user_id, r.status, r.note, r.source, r.client_id, r.synced_late, r.version)
            for r in db.session.scalars(query)
        ]


def test_a_scan_made_offline_is_queued_and_lands_once(
    browse: Browsing, live_server: LiveServer, world, screenshot_dir: Path
) -> None:
    browse.allow_console_error(OFFLINE_NOISE)
    page = browse.new_page(viewport=PHONE)
    context = page.context
    user_id, email = world["people"][0]
    _login(page, email, world["password"])
    page.goto("/checkin")
    _controlled(page)

    context.set_offline(True)
    code = _code(live_server, world["meeting_id"])
    page.goto(f"/checkin/{world['meeting_id']}-{code}")  # the QR code, scanned offline
    item = page.locator(".checkin-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(code)  # the code and the phone's time, then the state
    expect(item).to_contain_text("Tersimpan, akan dikirim.")
    expect(page.locator("#checkin-note")).to_contain_text("sedang tidak tersambung")
    expect(page).to_have_url(re.compile(r"/checkin$"))  # a reload does not scan again
    page.screenshot(path=screenshot_dir / "checkin-offline-360.png", full_page=True)
    page.reload()
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Tersimpan, akan dikirim")
    assert _records(live_server, world["meeting_id"], user_id) == []

    context.set_offline(False)  # the "online" event sends the queue
    expect(item).to_contain_text("Presensi tercatat: Hadir", timeout=15_000)
    page.screenshot(path=screenshot_dir / "checkin-synced-360.png", full_page=True)
    ((uid, status, _note, source, client_id, synced_late, _v),) = _records(
        live_server, world["meeting_id"], user_id
    )
    assert (uid, status, source, synced_late) == (user_id, "present", "checkin", False)
    assert client_id

    # Synced twice (a reload, and the same queue sent by hand): still one row.
    page.reload()
    expect(item).to_have_count(1)
    page.evaluate(
        """async () => {
          const items = await window.LMSOffline.all("checkins");
          for (const e of items) { e.state = "queued"; await window.LMSOffline.put("checkins", e); }
        }"""
    )
    page.reload()
    expect(item).to_contain_text("Presensi tercatat: Hadir", timeout=15_000)
    assert len(_records(live_server, world["meeting_id"], user_id)) == 1


def test_forged_slots_are_refused_with_the_message_shown(
    browse: Browsing, live_server: LiveServer, world
) -> None:
    from lms.attendance import codes
    from lms.db import utcnow

    browse.allow_console_error(OFFLINE_NOISE)
    page = browse.new_page(viewport=PHONE)
    user_id, email = world["people"][1]
    _login(page, email, world["password"])
    page.goto("/checkin")
    _controlled(page)
    page.context.set_offline(True)
    page.reload()  # the page opens from the phone's copy

    old = _code(live_server, world["meeting_id"], utcnow() - timedelta(minutes=5))
    later = _code(live_server, world["later_id"])  # shown now, but its window opens later
    for code in (old, later):
        page.get_by_label("Kode presensi").fill(code)
        page.get_by_role("button", name="Kirim presensi").click()
    expect(page.locator(".checkin-item.state-queued")).to_have_count(2)

    # A check-in kept on a phone for 13 hours (queued by hand, with the code of that time).
    claimed = utcnow() - timedelta(hours=13)
    stale = _code(live_server, world["meeting_id"], claimed)
    page.evaluate(
        """([code, meeting, claimed, me]) => {
          const id = crypto.randomUUID();
          return window.LMSOffline.put("checkins", {key: id, client_id: id, user_id: me,
            code: code, meeting_id: meeting, claimed_ms: Date.parse(claimed),
            claimed_at: claimed, state: "queued"});
        }""",
        [stale, world["meeting_id"], claimed.isoformat(), str(user_id)],
    )
    page.context.set_offline(False)
    page.reload()
    refused = page.locator(".checkin-item.state-refused")
    expect(refused).to_have_count(3, timeout=15_000)
    expect(page.locator(".checkin-item", has_text=old)).to_contain_text(
        "tidak berlaku pada waktu yang tercatat"
    )
    expect(page.locator(".checkin-item", has_text=later)).to_contain_text("belum dibuka")
    expect(page.locator(".checkin-item", has_text=stale)).to_contain_text("terlambat dikirim")
    assert _records(live_server, world["meeting_id"], user_id) == []
    assert not codes.matches("x", old)  # (the codes are real HMACs, not placeholders)


def test_without_javascript_the_check_in_page_works_online_as_before(
    browse: Browsing, live_server: LiveServer, world
) -> None:
    page = browse.new_page(viewport=PHONE, java_script_enabled=False)
    user_id, email = world["people"][6]
    _login(page, email, world["password"])
    page.goto("/checkin")
    expect(page.locator("#checkin-app")).to_be_hidden()
    page.get_by_label("Kode presensi").fill(_code(live_server, world["meeting_id"]))
    page.get_by_role("button", name="Kirim presensi").click()
    expect(page.get_by_text("Presensi tercatat: Hadir")).to_be_visible()
    ((_uid, status, _n, source, client_id, _late, _v),) = _records(
        live_server, world["meeting_id"], user_id
    )
    assert (status, source, client_id) == ("present", "checkin", None)


def test_the_grid_works_offline_fits_four_screens_and_shows_conflicts(
    browse: Browsing, live_server: LiveServer, world, screenshot_dir: Path
) -> None:
    from lms.accounts.models import User
    from lms.attendance.models import Meeting
    from lms.attendance.operations import set_mark
    from lms.extensions import db

    browse.allow_console_error(OFFLINE_NOISE)
    page = browse.new_page(viewport=PHONE)
    _organizer_id, email = world["organizers"][0]
    _login(page, email, world["password"])
    url = f"/cohorts/{world['cohort_id']}/meetings/{world['meeting_id']}/marks"
    page.goto(url)  # the first visit: the page copies itself for offline use
    _controlled(page)
    page.wait_for_function("(path) => caches.match(path).then(Boolean)", arg=url)

    page.screenshot(path=screenshot_dir / "grid-online-360.png", full_page=True)
    page.locator(".mark-row").nth(3).scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "grid-screen-360.png")  # one screen, as on a phone
    # 40 people in at most four screens of 640 px, nothing sideways.
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the grid scrolls sideways (scrollWidth {width})"
    assert height <= 4 * PHONE["height"], f"40 people take {height} px (> 4 screens)"
    row_height = page.locator(".mark-row").nth(5).bounding_box()["height"]
    assert row_height <= 56, row_height

    ids = [uid for uid, _e in world["people"]]
    checked_in = ids[0]  # checked in by the first test (ids[6] too, without JS): stay Hadir
    sick, absent, conflict_keep, conflict_take = ids[2], ids[3], ids[4], ids[5]

    marked = len(_records(live_server, world["meeting_id"]))  # checked in by earlier tests
    page.context.set_offline(True)
    page.get_by_role("button", name="Tandai semua Hadir").click()
    expect(page.locator("#grid-status")).to_contain_text("dipilih Hadir")
    for uid, status in (
        (sick, "sick"),
        (absent, "absent"),
        (conflict_keep, "absent"),
        (conflict_take, "excused"),
    ):
        page.locator(f'label[for="status-{uid}-{status}"]').click()  # a tap on the segment
    note_row = page.locator(f"#row-{sick}")
    note_row.locator("summary").click()
    note_row.get_by_label(re.compile("Catatan untuk")).fill("Surat dokter menyusul")
    page.get_by_role("button", name="Simpan kehadiran").click()
    expect(page.locator("#grid-status")).to_contain_text("Tidak tersambung")
    expect(page.locator(".mark-row.row-pending")).to_have_count(40 - marked)

    # Meanwhile another organizer marks two of the same people differently.
    with live_server.app.app_context():
        meeting = db.session.get(Meeting, world["meeting_id"])
        other = db.session.get(User, world["organizers"][1][0])
        set_mark(meeting, db.session.get(User, conflict_keep), "sick", note="Demam", actor=other)
        set_mark(meeting, db.session.get(User, conflict_take), "late", actor=other)
        db.session.commit()

    page.reload()  # offline: the phone's copy, with the queued marks on it
    expect(page.locator(".mark-row.row-pending")).to_have_count(40 - marked)
    expect(page.locator(f"#status-{sick}-sick")).to_be_checked()
    expect(page.locator(f"#note-{sick}")).to_have_value("Surat dokter menyusul")
    page.screenshot(path=screenshot_dir / "grid-offline-360.png", full_page=True)
    assert len(_records(live_server, world["meeting_id"])) == marked + 2

    page.context.set_offline(False)
    expect(page.locator("#grid-status")).to_contain_text("diubah orang lain", timeout=15_000)
    keep = page.locator(f"#row-{conflict_keep}")
    take = page.locator(f"#row-{conflict_take}")
    expect(keep).to_contain_text("Diubah orang lain: sekarang Sakit (Demam). Pilihan Anda: Alpa.")
    expect(take).to_contain_text("sekarang Terlambat. Pilihan Anda: Izin.")
    page.screenshot(path=screenshot_dir / "grid-conflict-360.png", full_page=True)
    rows = {r[0]: r for r in _records(live_server, world["meeting_id"])}
    assert len(rows) == 40
    assert rows[sick][1:3] == ("sick", "Surat dokter menyusul")
    assert rows[absent][1] == "absent"
    if marked:
        assert rows[checked_in][1] == "present" and rows[checked_in][3] == "checkin"
    assert rows[conflict_keep][1:3] == ("sick", "Demam")  # nothing overwritten silently
    assert rows[conflict_take][1] == "late"

    keep.get_by_role("button", name="Pakai pilihan saya").click()
    take.get_by_role("button", name="Pakai data terbaru").click()
    expect(page.locator(".row-sync")).to_have_count(0, timeout=15_000)
    expect(page.locator(f"#status-{conflict_take}-late")).to_be_checked()
    expect(page.locator(".mark-row.row-pending")).to_have_count(0)
    rows = {r[0]: r for r in _records(live_server, world["meeting_id"])}
    assert rows[conflict_keep][1] == "absent"
    assert rows[conflict_take][1] == "late"

    # Reloaded online: what the server holds, nothing left in the phone's queue.
    page.reload()
    expect(page.locator(f"#status-{conflict_keep}-absent")).to_be_checked()
    expect(page.locator(".mark-row.row-pending")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "grid-360.png", full_page=True)


def test_the_offline_states_have_no_serious_accessibility_violation(
    browse: Browsing, live_server: LiveServer, world
) -> None:
    """axe-core on the check-in page holding a queued and a refused check-in, and on the
    grid showing a pending row and a conflict with its two buttons."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    browse.allow_console_error(OFFLINE_NOISE)

    def blocking(page: Page) -> list[str]:
        found = axe.Axe().run(page).response["violations"]
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in found
            if v["impact"] in {"serious", "critical"}
        ]

    page = browse.new_page(viewport=PHONE)
    user_id, email = world["people"][7]
    _login(page, email, world["password"])
    page.goto("/checkin")
    _controlled(page)
    page.evaluate(
        """(me) => Promise.all([
          {key: "a", client_id: "a", user_id: me, code: "AAAAAA", meeting_id: null,
           claimed_ms: Date.now(), claimed_at: new Date().toISOString(), state: "refused",
           detail: "Kode AAAAAA tidak berlaku."},
        ].map(e => window.LMSOffline.put("checkins", e)))""",
        str(user_id),
    )
    page.context.set_offline(True)
    page.get_by_label("Kode presensi").fill("CDEFHJ")
    page.get_by_role("button", name="Kirim presensi").click()
    expect(page.locator(".checkin-item")).to_have_count(2)
    problems = [f"/checkin: {line}" for line in blocking(page)]
    page.context.set_offline(False)

    organizer_id, organizer = world["organizers"][1]
    page = browse.new_page(viewport=PHONE)
    _login(page, organizer, world["password"])
    url = f"/cohorts/{world['cohort_id']}/meetings/{world['meeting_id']}/marks"
    page.goto(url)
    first, second = world["people"][10][0], world["people"][11][0]
    page.evaluate(
        """([meeting, me, first, second]) => Promise.all([
          {key: meeting + ":" + first, meeting: meeting, user_id: first, by: me, status: "sick",
           note: "", expected_version: null, state: "conflict",
           theirs: {status: "absent", note: "Tanpa kabar", version: 1}},
          {key: meeting + ":" + second, meeting: meeting, user_id: second, by: me,
           status: "late", note: "", expected_version: null, state: "draft"},
        ].map(e => window.LMSOffline.put("marks", e)))""",
        [f"{world['cohort_id']}:{world['meeting_id']}", str(organizer_id), first, second],
    )
    page.reload()  # a conflict and a draft are never sent by themselves
    expect(page.get_by_role("button", name="Pakai pilihan saya")).to_be_visible()
    problems += [f"{url}: {line}" for line in blocking(page)]
    assert problems == [], "\n".join(problems)
