"""Civil-service facts: NIP validation and the ranks (pangkat/golongan) list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

#: (golongan, pangkat) in ascending order, as in the civil-service regulation.
RANKS: tuple[tuple[str, str], ...] = (
    ("I/a", "Juru Muda"),
    ("I/b", "Juru Muda Tingkat I"),
    ("I/c", "Juru"),
    ("I/d", "Juru Tingkat I"),
    ("II/a", "Pengatur Muda"),
    ("II/b", "Pengatur Muda Tingkat I"),
    ("II/c", "Pengatur"),
    ("II/d", "Pengatur Tingkat I"),
    ("III/a", "Penata Muda"),
    ("III/b", "Penata Muda Tingkat I"),
    ("III/c", "Penata"),
    ("III/d", "Penata Tingkat I"),
    ("IV/a", "Pembina"),
    ("IV/b", "Pembina Tingkat I"),
    ("IV/c", "Pembina Utama Muda"),
    ("IV/d", "Pembina Utama Madya"),
    ("IV/e", "Pembina Utama"),
)
RANK_CODES: tuple[str, ...] = tuple(code for code, _ in RANKS)
_RANK_BY_CODE = dict(RANKS)
_RANK_BY_NAME = {name.lower(): code for code, name in RANKS}


def rank_label(code: str | None) -> str:
    if not code:
        return ""
    return f"{_RANK_BY_CODE.get(code, '')} ({code})"


def normalize_rank(value: str | None) -> str | None:
    """Accept "III/a", "iii/a", "III a", "Penata Muda" or "Penata Muda (III/a)"."""
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    match = re.search(r"\b(I{1,3}|IV)\s*[/ .-]?\s*([a-eA-E])\b", text, flags=re.IGNORECASE)
    if match:
        code = f"{match.group(1).upper()}/{match.group(2).lower()}"
        if code in _RANK_BY_CODE:
            return code
    return _RANK_BY_NAME.get(text.lower())


class NIPError(ValueError):
    """A NIP that is not valid; the message names what is wrong."""


@dataclass(frozen=True)
class NIP:
    digits: str
    birth_date: date
    appointment: tuple[int, int]
    sex: int

    def formatted(self) -> str:
        d = self.digits
        return f"{d[:8]} {d[8:14]} {d[14]} {d[15:]}"


def format_nip(digits: str | None) -> str:
    if not digits or len(digits) != 18:
        return digits or ""
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def parse_nip(value: str, *, today: date | None = None) -> NIP:
    """Validate an 18-digit NIP written with or without spaces.

    Layout: birth date YYYYMMDD, appointment YYYYMM, sex digit (1 male, 2 female),
    three-digit sequence.
    """
    today = today or date.today()
    compact = re.sub(r"[\s.\-]", "", value or "")
    if not compact:
        raise NIPError(_l("NIP kosong."))
    if not compact.isdigit():
        raise NIPError(_l("NIP hanya boleh berisi angka (spasi boleh)."))
    if len(compact) != 18:
        raise NIPError(_l("NIP harus 18 angka; yang diisi %(n)d angka.", n=len(compact)))
    try:
        birth = date(int(compact[0:4]), int(compact[4:6]), int(compact[6:8]))
    except ValueError:
        raise NIPError(
            _l(
                "Tanggal lahir dalam NIP (8 angka pertama, %(part)s) bukan tanggal yang sah.",
                part=compact[:8],
            )
        ) from None
    if birth.year < 1940 or birth > today:
        raise NIPError(_l("Tanggal lahir dalam NIP (%(part)s) tidak masuk akal.", part=compact[:8]))
    year, month = int(compact[8:12]), int(compact[12:14])
    if not 1 <= month <= 12:
        raise NIPError(
            _l(
                "Bulan pengangkatan dalam NIP (angka ke-13 dan 14, %(part)s) harus 01 sampai 12.",
                part=compact[12:14],
            )
        )
    if year < birth.year + 15 or (year, month) > (today.year, today.month):
        raise NIPError(
            _l(
                "Tahun pengangkatan dalam NIP (%(part)s) tidak cocok dengan tanggal lahir "
                "atau berada di masa depan.",
                part=compact[8:12],
            )
        )
    sex = int(compact[14])
    if sex not in (1, 2):
        raise NIPError(
            _l(
                "Angka jenis kelamin dalam NIP (angka ke-15) harus 1 (laki-laki) atau "
                "2 (perempuan), bukan %(digit)s.",
                digit=compact[14],
            )
        )
    return NIP(digits=compact, birth_date=birth, appointment=(year, month), sex=sex)
