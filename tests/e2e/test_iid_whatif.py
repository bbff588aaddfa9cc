"""The IID score page in a real browser: the what-if levels update the index live through the
JSON endpoint (strict CSP, the script a file), and the same form works without JavaScript."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "kelasinovasi"
SCORE = "/regions/7399/iid/2023"


def _login(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email atau NIP", exact=True).fill(email)
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.locator("form:has(input[name=identifier]) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/dashboard"))


def test_what_if_follows_each_change(browse):
    page = browse.new_page(viewport={"width": 360, "height": 800})
    _login(page, "bappeda@example.org")
    page.goto(SCORE)
    verified = page.locator('[data-cell="verified-index"]').inner_text().strip()
    live = page.locator("#what-if-live")
    assert live.is_hidden()
    first = page.locator("#what-if-form select[data-code]").first
    top = first.locator("option").last.get_attribute("value")
    with page.expect_response(lambda r: r.url.endswith("/what-if.json") and r.ok):
        first.select_option(top)
    page.wait_for_function("document.querySelector('[data-whatif=index]').textContent !== ''")
    assert live.is_visible()
    shown = float(page.locator('[data-whatif="index"]').inner_text())
    assert shown > float(verified)
    # Nothing was saved: the page still shows the verified index it had.
    page.reload()
    assert page.locator('[data-cell="verified-index"]').inner_text().strip() == verified


def test_what_if_without_javascript(browse):
    page = browse.new_page(java_script_enabled=False)
    _login(page, "bappeda@example.org")
    page.goto(SCORE)
    first = page.locator("#what-if-form select[data-code]").first
    first.select_option(first.locator("option").last.get_attribute("value"))
    page.get_by_role("button", name="Hitung ulang (tidak disimpan)").click()
    assert page.locator("#what-if-live").is_visible()
    assert page.get_by_role("columnheader", name="Simulasi", exact=True).is_visible()
