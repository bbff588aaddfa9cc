"""JSON API: ``/api/v1`` described by OpenAPI 3.1, and the personal access tokens of the
profile page. ``bp`` holds the token pages (session and CSRF like every form); ``v1``, nested
in it, the JSON routes (Bearer tokens or the session)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
bp.register_blueprint(v1)
