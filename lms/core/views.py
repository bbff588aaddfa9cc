"""Health check, dashboard, language switch and error pages."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from lms.core import bp, queries
from lms.extensions import db
from lms.i18n import gettext as _
from lms.regions import queries as region_queries
from lms.security import csrf_token, login_required, public


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not reachable" to a load balancer
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("lms.core.dashboard"))
    return redirect(url_for("lms.accounts.login"))


@bp.get("/dashboard")
@login_required
def dashboard():
    board = queries.dashboard_for(current_user)
    return render_template(
        "core/dashboard.html",
        memberships=board.memberships,
        other_cohorts=board.other_cohorts,
        certificates=board.certificates,
        overdue_items=board.overdue_items,
        region_roles=region_queries.roles_of(current_user),
    )


def template_context() -> dict:
    locale = str(get_locale() or "id")
    args = request.args.to_dict() if request else {}

    def lang_url(lang: str) -> str:
        # A page shown after a POST cannot be fetched again with GET: switch on the home page.
        if request.method != "GET" or not request.endpoint:
            return url_for("lms.core.index", lang=lang)
        return url_for(request.endpoint, **(request.view_args or {}), **{**args, "lang": lang})

    # csrf_token: after Flask-WTF's processor, so that LMS pages use the kept token.
    return {"current_locale": locale, "lang_url": lang_url, "csrf_token": csrf_token}


def _error_page(code: int, title: str, message: str):
    return render_template("core/error.html", code=code, title=title, message=message), code


def _forbidden(_e=None):
    return _error_page(
        403, _("Akses ditolak"), _("Anda tidak memiliki hak untuk membuka halaman ini.")
    )


def _not_found(_e=None):
    return _error_page(404, _("Tidak ditemukan"), _("Halaman atau data yang dicari tidak ada."))


def _too_large(_e=None):
    return _error_page(
        413, _("Berkas terlalu besar"), _("Kiriman melebihi batas ukuran yang diizinkan.")
    )


def _too_many(_e=None):
    return _error_page(
        429,
        _("Terlalu banyak percobaan"),
        _("Terlalu banyak percobaan dalam waktu singkat. Tunggu sebentar, lalu coba lagi."),
    )


def _csrf_error(_e=None):
    return _error_page(
        400,
        _("Formulir kedaluwarsa"),
        _("Formulir ini sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."),
    )


def _server_error(e=None):
    """The 500 page, with the request id a participant can report (the traceback is in the
    log under that id, see lms/observability.py)."""
    from lms import observability

    original = getattr(e, "original_exception", None)
    if observability.is_database_unavailable(original):
        # Raised where only the 500 handler sees it (e.g. inside another error handler).
        return observability.database_unavailable_response(original)
    rid = observability.request_id()
    try:
        title = _("Terjadi kesalahan")
        message = _("Maaf, terjadi kesalahan di server. Silakan coba lagi.")
        html = render_template(
            "core/error.html", code=500, title=title, message=message, request_id=rid
        )
    except Exception:  # the page itself failed (database, template): a plain one
        current_app.logger.exception("the error page failed to render request_id=%s", rid)
        html = observability.plain_error_page(
            "Terjadi kesalahan", "Maaf, terjadi kesalahan di server. Silakan coba lagi.", rid
        )
    return html, 500


def register_error_handlers(target) -> None:
    """Handlers for errors raised inside LMS routes (also when mounted in a host app)."""
    target.register_error_handler(403, _forbidden)
    target.register_error_handler(404, _not_found)
    target.register_error_handler(413, _too_large)
    target.register_error_handler(429, _too_many)
    target.register_error_handler(CSRFError, _csrf_error)
    target.register_error_handler(500, _server_error)


def register_app_error_handlers(app) -> None:
    """The standalone app owns every URL, so unmatched ones get our pages too (with the
    template context they need outside any blueprint)."""
    register_error_handlers(app)

    def outside_lms() -> dict:
        # The LMS's own pages get it from the blueprint's processor: not twice a page.
        return {} if request and "lms" in request.blueprints else template_context()

    app.context_processor(outside_lms)
