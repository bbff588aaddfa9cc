"""Token rules: the scopes a token may carry, whether a token still opens the API, and who
revokes it. What a token's owner may reach is the pages' rule (their class memberships and
region roles), narrowed by the scopes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lms.api.models import PersonalAccessToken
from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l
from lms.timefmt import local_datetime

#: scope -> what it lets a token do (the checkbox's label on the profile page).
SCOPES = {
    "read:classes": _l("Membaca kelas, pertemuan, peserta, dan kehadiran"),
    "checkin": _l("Presensi sebagai peserta"),
    "attendance:write": _l("Mengisi kehadiran sebagai panitia"),
    "read:registry": _l("Membaca daftar inovasi daerah"),
    "read:index": _l("Membaca nilai indeks inovasi daerah"),
}
#: The lifetimes offered on the profile page, in days; the first is the default.
LIFETIME_DAYS = (90, 30, 7, 365)
#: Active tokens one person may hold at once.
MAX_ACTIVE = 20


def scope_label(scope: str) -> str:
    return str(SCOPES.get(scope, scope))


def is_active(token: PersonalAccessToken, now: datetime) -> bool:
    return token.revoked_dt is None and token.expires_dt > now


def why_not_use(token: PersonalAccessToken | None, now: datetime, tz: str) -> str | None:
    """Why a presented token opens nothing (None: it works); times are shown in ``tz``."""
    if token is None:
        return _("Token ini tidak dikenal. Periksa tokennya, atau buat token baru di profil.")
    if token.revoked_dt is not None:
        return _(
            "Token ini sudah dicabut pada %(time)s. Buat token baru di profil.",
            time=local_datetime(token.revoked_dt, tz),
        )
    if token.expires_dt <= now:
        return _(
            "Token ini sudah kedaluwarsa pada %(time)s. Buat token baru di profil.",
            time=local_datetime(token.expires_dt, tz),
        )
    if not token.user.active:
        return _("Akun pemilik token ini sudah dinonaktifkan.")
    return None


def has_scope(token: PersonalAccessToken | None, scope: str | None) -> bool:
    """A session (no token) holds every scope; a token those it was given."""
    return token is None or scope is None or scope in (token.scopes or ())


def can_revoke(user: Any, token: PersonalAccessToken) -> bool:
    """The token's owner only: an admin deactivates the account instead."""
    return getattr(user, "id", None) == token.user_id


def why_not_create(active_count: int) -> str | None:
    if active_count >= MAX_ACTIVE:
        return _(
            "Anda sudah memiliki %(n)d token aktif. Cabut token yang tidak dipakai lagi dulu.",
            n=active_count,
        )
    return None


def lifetime(days: int) -> timedelta:
    return timedelta(days=days)
