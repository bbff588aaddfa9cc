"""Certificate numbers and verification codes: the pattern's rule and format, typed codes.

Pure functions, no database."""

from __future__ import annotations

import secrets
import string
from datetime import date

from lms.db import utcnow
from lms.i18n import gettext as _

PATTERN_FIELDS = ("seq", "cohort_code", "year", "month", "month_roman")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
#: No 0/O, 1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def pattern_problem(pattern: str) -> str | None:
    """Why a numbering pattern cannot be used (None: it can)."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return _("Pola nomor tidak valid: periksa kurung kurawal { }.")
    names = [name for _text, name, _spec, _conv in parts if name is not None]
    unknown = [n for n in names if n not in PATTERN_FIELDS]
    if unknown:
        return _(
            "Bagian pola yang tidak dikenal: %(names)s. Yang dapat dipakai: %(known)s.",
            names=", ".join("{" + n + "}" for n in unknown),
            known=", ".join("{" + n + "}" for n in PATTERN_FIELDS),
        )
    if "seq" not in names:
        return _("Pola nomor harus memuat {seq} (nomor urut), misalnya {seq:03d}.")
    try:
        format_number(pattern, 1, "KODE", utcnow().date())
    except (ValueError, TypeError):
        return _("Pola nomor tidak valid: format {seq} hanya menerima angka, misalnya {seq:03d}.")
    return None


def format_number(pattern: str, seq: int, cohort_code: str, when: date) -> str:
    return pattern.format(
        seq=seq,
        cohort_code=cohort_code,
        year=when.year,
        month=f"{when.month:02d}",
        month_roman=_ROMAN[when.month - 1],
    )


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What people type: lower case, spaces and dashes are fine."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)
