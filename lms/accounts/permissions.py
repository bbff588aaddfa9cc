"""Who may change what of an account."""

from __future__ import annotations

from typing import Any

from lms.i18n import gettext as _


def why_not_set_admin(actor: Any, user: Any, make_admin: bool) -> str | None:
    """An admin cannot take away their own rights (nobody might be left to give them back)."""
    if not make_admin and user.id == actor.id:
        return _("Anda tidak dapat mencabut hak admin Anda sendiri.")
    return None
