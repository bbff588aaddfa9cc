"""The offline check-in app and the offline marking grid: the service worker, the web app
manifest, and the small session probe their scripts ask before sending a queue.

The service worker is one script (``lms/static/sw.js``) served at the LMS's root, so that it
may control both ``<root>/checkin`` (the participant's app) and ``<root>/cohorts/`` (the
organizer's grids); each page registers it for its own scope only. This route prepends its
settings (URLs, the asset list, a version made from the bytes of every file it caches), so
any change to one of those files changes the script and the browser installs the new one on
the next visit.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Response, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from lms import STATIC_DIR
from lms.attendance import bp
from lms.db import utcnow
from lms.i18n import gettext as _
from lms.security import public

#: What the service worker keeps for offline use (paths under lms/static), besides the pages.
ASSETS = (
    "style.css",
    "offline-store.js",
    "checkin-app.js",
    "mark-grid.js",
    "favicon.svg",
    "icons/checkin.svg",
    "icons/checkin-192.png",
    "icons/note.svg",
    "icons/note-filled.svg",
)
#: A page the network has not answered within this many milliseconds is shown from the
#: phone's copy (a check-in scanned then is queued; the request may still land, harmlessly).
NETWORK_TIMEOUT_MS = 6000
#: Grid pages kept per phone (the most recently opened).
GRID_PAGES_KEPT = 20


def lms_root() -> str:
    """The path the LMS is served under ("" standalone, "/lms" inside a host app)."""
    return url_for("lms.attendance.checkin")[: -len("/checkin")]


def api_path(path: str) -> str:
    """A path of the JSON API (``/api/v1``, lms.api), built from its contract."""
    return f"{lms_root()}/api/v1{path}"


def checkin_scope() -> str:
    return url_for("lms.attendance.checkin")


def grid_scope() -> str:
    return f"{lms_root()}/cohorts/"


def page_settings(scope: str, **api: str) -> dict[str, str]:
    """What an offline page's script reads from its data attributes."""
    return {
        "sw": url_for("lms.attendance.service_worker"),
        "scope": scope,
        "session": url_for("lms.attendance.offline_session"),
        "rendered_at": utcnow().isoformat(timespec="seconds"),
        **api,
    }


def _settings() -> dict[str, Any]:
    root = lms_root()
    return {
        "checkin": checkin_scope(),
        "grid": "^" + re.escape(root) + r"/cohorts/\d+/meetings/\d+/marks$",
        "logout": url_for("lms.accounts.logout"),
        "assets": [url_for("lms.static", filename=name) for name in ASSETS],
        "timeout": NETWORK_TIMEOUT_MS,
        "gridPages": GRID_PAGES_KEPT,
    }


def _script() -> str:
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    settings = _settings()
    digest = hashlib.sha256(source.encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for name in ASSETS:
        digest.update((STATIC_DIR / name).read_bytes())
    settings["version"] = digest.hexdigest()[:16]
    return f"self.LMS_SW = {json.dumps(settings, sort_keys=True)};\n{source}"


@bp.get("/sw.js")
@public
def service_worker():
    response = Response(_script(), mimetype="text/javascript")
    # Browsers check the script on each visit; never let a proxy answer for it.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/checkin/manifest.webmanifest")
@public
def manifest():
    """The installable check-in app (Android's "Add to Home screen")."""
    icons = [
        {
            "src": url_for("lms.static", filename="icons/checkin.svg"),
            "sizes": "any",
            "type": "image/svg+xml",
        },
        {
            "src": url_for("lms.static", filename="icons/checkin-192.png"),
            "sizes": "192x192",
            "type": "image/png",
        },
        {
            "src": url_for("lms.static", filename="icons/checkin-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "any maskable",
        },
    ]
    body = {
        "name": _("Presensi Kelas Inovasi"),
        "short_name": _("Presensi"),
        "description": _(
            "Presensi pertemuan kelas dengan kode panitia, juga saat tidak tersambung."
        ),
        "start_url": checkin_scope(),
        "scope": checkin_scope(),
        "display": "standalone",
        "background_color": "#f6f8f7",
        "theme_color": "#0b5d4b",
        "icons": icons,
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/checkin/session.json")
@public
def offline_session():
    """Who is logged in, a fresh CSRF token for the API's session-authenticated POSTs (a
    page opened from the phone's copy may carry an old one) and the server's time (the
    scripts correct the phone's clock with it)."""
    body: dict[str, Any] = {"authenticated": False, "now": utcnow().isoformat()}
    if current_user.is_authenticated:
        body.update(authenticated=True, user_id=current_user.id, csrf_token=generate_csrf())
    response = Response(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
