"""Hostile text in every field the registry stores is shown escaped (or sanitised Markdown) on
every page that shows it; a hostile value for a choice is refused."""

from __future__ import annotations

import io
import re

import pytest

from lms import profile
from lms.innovations.models import Confirmation, Innovation, InnovationFile, Innovator, RevisionNote
from lms.storage import save_upload
from tests.helpers import csrf_token
from tests.innovations.conftest import COMPLETE, page

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
CHOICES = {f.key for f in profile.PROFILE_FIELDS if f.kind in ("choice", "urusan")}


def _clean(text: str, where: str) -> None:
    assert "<script>alert" not in text, where
    assert "<img src=x onerror" not in text, where
    assert "onerror=alert(2)>" not in text.replace("&gt;", ""), where


@pytest.fixture
def hostile(app, db, client, login_as, registry, make_innovation, make_user):
    """A verified, published innovation with hostile text everywhere people can type."""
    registry.dinkes.acronym = HOSTILE[:40]
    innovation = make_innovation(state="verified")
    values = {
        key: (HOSTILE if key not in CHOICES else COMPLETE.get(key, ""))
        for key in profile.PROFILE_KEYS
    }
    values["tanggal_uji_coba"] = "2024-02-01"
    values["tanggal_penerapan"] = ""
    values["urusan"] = HOSTILE  # an old proposal's free text
    innovation.profile = values
    innovation.html = {}
    innovation.name = HOSTILE
    innovation.video_url = 'https://youtu.be/"><img src=x onerror=alert(2)>'
    innovation.replicated_from_url = 'https://jippnas.menpan.go.id/"><script>alert(1)</script>'
    innovation.replicated_from_label = HOSTILE
    innovation.summary = innovation.drivers = innovation.obstacles = HOSTILE
    innovation.prerequisites = HOSTILE
    innovation.archive_reason = HOSTILE
    person = make_user(full_name=HOSTILE)
    db.session.add_all(
        [
            Innovator(innovation=innovation, user=person, role=HOSTILE, show_in_catalogue=True),
            Innovator(innovation=innovation, name=HOSTILE, role=HOSTILE, show_in_catalogue=True),
            RevisionNote(
                innovation=innovation,
                version_number=1,
                field_key="manfaat",
                note=HOSTILE,
                answer=HOSTILE,
            ),
            Confirmation(innovation=innovation, year=2024, status="stopped", note=HOSTILE),
        ]
    )
    with app.test_request_context():
        stored = save_upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=10_000, allowed={"pdf"})
        from lms.innovations import operations

        operations._sync(innovation)  # the stored HTML of the hostile Markdown
    db.session.add(
        InnovationFile(
            innovation=innovation, key=stored.key, name=HOSTILE, size=10, kind="pdf", role="sop"
        )
    )
    innovation.published_dt = innovation.updated_dt
    innovation.slug = f"hostile-{innovation.id}"
    db.session.commit()
    return innovation


def test_every_registry_page_escapes_hostile_text(client, login_as, registry, hostile):
    base = f"/regions/{registry.region.code}/innovations"
    item = f"{base}/{hostile.id}"
    login_as(registry.coordinator)
    for url in (
        base,
        item,
        item + "/versions/1",
        item + "/catalogue",
        item + "/confirm",
        f"/regions/{registry.region.code}/dashboard",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _clean(page(response), url)
    detail = page(client.get(item))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail  # shown as text, not dropped


def test_the_edit_and_revision_pages_escape_hostile_text(client, login_as, registry, hostile, db):
    hostile.state = "revisions_requested"
    hostile.published_dt = None
    hostile.latest_number = 1
    db.session.commit()
    item = f"/regions/{registry.region.code}/innovations/{hostile.id}"
    login_as(registry.op_dinkes)
    edit = page(client.get(item + "/edit"))
    _clean(edit, "edit")
    assert "&lt;script&gt;" in edit  # the free-text affair is kept as a choice, escaped
    hostile.state = "submitted"
    db.session.commit()
    login_as(registry.coordinator)
    _clean(page(client.get(item + "/revisions")), "revisions")


def test_the_catalogue_pages_escape_hostile_text(client, login_as, hostile):
    login_as(None)
    for url in ("/inovasi", f"/inovasi?q={HOSTILE}", f"/inovasi/{hostile.slug}"):
        response = client.get(url)
        assert response.status_code == 200, url
        _clean(page(response), url)


def test_hostile_values_typed_into_the_form_are_stored_as_text(
    client, login_as, registry, make_innovation, db
):
    innovation = make_innovation()
    url = f"/regions/{registry.region.code}/innovations/{innovation.id}/edit"
    login_as(registry.op_dinkes)
    html = page(client.get(url))
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    data = {
        **COMPLETE,
        "csrf_token": csrf_token(client, url),
        "lock_version": lock,
        "office": str(registry.dinkes.id),
        "replicated_from": "0",
        "replicated_from_label": HOSTILE,
    }
    for key in profile.PROFILE_KEYS:
        if key not in CHOICES and key not in ("tanggal_uji_coba", "tanggal_penerapan"):
            data[key] = HOSTILE
    # A hostile choice is refused, and nothing is saved.
    response = client.post(url, data={**data, "bentuk": HOSTILE})
    assert response.status_code == 200
    _clean(page(response), "refused choice")
    db.session.expire_all()
    assert db.session.get(Innovation, innovation.id).profile["manfaat"] == COMPLETE["manfaat"]
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Innovation, innovation.id)
    assert saved.profile["manfaat"] == HOSTILE
    assert "<script" not in saved.html["manfaat"]  # sanitised when saved
    _clean(page(client.get(url.removesuffix("/edit"))), "detail after save")
