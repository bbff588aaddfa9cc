"""The class menu of every class page, kept rendered (lms.fragments) by the class, the
viewer's role there, the language and the script root: all that its links and words depend
on. Ten links of url_for and _() on every class page cost more than a lookup."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from lms import fragments
from lms.cohorts import bp


def cohort_nav(cohort: Any) -> Markup:
    if current_user.is_authenticated and current_user.is_admin:
        role = "admin"
    else:
        membership = g.get("membership")
        role = membership.role if membership is not None else None
    key = (cohort.id, role, str(get_locale() or "id"), request.script_root)
    return fragments.rows("cohorts/_nav_menu.html", "nav", (key,))


bp.add_app_template_global(cohort_nav, "lms_cohort_nav")
