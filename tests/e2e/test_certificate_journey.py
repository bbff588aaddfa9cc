"""Anyone checks a certificate on a phone: types the code, sees it valid; a revoked one says so."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest fixture explains; under CI=true it fails instead
    if os.environ.get("CI", "").strip().lower() == "true":
        raise
    pytest.skip("e2e tests need the playwright package", allow_module_level=True)

from tests.e2e.test_journeys import fits_width

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import Browsing, LiveServer

pytestmark = pytest.mark.e2e


def _codes(live_server: LiveServer) -> dict[str, str]:
    """state -> a demo certificate code of KIV-2024-I in that state."""
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    with live_server.app.app_context():
        # The index demo issues certificates in KIT-2023-I too: only the video clinic's.
        found = db.session.scalars(
            db.select(Certificate)
            .join(Cohort, Cohort.id == Certificate.cohort_id)
            .where(Cohort.code == "KIV-2024-I")
            .order_by(Certificate.seq)
        )
        codes: dict[str, str] = {}
        for certificate in found:
            codes.setdefault(certificate.state, certificate.code)
        assert set(codes) == {"issued", "revoked"}, codes
        return codes


def test_a_typed_code_is_verified_on_a_phone_without_login(
    browse: Browsing, live_server: LiveServer, screenshot_dir: Path
) -> None:
    codes = _codes(live_server)
    page = browse.new_page(viewport={"width": 360, "height": 740})
    page.goto("/verify")
    typed = codes["issued"].lower()
    page.get_by_role("textbox").fill(f"{typed[:4]}-{typed[4:8]} {typed[8:]}")
    page.get_by_role("button").filter(has_text=re.compile("Periksa|Cek|Verifikasi")).click()
    expect(page).to_have_url(re.compile(rf"/verify/{codes['issued']}$"))
    expect(page.get_by_text("SAH", exact=True)).to_be_visible()
    expect(page.get_by_text("Klinik Video Inovasi 2024").first).to_be_visible()
    fits_width(page)
    page.screenshot(path=screenshot_dir / "verify-360.png", full_page=True)

    page.goto(f"/verify/{codes['revoked']}")
    expect(page.get_by_text("DICABUT", exact=True)).to_be_visible()
    expect(page.get_by_text("Gelar peserta salah tulis").first).to_be_visible()
    fits_width(page)

    browse.allow_console_error(r"/verify/ABCDEFGHJKMN: .*404")  # the not-found page itself
    response = page.goto("/verify/ABCDEFGHJKMN")
    assert response is not None and response.status == 404
    expect(page.get_by_text("Sertifikat tidak ditemukan").first).to_be_visible()
